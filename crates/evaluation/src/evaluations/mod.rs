//! Evaluations (项目评估): a mid-term and a final evaluation per purchased
//! project, by a purchaser-led group or an independent third party;
//! scoring on the scheme's leaf indicators; the report with every section;
//! approval (which delivers it to the provider) and publication; and the
//! provider's appeal, whose decision is final. Sheets and the report,
//! appeals and the evidence are submodules; this one holds the evaluation
//! itself, its reads and its steps.

mod appeals;
mod evidence;
mod sheets;

pub use appeals::{AppealInput, AppealOutcome, AppealStatus, AppealView, DecideInput, appeal, decide, get_appeal};
pub use evidence::{Evidence, evidence};
pub use sheets::{IndicatorScore, ScoreInput, report, score};

use crate::entity::{appeal, evaluation};
use crate::rules::{self, Grade, Member};
use crate::schemes;
use chrono::{DateTime, Utc};
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::stored_json::{from_column, to_column};
use jiuzhu_core::{Context, CreditCode, DomainError, Page, PageRequest, Permission, RegionCode, Role, id::new_id};
use jiuzhu_platform::Db;
use jiuzhu_platform::concurrency::expect_version;
use jiuzhu_platform::duties::{self, seat_accounts, seat_of};
use jiuzhu_platform::paging::keyset;
use jiuzhu_platform::record::{Change, authorize, record};
use jiuzhu_platform::scope::{InScope, under};
use jiuzhu_procurement::{contracts, projects};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

jiuzhu_core::coded_enum! {
    pub enum Stage as "stage" {
        MidTerm = "mid_term", "中期评估", "Mid-term";
        Final = "final", "末期评估", "Final";
    }
}

jiuzhu_core::coded_enum! {
    pub enum Organizer as "organizer" {
        PurchaserGroup = "purchaser_group", "购买方牵头的评估小组", "Purchaser-led group";
        ThirdParty = "third_party", "第三方评估机构", "Third-party evaluator";
    }
}

jiuzhu_core::coded_enum! {
    pub enum ThirdPartyType as "third_party_type" {
        ResearchInstitute = "research_institute", "科研院所", "Research institute";
        University = "university", "高等院校", "University";
        Intermediary = "intermediary", "中介机构", "Intermediary";
        SocialOrganization = "social_organization", "社会组织", "Social organization";
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThirdParty {
    /// The account that signs the institution's sheet (one whose role signs
    /// sheets, e.g. `review_member`); required.
    #[serde(default)]
    pub user_id: Option<Uuid>,
    pub name: String,
    pub org_type: ThirdPartyType,
    pub credit_code: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub standards: String,
    pub methods: String,
    pub schedule: String,
    pub staff: String,
    pub budget_fen: i64,
    pub risk_control: String,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"project_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9aa0", "stage": "mid_term", "organizer": "purchaser_group",
    "members": [{"name": "张科长", "role": "assistance_staff", "professional_title": "intermediate", "accountant": false, "user_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9ab1"},
        {"name": "李会计", "role": "finance_staff", "professional_title": "intermediate", "accountant": true, "user_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9ab2"},
        {"name": "王大妈", "role": "beneficiary_rep", "professional_title": "none", "accountant": false, "user_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9ab3"}],
    "plan": {"standards": "合同约定标准", "methods": "查阅台帐、入户走访、问卷", "schedule": "2025年9月", "staff": "评估小组3人", "budget_fen": 500000, "risk_control": "回避制度"}}))]
pub struct CreateEvaluation {
    pub project_id: Uuid,
    pub stage: Stage,
    pub organizer: Organizer,
    /// Defaults to the default scheme.
    pub scheme_id: Option<Uuid>,
    #[serde(default)]
    pub members: Vec<Member>,
    pub third_party: Option<ThirdParty>,
    pub plan: Plan,
}

jiuzhu_core::coded_enum! {
    pub enum EvaluationStatus as "evaluation_status" {
        Planned = "planned", "已计划", "Planned";
        Scoring = "scoring", "评分中", "Scoring";
        Reported = "reported", "已出报告", "Reported";
        Approved = "approved", "已审定", "Approved";
        Published = "published", "已公开", "Published";
    }
}

