//! Evaluations (项目评估): a mid-term and a final evaluation per purchased
//! project, by a purchaser-led group or an independent third party;
//! scoring on the scheme's leaf indicators; the report with every section;
//! approval (which delivers it to the provider) and publication; and the
//! provider's appeal, whose decision is final.

use crate::entity::{appeal, evaluation, score_sheet};
use crate::rules::{self, Grade, Member};
use crate::schemes;
use chrono::{DateTime, Duration, Utc};
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::{Context, CreditCode, DomainError, FieldError, Page, PageRequest, Permission, RegionCode, Role, id::new_id};
use jiuzhu_platform::Db;
use jiuzhu_platform::concurrency::expect_version;
use jiuzhu_platform::duties::{self, seat_accounts, seat_of};
use jiuzhu_platform::paging::keyset;
use jiuzhu_platform::record::{Change, authorize, record};
use jiuzhu_platform::scope::{InScope, under};
use jiuzhu_procurement::entity::{contract, procurement_project};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 中期评估
    MidTerm,
    /// 末期评估
    Final,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Organizer {
    /// 购买方牵头的评估小组
    PurchaserGroup,
    /// 第三方评估机构
    ThirdParty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ThirdPartyType {
    /// 科研院所
    ResearchInstitute,
    /// 高等院校
    University,
    /// 中介机构
    Intermediary,
    /// 社会组织
    SocialOrganization,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationStatus {
    /// 已计划
    Planned,
    /// 评分中
    Scoring,
    /// 已出报告
    Reported,
    /// 已审定
    Approved,
    /// 已公开
    Published,
}

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

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, DomainError> {
    serde_json::from_str(text).map_err(|e| DomainError::Internal(format!("stored evaluation: {e}")))
}

fn text<T: Serialize>(value: &T) -> Result<String, DomainError> {
    serde_json::to_string(value).map_err(|e| DomainError::Internal(e.to_string()))
}

fn view(m: evaluation::Model) -> Result<EvaluationView, DomainError> {
    let members: Vec<Member> = parse(&m.members)?;
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
        third_party: m.third_party.as_deref().map(parse).transpose()?,
        plan: parse(&m.plan)?,
        status: parse_code(&m.status)?,
        total: m.total_hundredths.map(|t| f64::from(t) / 100.0),
        grade: m.grade.as_deref().map(parse_code).transpose()?,
        report: m.report.as_deref().map(parse).transpose()?,
        history: parse(&m.history)?,
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
    let project = procurement_project::Entity::find_by_id(input.project_id)
        .in_scope(&ctx.actor)
        .one(&*txn)
        .await?
        .ok_or_else(|| DomainError::field("project_id", "project_unknown", "no such project in your region"))?;
    let signed = contract::Entity::find().filter(contract::Column::ProjectId.eq(project.id)).one(&*txn).await?;
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
            let provider = jiuzhu_matching::providers::find(&*txn, signed.provider_id).await?;
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
        members: Set(text(&input.members)?),
        third_party: Set(input.third_party.as_ref().map(text).transpose()?),
        plan: Set(text(&input.plan)?),
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

/// One appeal, for whoever may read its evaluation (the provider that filed it included).
pub async fn get_appeal(db: &Db, ctx: &Context, id: Uuid) -> Result<AppealView, DomainError> {
    authorize(db, ctx, Permission::EvaluationRead).await?;
    let found = appeal::Entity::find_by_id(id).one(db.conn()).await?.ok_or(DomainError::NotFound)?;
    scoped(ctx).filter(evaluation::Column::Id.eq(found.evaluation_id)).one(db.conn()).await?.ok_or(DomainError::NotFound)?;
    Ok(appeal_view(found))
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

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorScore {
    /// A leaf indicator of the scheme (`code` or `parent.sub`).
    pub indicator: String,
    pub score: u32,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"scores": [{"indicator": "administration", "score": 85, "comment": "制度健全"}]}))]
pub struct ScoreInput {
    pub scores: Vec<IndicatorScore>,
}

async fn locked(conn: &impl ConnectionTrait, ctx: &Context, id: Uuid) -> Result<evaluation::Model, DomainError> {
    evaluation::Entity::find_by_id(id).in_scope(&ctx.actor).lock_exclusive().one(conn).await?.ok_or(DomainError::NotFound)
}

/// Who signs the sheets: each member's name with their account, or the
/// third party (its sheet named `third_party`) with its signer's account.
fn scorers(m: &evaluation::Model) -> Result<Vec<(String, Option<Uuid>)>, DomainError> {
    if m.organizer == "third_party" {
        let party: Option<ThirdParty> = m.third_party.as_deref().map(parse).transpose()?;
        return Ok(vec![("third_party".into(), party.and_then(|p| p.user_id))]);
    }
    Ok(parse::<Vec<Member>>(&m.members)?.into_iter().map(|m| (m.name, m.user_id)).collect())
}

/// The sheet the caller's own account signs (`not_a_member` otherwise).
fn caller_seat(ctx: &Context, m: &evaluation::Model) -> Result<String, DomainError> {
    let mut scorers = scorers(m)?;
    let at = seat_of(&ctx.actor, scorers.iter().map(|(_, account)| *account))?;
    Ok(scorers.swap_remove(at).0)
}

/// Stores the caller's own complete sheet, as a member of the group (or the
/// third party's signer): every leaf indicator once, 0–100.
pub async fn score(db: &Db, ctx: &Context, id: Uuid, input: ScoreInput) -> Result<EvaluationView, DomainError> {
    authorize(db, ctx, Permission::SheetSign).await?;
    let txn = db.begin_write().await?;
    let current = locked(&*txn, ctx, id).await?;
    let member = caller_seat(ctx, &current)?;
    let status: EvaluationStatus = parse_code(&current.status)?;
    if !matches!(status, EvaluationStatus::Planned | EvaluationStatus::Scoring) {
        return Err(DomainError::invalid_transition("evaluation", &current.status, "take more score sheets"));
    }
    let scheme = schemes::load(&*txn, current.scheme_id).await?;
    let leaves: Vec<String> = rules::leaves(&scheme.spec).into_iter().map(|(l, _)| l).collect();
    let mut sheet = BTreeMap::new();
    let mut errors = Vec::new();
    for (i, s) in input.scores.iter().enumerate() {
        if !leaves.contains(&s.indicator) {
            errors.push(FieldError::new(
                format!("scores[{i}].indicator"),
                "indicator_unknown",
                format!("{} is not a leaf of the scheme", s.indicator),
            ));
        } else if s.score > 100 {
            errors.push(FieldError::new(format!("scores[{i}].score"), "range", "scores are 0 to 100"));
        } else if sheet.insert(s.indicator.clone(), s.score).is_some() {
            errors.push(FieldError::new(format!("scores[{i}].indicator"), "indicator_duplicate", "each indicator once"));
        }
    }
    for leaf in leaves.iter().filter(|l| !sheet.contains_key(*l)) {
        errors.push(FieldError::new("scores", "indicator_missing", format!("{leaf} is not scored")));
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    if score_sheet::Entity::find()
        .filter(score_sheet::Column::EvaluationId.eq(id))
        .filter(score_sheet::Column::Member.eq(member.as_str()))
        .one(&*txn)
        .await?
        .is_some()
    {
        return Err(DomainError::conflict("score_exists", "this member has scored already"));
    }
    score_sheet::ActiveModel {
        id: Set(new_id()),
        evaluation_id: Set(id),
        member: Set(member.clone()),
        sheet: Set(text(&input.scores)?),
        created_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    let mut model: evaluation::ActiveModel = current.clone().into();
    model.status = Set(code_of(EvaluationStatus::Scoring));
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    let change =
        Change::audited("evaluation.scored", "evaluation", id, &updated.region_code).with_detail(serde_json::json!({"member": member}));
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    view(updated)
}

async fn sheets(conn: &impl ConnectionTrait, id: Uuid) -> Result<Vec<(String, BTreeMap<String, u32>)>, DomainError> {
    let rows = score_sheet::Entity::find().filter(score_sheet::Column::EvaluationId.eq(id)).all(conn).await?;
    rows.into_iter()
        .map(|r| {
            let scores: Vec<IndicatorScore> = parse(&r.sheet)?;
            Ok((r.member, scores.into_iter().map(|s| (s.indicator, s.score)).collect()))
        })
        .collect()
}

/// Writes the report once every member has scored; computes total and grade.
pub async fn report(db: &Db, ctx: &Context, id: Uuid, if_match: Option<i64>, mut input: Report) -> Result<EvaluationView, DomainError> {
    authorize(db, ctx, Permission::EvaluationManage).await?;
    let sections = [
        ("overview", &input.overview),
        ("organisation", &input.organisation),
        ("target_achievement", &input.target_achievement),
        ("problems_and_causes", &input.problems_and_causes),
        ("conclusion", &input.conclusion),
        ("recommendations", &input.recommendations),
    ];
    let missing: Vec<FieldError> = sections
        .iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(k, _)| FieldError::new(*k, "required", "every section of the report is required"))
        .collect();
    if !missing.is_empty() {
        return Err(DomainError::Validation(missing));
    }
    let txn = db.begin_write().await?;
    let current = locked(&*txn, ctx, id).await?;
    expect_version(if_match, current.version)?;
    if parse_code::<EvaluationStatus>(&current.status)? != EvaluationStatus::Scoring {
        return Err(DomainError::invalid_transition("evaluation", &current.status, "be reported"));
    }
    let all = sheets(&*txn, id).await?;
    let scored: Vec<&String> = all.iter().map(|(m, _)| m).collect();
    let waiting: Vec<String> = scorers(&current)?.into_iter().map(|(name, _)| name).filter(|name| !scored.contains(&name)).collect();
    if !waiting.is_empty() {
        return Err(DomainError::rule("scores_incomplete", format!("still to score: {}", waiting.join(", "))));
    }
    let scheme = schemes::load(&*txn, current.scheme_id).await?;
    let means = rules::means(&all.into_iter().map(|(_, s)| s).collect::<Vec<_>>());
    let total = rules::weighted_total(&scheme.spec, &means);
    let grade = rules::grade(&scheme.spec, total);
    input.indicators_and_methods = scheme
        .spec
        .groups
        .iter()
        .map(|g| {
            format!(
                "{}（{}）：{}",
                g.name_zh,
                g.weight_bp,
                g.indicators.iter().map(|i| format!("{} {}", i.name_zh, i.weight_bp)).collect::<Vec<_>>().join("、")
            )
        })
        .collect::<Vec<_>>()
        .join("；");
    let mut model: evaluation::ActiveModel = current.clone().into();
    model.status = Set(code_of(EvaluationStatus::Reported));
    model.total_hundredths = Set(Some(total as i32));
    model.grade = Set(Some(code_of(grade)));
    model.report = Set(Some(text(&input)?));
    model.reported_by = Set(Some(ctx.actor.subject.clone()));
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    let data = serde_json::json!({"total": f64::from(total) / 100.0, "grade": code_of(grade), "stage": updated.stage, "continue_project": !(grade == Grade::Fail && updated.stage == "final")});
    record(&*txn, ctx, Change::published("evaluation.reported", "evaluation", id, &updated.region_code, data)).await?;
    txn.commit().await?;
    view(updated)
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
                .filter(appeal::Column::Status.eq("open"))
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
        .filter(evaluation::Column::Status.is_in(["approved", "published"]))
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
        .filter(evaluation::Column::Stage.eq("final"))
        .filter(evaluation::Column::Status.is_in(["approved", "published"]))
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
    let query = evaluation::Entity::find().filter(evaluation::Column::Status.eq("published"));
    let rows = keyset::<_, Uuid>(query, evaluation::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    let mut items = Vec::new();
    for e in page.items {
        let project = procurement_project::Entity::find_by_id(e.project_id).one(db.conn()).await?;
        let provider = jiuzhu_matching::providers::find(db.conn(), e.provider_id).await?;
        items.push(PublicResult {
            evaluation_id: e.id,
            project_title: project.map(|p| p.title).unwrap_or_default(),
            provider_name: provider.map(|p| p.name).unwrap_or_default(),
            stage: parse_code(&e.stage)?,
            total: e.total_hundredths.map(|t| f64::from(t) / 100.0),
            grade: e.grade.as_deref().map(parse_code).transpose()?,
            published_at: e.published_at,
        });
    }
    Ok(Page { items, next_cursor: page.next_cursor })
}

/// Data pulled in beside the scores of outcome indicators; they inform the
/// scores and never replace them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Evidence {
    /// Units the contract buys.
    pub contracted_units: i64,
    /// Units delivered under the contract's orders.
    pub delivered_units: i64,
    /// Mean satisfaction × 100 (100–500) of those orders, when there is feedback.
    pub mean_satisfaction_x100: Option<i64>,
    /// Passed inspections of the provider, in basis points, when there are any.
    pub inspection_pass_rate_bp: Option<i64>,
    /// Follow-up visits scheduled for the contract's completed orders.
    pub follow_ups_scheduled: u64,
}

/// Delivered volume, satisfaction, inspections and follow-ups for an evaluation.
pub async fn evidence(db: &Db, ctx: &Context, id: Uuid) -> Result<Evidence, DomainError> {
    use jiuzhu_matching::entity::{delivery, feedback, follow_up, inspection, service_order};
    use sea_orm::PaginatorTrait;
    authorize(db, ctx, Permission::EvaluationRead).await?;
    let conn = db.conn();
    let found = scoped(ctx).filter(evaluation::Column::Id.eq(id)).one(conn).await?.ok_or(DomainError::NotFound)?;
    let signed = contract::Entity::find().filter(contract::Column::ProjectId.eq(found.project_id)).one(conn).await?;
    let Some(signed) = signed else {
        return Ok(Evidence {
            contracted_units: 0,
            delivered_units: 0,
            mean_satisfaction_x100: None,
            inspection_pass_rate_bp: None,
            follow_ups_scheduled: 0,
        });
    };
    let services: Vec<serde_json::Value> = parse(&signed.services)?;
    let contracted_units = services.iter().filter_map(|s| s["quantity"].as_i64()).sum();
    let orders: Vec<Uuid> = service_order::Entity::find()
        .filter(service_order::Column::ContractId.eq(signed.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    let delivered_units = delivery::Entity::find()
        .filter(delivery::Column::OrderId.is_in(orders.clone()))
        .all(conn)
        .await?
        .iter()
        .map(|d| i64::from(d.quantity))
        .sum();
    let ratings: Vec<i64> = feedback::Entity::find()
        .filter(feedback::Column::OrderId.is_in(orders.clone()))
        .all(conn)
        .await?
        .iter()
        .map(|f| i64::from(f.satisfaction))
        .collect();
    let inspections = inspection::Entity::find().filter(inspection::Column::ProviderId.eq(signed.provider_id)).count(conn).await?;
    let passed = inspection::Entity::find()
        .filter(inspection::Column::ProviderId.eq(signed.provider_id))
        .filter(inspection::Column::Result.eq("pass"))
        .count(conn)
        .await?;
    let follow_ups_scheduled = follow_up::Entity::find().filter(follow_up::Column::OrderId.is_in(orders)).count(conn).await?;
    Ok(Evidence {
        contracted_units,
        delivered_units,
        mean_satisfaction_x100: (!ratings.is_empty()).then(|| ratings.iter().sum::<i64>() * 100 / ratings.len() as i64),
        inspection_pass_rate_bp: (inspections > 0).then(|| passed as i64 * 10_000 / inspections as i64),
        follow_ups_scheduled,
    })
}

/// The grades a provider's evaluations earned (for its performance record).
pub async fn grades_of_provider(conn: &impl ConnectionTrait, provider_id: Uuid) -> Result<Vec<String>, DomainError> {
    let rows = evaluation::Entity::find()
        .filter(evaluation::Column::ProviderId.eq(provider_id))
        .filter(evaluation::Column::Status.is_in(["approved", "published"]))
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
        .and_where(evaluation::Column::Status.is_in(["approved", "published"]))
        .group_by_col(evaluation::Column::Grade);
    if let Some(year) = year {
        let projects = Query::select()
            .column(procurement_project::Column::Id)
            .from(procurement_project::Entity)
            .and_where(procurement_project::Column::Year.eq(year))
            .to_owned();
        query.and_where(evaluation::Column::ProjectId.in_subquery(projects));
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

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grounds": "满意度调查样本过少", "evidence": "回访记录128份"}))]
pub struct AppealInput {
    #[validate(length(min = 1, max = 8000))]
    #[schema(min_length = 1, max_length = 8000)]
    pub grounds: String,
    #[validate(length(max = 8000))]
    #[schema(max_length = 8000)]
    #[serde(default)]
    pub evidence: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppealView {
    pub id: Uuid,
    pub evaluation_id: Uuid,
    pub grounds: String,
    pub evidence: String,
    /// `open`, `upheld` or `rejected`.
    pub status: String,
    pub reasoning: Option<String>,
    pub decided_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

fn appeal_view(m: appeal::Model) -> AppealView {
    AppealView {
        id: m.id,
        evaluation_id: m.evaluation_id,
        grounds: m.grounds,
        evidence: m.evidence,
        status: m.status,
        reasoning: m.reasoning,
        decided_by: m.decided_by,
        created_at: m.created_at,
        decided_at: m.decided_at,
    }
}

/// The evaluated provider appeals within `appeal_days` (15 by default) of the report's delivery.
pub async fn appeal(db: &Db, ctx: &Context, id: Uuid, input: AppealInput, appeal_days: i64) -> Result<AppealView, DomainError> {
    if ctx.actor.role != Role::Provider {
        return Err(DomainError::Forbidden { permission: "the evaluated provider's account".into() });
    }
    let txn = db.begin_write().await?;
    let current = scoped(ctx).filter(evaluation::Column::Id.eq(id)).lock_exclusive().one(&*txn).await?.ok_or(DomainError::NotFound)?;
    let delivered = current
        .approved_at
        .ok_or_else(|| DomainError::conflict("report_not_delivered", "appeals follow the delivery of an approved report"))?;
    if ctx.now > delivered + Duration::days(appeal_days) {
        return Err(DomainError::rule("appeal_too_late", format!("appeals are made within {appeal_days} days of delivery")));
    }
    let earlier = appeal::Entity::find().filter(appeal::Column::EvaluationId.eq(id)).all(&*txn).await?;
    if earlier.iter().any(|a| a.status == "open") {
        return Err(DomainError::conflict("appeal_open", "an appeal is already open"));
    }
    if earlier.iter().any(|a| a.status != "open") {
        return Err(DomainError::conflict("appeal_already_decided", "the review of an appeal is final"));
    }
    let model = appeal::ActiveModel {
        id: Set(new_id()),
        evaluation_id: Set(id),
        grounds: Set(input.grounds),
        evidence: Set(input.evidence),
        status: Set("open".into()),
        reasoning: Set(None),
        decided_by: Set(None),
        created_at: Set(ctx.now),
        decided_at: Set(None),
    }
    .insert(&*txn)
    .await?;
    let mut change = Change::published("appeal.filed", "appeal", model.id, &current.region_code, serde_json::json!({"evaluation_id": id}));
    if let Some(event) = change.event.as_mut() {
        event.provider_id = Some(current.provider_id);
    }
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    Ok(appeal_view(model))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppealOutcome {
    /// 申诉成立
    Upheld,
    /// 申诉驳回
    Rejected,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"outcome": "upheld", "revised_scores": {"satisfaction": 88}, "reasoning": "补充样本后满意度应调整"}))]
pub struct DecideInput {
    pub outcome: AppealOutcome,
    /// Leaf indicator → revised mean score (0–100), for an upheld appeal.
    #[serde(default)]
    pub revised_scores: BTreeMap<String, u32>,
    #[validate(length(min = 1, max = 8000))]
    #[schema(min_length = 1, max_length = 8000)]
    pub reasoning: String,
}

/// A civil-affairs officer at the purchaser's level who was not in the group
/// decides; the decision is final. Upheld with revised scores recomputes
/// the total and grade and keeps the old figures in the history.
pub async fn decide(db: &Db, ctx: &Context, appeal_id: Uuid, input: DecideInput) -> Result<AppealView, DomainError> {
    authorize(db, ctx, Permission::EvaluationManage).await?;
    if !matches!(ctx.actor.role, Role::CityAdmin | Role::CountyOfficer) {
        return Err(DomainError::Forbidden { permission: "evaluation:manage (a civil-affairs officer)".into() });
    }
    let txn = db.begin_write().await?;
    let found = appeal::Entity::find_by_id(appeal_id).lock_exclusive().one(&*txn).await?.ok_or(DomainError::NotFound)?;
    let current = locked(&*txn, ctx, found.evaluation_id).await?;
    if found.status != "open" {
        return Err(DomainError::conflict("appeal_already_decided", "the review of an appeal is final"));
    }
    if current.region_code != ctx.actor.region.as_str() {
        return Err(DomainError::rule("decider_level", "the appeal is decided at the purchaser's own level"));
    }
    let members: Vec<Member> = parse(&current.members)?;
    if members.iter().any(|m| m.user_id.map(|u| u.to_string()) == Some(ctx.actor.subject.clone())) {
        return Err(DomainError::rule("decider_in_group", "a member of the evaluation group cannot decide its appeal"));
    }
    let mut evaluation_model: evaluation::ActiveModel = current.clone().into();
    if input.outcome == AppealOutcome::Upheld && !input.revised_scores.is_empty() {
        let scheme = schemes::load(&*txn, current.scheme_id).await?;
        let mut means = rules::means(&sheets(&*txn, current.id).await?.into_iter().map(|(_, s)| s).collect::<Vec<_>>());
        for (leaf, score) in &input.revised_scores {
            if !means.contains_key(leaf) || *score > 100 {
                return Err(DomainError::field(
                    format!("revised_scores.{leaf}"),
                    "indicator_unknown",
                    "revise scored leaf indicators, 0 to 100",
                ));
            }
            means.insert(leaf.clone(), score * 100);
        }
        let total = rules::weighted_total(&scheme.spec, &means);
        let mut history: Vec<serde_json::Value> = parse(&current.history)?;
        history.push(serde_json::json!({"replaced_at": ctx.now, "total_hundredths": current.total_hundredths, "grade": current.grade, "appeal_id": appeal_id}));
        evaluation_model.total_hundredths = Set(Some(total as i32));
        evaluation_model.grade = Set(Some(code_of(rules::grade(&scheme.spec, total))));
        evaluation_model.history = Set(text(&history)?);
    }
    evaluation_model.version = Set(current.version + 1);
    evaluation_model.updated_at = Set(ctx.now);
    let updated = evaluation_model.update(&*txn).await?;
    let mut model: appeal::ActiveModel = found.into();
    model.status = Set(code_of(input.outcome));
    model.reasoning = Set(Some(input.reasoning));
    model.decided_by = Set(Some(ctx.actor.subject.clone()));
    model.decided_at = Set(Some(ctx.now));
    let decided = model.update(&*txn).await?;
    let mut change = Change::published(
        "appeal.decided",
        "appeal",
        decided.id,
        &updated.region_code,
        serde_json::json!({"outcome": decided.status, "grade": updated.grade}),
    );
    if let Some(event) = change.event.as_mut() {
        event.provider_id = Some(updated.provider_id);
    }
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    Ok(appeal_view(decided))
}