/// The statuses of an evaluation whose result stands (approved, then published).
const ACCEPTED: [EvaluationStatus; 2] = [EvaluationStatus::Approved, EvaluationStatus::Published];

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"overview": "项目基本情况", "organisation": "评估组织情况", "target_achievement": "目标完成情况", "problems_and_causes": "存在问题及原因", "conclusion": "评估结论", "recommendations": "意见建议"}))]
pub struct Report {
    pub overview: String,
    pub organisation: String,
    /// Filled from the scheme.
    #[serde(default)]
    pub indicators_and_methods: String,
    pub target_achievement: String,
    pub problems_and_causes: String,
    pub conclusion: String,
    pub recommendations: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvaluationView {
    pub id: Uuid,
    pub project_id: Uuid,
    pub provider_id: Uuid,
    pub region_code: String,
    pub stage: Stage,
    pub organizer: Organizer,
    pub scheme_id: Uuid,
    pub members: Vec<Member>,
    pub third_party: Option<ThirdParty>,
    pub plan: Plan,
    pub status: EvaluationStatus,
    /// 0–100 with two decimals, once reported.
    pub total: Option<f64>,
    pub grade: Option<Grade>,
    pub report: Option<Report>,
    /// Earlier figures replaced by an upheld appeal.
    pub history: Vec<serde_json::Value>,
    /// Advice, e.g. no beneficiary representative.
    pub warnings: Vec<String>,
    /// `false` when a final evaluation failed: the project is not to be continued.
    pub continue_project: Option<bool>,
    pub approved_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

fn view(m: evaluation::Model) -> Result<EvaluationView, DomainError> {
    let members: Vec<Member> = from_column("evaluations.members", &m.members)?;
    let warnings = if m.organizer == "purchaser_group" { rules::check_group(&members).unwrap_or_default() } else { vec![] };
    Ok(EvaluationView {
        id: m.id,
        project_id: m.project_id,
        provider_id: m.provider_id,
        region_code: m.region_code,
        stage: parse_code(&m.stage)?,
        organizer: parse_code(&m.organizer)?,
        scheme_id: m.scheme_id,
        members,
        third_party: m.third_party.as_deref().map(|text| from_column("evaluations.third_party", text)).transpose()?,
        plan: from_column("evaluations.plan", &m.plan)?,
        status: parse_code(&m.status)?,
        total: m.total_hundredths.map(|t| f64::from(t) / 100.0),
        grade: m.grade.as_deref().map(parse_code).transpose()?,
        report: m.report.as_deref().map(|text| from_column("evaluations.report", text)).transpose()?,
        history: from_column("evaluations.history", &m.history)?,
        warnings,
        continue_project: match (m.stage.as_str(), m.grade.as_deref()) {
            ("final", Some(grade)) => Some(grade != "fail"),
            _ => None,
        },
        approved_at: m.approved_at,
        published_at: m.published_at,
        version: m.version,
        created_at: m.created_at,
    })
}

pub async fn create(db: &Db, ctx: &Context, input: CreateEvaluation) -> Result<EvaluationView, DomainError> {
    authorize(db, ctx, Permission::EvaluationManage).await?;
    let txn = db.begin_write().await?;
    let project = projects::find_in_scope(&*txn, ctx, input.project_id)
        .await?
        .ok_or_else(|| DomainError::field("project_id", "project_unknown", "no such project in your region"))?;
    let signed = contracts::signed_for_project(&*txn, project.id).await?;
    let signed = signed.ok_or_else(|| DomainError::rule("project_not_contracted", "only a contracted project is evaluated"))?;
    let region = RegionCode::parse(&project.region_code).map_err(DomainError::Internal)?;
    match input.organizer {
        Organizer::PurchaserGroup => {
            rules::check_group(&input.members)?;
            seat_accounts(&*txn, &rules::member_accounts(&input.members)?, &region).await?;
        }
        Organizer::ThirdParty => {
            let party = input
                .third_party
                .as_ref()
                .ok_or_else(|| DomainError::field("third_party", "required", "a third-party evaluation names the organisation"))?;
            let signer = party.user_id.ok_or_else(|| {
                DomainError::field("third_party.user_id", "required", "name the account that signs the institution's sheet")
            })?;
            seat_accounts(&*txn, &[("third_party.user_id".to_string(), signer)], &region).await?;
            let code = CreditCode::parse_field(&party.credit_code, "third_party.credit_code")?;
            let provider = jiuzhu_supply::providers::find(&*txn, signed.provider_id).await?;
            if provider.is_some_and(|p| p.credit_code == code.as_str()) {
                return Err(DomainError::rule("third_party_is_provider", "the provider under evaluation cannot evaluate itself"));
            }
        }
    }
    let existing: Vec<evaluation::Model> =
        evaluation::Entity::find().filter(evaluation::Column::ProjectId.eq(project.id)).all(&*txn).await?;
    if let Some(same) = existing.iter().find(|e| e.stage == code_of(input.stage)) {
        return Err(DomainError::Conflict {
            code: "evaluation_exists",
            message: "the project already has an evaluation of this stage".into(),
            existing_id: Some(same.id.to_string()),
        });
    }
    if input.stage == Stage::Final
        && !existing.iter().any(|e| e.stage == "mid_term" && matches!(e.status.as_str(), "approved" | "published"))
    {
        return Err(DomainError::rule("mid_term_required", "a final evaluation needs a completed (approved) mid-term evaluation"));
    }
    let scheme_id = match input.scheme_id {
        Some(id) => schemes::load(&*txn, id).await.map_err(|_| DomainError::field("scheme_id", "scheme_unknown", "no such scheme"))?.id,
        None => schemes::default(db, ctx).await?.id,
    };
    let model = evaluation::ActiveModel {
        id: Set(new_id()),
        project_id: Set(project.id),
        provider_id: Set(signed.provider_id),
        region_code: Set(project.region_code.clone()),
        stage: Set(code_of(input.stage)),
        organizer: Set(code_of(input.organizer)),
        scheme_id: Set(scheme_id),
        members: Set(to_column(&input.members)?),
        third_party: Set(input.third_party.as_ref().map(to_column).transpose()?),
        plan: Set(to_column(&input.plan)?),
        status: Set(code_of(EvaluationStatus::Planned)),
        total_hundredths: Set(None),
        grade: Set(None),
        report: Set(None),
        history: Set("[]".into()),
        reported_by: Set(None),
        approved_at: Set(None),
        published_at: Set(None),
        version: Set(1),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    record(
        &*txn,
        ctx,
        Change::published("evaluation.planned", "evaluation", model.id, &model.region_code, serde_json::json!({"stage": model.stage})),
    )
    .await?;
    txn.commit().await?;
    view(model)
}

fn scoped(ctx: &Context) -> sea_orm::Select<evaluation::Entity> {
    match ctx.actor.role {
        Role::Provider => evaluation::Entity::find().filter(evaluation::Column::ProviderId.eq(ctx.actor.provider_id.unwrap_or_default())),
        _ => evaluation::Entity::find().in_scope(&ctx.actor),
    }
}

/// What a list of evaluations narrows to.
#[derive(Debug, Default, Clone)]
pub struct EvaluationFilter {
    pub project_id: Option<Uuid>,
    pub stage: Option<Stage>,
    pub status: Option<EvaluationStatus>,
}

/// The evaluations the caller may read: staff those of their region, a
/// provider its own; oldest first, a page at a time.
pub async fn list(db: &Db, ctx: &Context, filter: EvaluationFilter, page: PageRequest) -> Result<Page<EvaluationView>, DomainError> {
    authorize(db, ctx, Permission::EvaluationRead).await?;
    let mut query = scoped(ctx);
    if let Some(project) = filter.project_id {
        query = query.filter(evaluation::Column::ProjectId.eq(project));
    }
    if let Some(stage) = filter.stage {
        query = query.filter(evaluation::Column::Stage.eq(code_of(stage)));
    }
    if let Some(status) = filter.status {
        query = query.filter(evaluation::Column::Status.eq(code_of(status)));
    }
    let rows = keyset::<_, Uuid>(query, evaluation::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    page.try_map(view)
}

async fn locked(conn: &impl ConnectionTrait, ctx: &Context, id: Uuid) -> Result<evaluation::Model, DomainError> {
    evaluation::Entity::find_by_id(id).in_scope(&ctx.actor).lock_exclusive().one(conn).await?.ok_or(DomainError::NotFound)
}

/// Who signs the sheets: each member's name with their account, or the
/// third party (its sheet named `third_party`) with its signer's account.
fn scorers(m: &evaluation::Model) -> Result<Vec<(String, Option<Uuid>)>, DomainError> {
    if m.organizer == "third_party" {
        let party: Option<ThirdParty> = m.third_party.as_deref().map(|text| from_column("evaluations.third_party", text)).transpose()?;
        return Ok(vec![("third_party".into(), party.and_then(|p| p.user_id))]);
    }
    Ok(from_column::<Vec<Member>>("evaluations.members", &m.members)?.into_iter().map(|m| (m.name, m.user_id)).collect())
}

/// The sheet the caller's own account signs (`not_a_member` otherwise).
fn caller_seat(ctx: &Context, m: &evaluation::Model) -> Result<String, DomainError> {
    let mut scorers = scorers(m)?;
    let at = seat_of(&ctx.actor, scorers.iter().map(|(_, account)| *account))?;
    Ok(scorers.swap_remove(at).0)
}

/// One evaluation; a member of its group (or the third party's signer)
/// reads it by their seat alone.
pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<EvaluationView, DomainError> {
    let row = scoped(ctx).filter(evaluation::Column::Id.eq(id)).one(db.conn()).await?;
    let seated = match &row {
        Some(row) => caller_seat(ctx, row).is_ok(),
        None => false,
    };
    if !seated {
        authorize(db, ctx, Permission::EvaluationRead).await?;
    }
    view(row.ok_or(DomainError::NotFound)?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Approve,
    Publish,
}

/// Approval delivers the report to the provider; publication makes it public
/// (not while an appeal is open).
pub async fn advance(db: &Db, ctx: &Context, id: Uuid, if_match: Option<i64>, step: Step) -> Result<EvaluationView, DomainError> {
    authorize(db, ctx, Permission::EvaluationManage).await?;
    let txn = db.begin_write().await?;
    let current = locked(&*txn, ctx, id).await?;
    expect_version(if_match, current.version)?;
    let status: EvaluationStatus = parse_code(&current.status)?;
    let mut model: evaluation::ActiveModel = current.clone().into();
    let event_type = match (step, status) {
        (Step::Approve, EvaluationStatus::Reported) => {
            duties::not_the_same_hand(&ctx.actor.subject, current.reported_by.as_deref(), "approve the report", "write the report")?;
            model.status = Set(code_of(EvaluationStatus::Approved));
            model.approved_at = Set(Some(ctx.now));
            "evaluation.report_delivered"
        }
        (Step::Publish, EvaluationStatus::Approved) => {
            if appeal::Entity::find()
                .filter(appeal::Column::EvaluationId.eq(id))
                .filter(appeal::Column::Status.eq(AppealStatus::Open.code()))
                .one(&*txn)
                .await?
                .is_some()
            {
                return Err(DomainError::conflict("appeal_open", "publication waits while an appeal is open"));
            }
            model.status = Set(code_of(EvaluationStatus::Published));
            model.published_at = Set(Some(ctx.now));
            "evaluation.published"
        }
        _ => return Err(DomainError::invalid_transition("evaluation", &current.status, "take that step")),
    };
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    let mut change = Change::published(
        event_type,
        "evaluation",
        id,
        &updated.region_code,
        serde_json::json!({"grade": updated.grade, "total_hundredths": updated.total_hundredths}),
    );
    if let Some(event) = change.event.as_mut() {
        event.provider_id = Some(updated.provider_id);
    }
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    view(updated)
}

/// Whether a project's mid-term evaluation has been approved with a
/// passing grade (procurement's payments ask this: it may release a
/// progress payment).
pub async fn mid_term_passed(conn: &impl ConnectionTrait, project_id: Uuid) -> Result<bool, DomainError> {
    let found = evaluation::Entity::find()
        .filter(evaluation::Column::ProjectId.eq(project_id))
        .filter(evaluation::Column::Stage.eq(code_of(Stage::MidTerm)))
        .filter(evaluation::Column::Status.is_in(ACCEPTED.map(EvaluationStatus::code)))
        .filter(evaluation::Column::Grade.ne(code_of(Grade::Fail)))
        .one(conn)
        .await?;
    Ok(found.is_some())
}

/// Whether a project's final evaluation has been approved (procurement's
/// acceptance asks this).
pub async fn final_approved(conn: &impl ConnectionTrait, project_id: Uuid) -> Result<bool, DomainError> {
    let found = evaluation::Entity::find()
        .filter(evaluation::Column::ProjectId.eq(project_id))
        .filter(evaluation::Column::Stage.eq(Stage::Final.code()))
        .filter(evaluation::Column::Status.is_in(ACCEPTED.map(EvaluationStatus::code)))
        .one(conn)
        .await?;
    Ok(found.is_some())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"evaluation_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9ad0", "project_title": "居家助餐服务", "provider_name": "示范爱心助老服务中心", "stage": "final", "total": 86.5, "grade": "good", "published_at": "2026-03-31T08:00:00Z"}))]
pub struct PublicResult {
    pub evaluation_id: Uuid,
    pub project_title: String,
    pub provider_name: String,
    pub stage: Stage,
    pub total: Option<f64>,
    pub grade: Option<Grade>,
    pub published_at: Option<DateTime<Utc>>,
}

/// Published results, for everyone; no personal data.
pub async fn public(db: &Db, page: PageRequest) -> Result<Page<PublicResult>, DomainError> {
    let query = evaluation::Entity::find().filter(evaluation::Column::Status.eq(EvaluationStatus::Published.code()));
    let rows = keyset::<_, Uuid>(query, evaluation::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    let titles = projects::titles(db.conn(), &page.items.iter().map(|e| e.project_id).collect::<Vec<_>>()).await?;
    let mut items = Vec::new();
    for e in page.items {
        let provider = jiuzhu_supply::providers::find(db.conn(), e.provider_id).await?;
        items.push(PublicResult {
            evaluation_id: e.id,
            project_title: titles.get(&e.project_id).cloned().unwrap_or_default(),
            provider_name: provider.map(|p| p.name).unwrap_or_default(),
            stage: parse_code(&e.stage)?,
            total: e.total_hundredths.map(|t| f64::from(t) / 100.0),
            grade: e.grade.as_deref().map(parse_code).transpose()?,
            published_at: e.published_at,
        });
    }
    Ok(Page { items, next_cursor: page.next_cursor })
}

/// The grades a provider's evaluations earned (for its performance record).
pub async fn grades_of_provider(conn: &impl ConnectionTrait, provider_id: Uuid) -> Result<Vec<String>, DomainError> {
    let rows = evaluation::Entity::find()
        .filter(evaluation::Column::ProviderId.eq(provider_id))
        .filter(evaluation::Column::Status.is_in(ACCEPTED.map(EvaluationStatus::code)))
        .order_by_asc(evaluation::Column::Id)
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|e| e.grade.map(|g| format!("{}:{g}", e.stage))).collect())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"year": 2025, "region_code": "640202", "grades": {"excellent": 2, "good": 5, "pass": 1, "fail": 0}}))]
pub struct GradeSummary {
    pub year: Option<i32>,
    pub region_code: String,
    /// Approved or published evaluations by grade.
    pub grades: BTreeMap<String, i64>,
}

/// The grade distribution, for budgeting and choosing providers, counted in the database.
pub async fn summary(db: &Db, ctx: &Context, year: Option<i32>, region_code: Option<&str>) -> Result<GradeSummary, DomainError> {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    authorize(db, ctx, Permission::EvaluationRead).await?;
    let region = match region_code {
        Some(code) => {
            let region = jiuzhu_core::RegionCode::parse_field(code, "region_code")?;
            if !ctx.actor.covers(&region) {
                return Err(DomainError::NotFound);
            }
            region
        }
        None => ctx.actor.region.clone(),
    };
    let backend = db.conn().get_database_backend();
    let mut query = Query::select();
    query
        .from(evaluation::Entity)
        .expr_as(Expr::col(evaluation::Column::Grade), Alias::new("grade"))
        .expr_as(Expr::col(evaluation::Column::Id).count(), Alias::new("n"))
        .and_where(under::<evaluation::Entity>(&region))
        .and_where(evaluation::Column::Status.is_in(ACCEPTED.map(EvaluationStatus::code)))
        .group_by_col(evaluation::Column::Grade);
    if let Some(year) = year {
        query.and_where(evaluation::Column::ProjectId.in_subquery(projects::of_year(year)));
    }
    let mut grades: BTreeMap<String, i64> = ["excellent", "good", "pass", "fail"].iter().map(|g| (g.to_string(), 0)).collect();
    for row in db.conn().query_all_raw(backend.build(&query)).await? {
        let grade: Option<String> = row.try_get("", "grade")?;
        if let Some(grade) = grade {
            grades.insert(grade, row.try_get("", "n")?);
        }
    }
    Ok(GradeSummary { year, region_code: region.to_string(), grades })
}
