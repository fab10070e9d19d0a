//! Procurement projects (项目确定 → 实施购买): sized from the service needs
//! list, funded within the 3% cap, bought by one of the five methods with
//! comprehensive scoring in which price weighs 10–30%. Publishing freezes
//! the content; published projects are listed publicly.

use crate::entity::{fund_account, procurement_project};
use crate::funds::{cap_of, committed};
use crate::rules::{Criteria, Funding, Method, ProjectAction, ProjectStatus, check_cap, check_plan, fiscal_share};
use chrono::{DateTime, Utc};
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::stored_json::to_column as to_text;
use jiuzhu_core::{Context, DomainError, FieldError, Page, PageRequest, Permission, RegionCode, RegionLevel, id::new_id};
use jiuzhu_needs_assessment::needs::{SummaryRow, open_demand};
use jiuzhu_platform::Db;
use jiuzhu_platform::concurrency::expect_version;
use jiuzhu_platform::paging::keyset;
use jiuzhu_platform::record::{Change, authorize, record};
use jiuzhu_platform::scope::InScope;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceVolume {
    pub service_code: String,
    pub quantity: u32,
    /// `per_visit`, `per_hour`, `per_day`, `per_item` or `per_month`.
    pub unit: String,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "大武口区2025年居家助餐助浴服务", "region_code": "640202", "year": 2025, "service_codes": ["meals", "bathing"], "target_groups": ["elderly", "disabled"],
    "beneficiary_count": 320, "service_volume": [{"service_code": "meals", "quantity": 38000, "unit": "per_item"}], "needs_basis": {},
    "budget_fen": 250000, "funding": [{"source": "fiscal_assistance", "amount_fen": 200000}, {"source": "welfare_lottery", "amount_fen": 50000}],
    "staffing_requirements": "持证护理员不少于10名", "bidder_requirements": "依法登记满两年，无不良记录", "method": "competitive_consultation",
    "evaluation_criteria": {"price_bp": 2000, "capability_bp": 4000, "quality_bp": 3000, "other_bp": 1000}}))]
pub struct CreateProject {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// The funding region (city or county); its fund account for `year` must exist.
    pub region_code: String,
    #[validate(range(min = 2000, max = 2100))]
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    #[validate(length(min = 1, max = 32))]
    #[schema(min_items = 1, max_items = 32)]
    pub service_codes: Vec<String>,
    #[serde(default)]
    pub target_groups: Vec<String>,
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub beneficiary_count: i32,
    #[serde(default)]
    pub service_volume: Vec<ServiceVolume>,
    /// The needs-summary snapshot the project was sized from.
    #[serde(default)]
    pub needs_basis: serde_json::Value,
    /// A positive number of fen.
    #[schema(minimum = 1)]
    pub budget_fen: i64,
    /// Must add up to the budget; `fiscal_assistance` counts against the cap.
    #[validate(length(min = 1, max = 10))]
    #[schema(min_items = 1, max_items = 10)]
    pub funding: Vec<Funding>,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    #[serde(default)]
    pub staffing_requirements: String,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    #[serde(default)]
    pub bidder_requirements: String,
    pub method: Method,
    /// Required for `single_source`.
    pub justification: Option<String>,
    pub evaluation_criteria: Criteria,
    /// For `invited_tender`: the providers invited to bid (at least three).
    #[serde(default)]
    pub invited_provider_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectView {
    pub id: Uuid,
    pub fund_account_id: Uuid,
    pub title: String,
    pub region_code: String,
    pub year: i32,
    pub service_codes: Vec<String>,
    pub target_groups: Vec<String>,
    pub beneficiary_count: i32,
    pub service_volume: Vec<ServiceVolume>,
    pub needs_basis: serde_json::Value,
    pub budget_fen: i64,
    pub funding: Vec<Funding>,
    pub staffing_requirements: String,
    pub bidder_requirements: String,
    pub method: Method,
    pub justification: Option<String>,
    pub evaluation_criteria: Criteria,
    pub status: ProjectStatus,
    pub published_at: Option<DateTime<Utc>>,
    /// When bidding closed.
    pub bidding_closed_at: Option<DateTime<Utc>>,
    /// Why the tender failed, for a `failed` project.
    pub failure_reason: Option<String>,
    pub invited_provider_ids: Vec<Uuid>,
    /// The ranking and the choice, once awarded.
    pub award: Option<crate::bids::Award>,
    /// The bid panel's seats, once formed (not shown to providers).
    pub panel: Vec<crate::panel::PanelSeat>,
    /// The contract signed from the award, once signed (in reads).
    pub contract_id: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, DomainError> {
    jiuzhu_core::stored_json::from_column("procurement_projects", text)
}

pub(crate) fn view(m: procurement_project::Model) -> Result<ProjectView, DomainError> {
    Ok(ProjectView {
        id: m.id,
        fund_account_id: m.fund_account_id,
        title: m.title,
        region_code: m.region_code,
        year: m.year,
        service_codes: json(&m.service_codes)?,
        target_groups: json(&m.target_groups)?,
        beneficiary_count: m.beneficiary_count,
        service_volume: json(&m.service_volume)?,
        needs_basis: json(&m.needs_basis)?,
        budget_fen: m.budget_fen,
        funding: json(&m.funding)?,
        staffing_requirements: m.staffing_requirements,
        bidder_requirements: m.bidder_requirements,
        method: parse_code(&m.method)?,
        justification: m.justification,
        evaluation_criteria: json(&m.evaluation_criteria)?,
        status: parse_code(&m.status)?,
        published_at: m.published_at,
        bidding_closed_at: m.bidding_closed_at,
        failure_reason: m.failure_reason,
        invited_provider_ids: m.invited_providers.as_deref().map(json).transpose()?.unwrap_or_default(),
        award: m.award.as_deref().map(json).transpose()?,
        panel: crate::panel::seats_in(m.panel.as_deref())?,
        contract_id: None,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Creates a draft, committing its fiscal money under the cap in the same
/// transaction that locks the fund account, so two requests cannot both
/// slip under it.
pub async fn create(db: &Db, ctx: &Context, input: CreateProject) -> Result<ProjectView, DomainError> {
    authorize(db, ctx, Permission::ProcurementManage).await?;
    check_plan(input.budget_fen, &input.funding, &input.evaluation_criteria)?;
    if input.method == Method::SingleSource && input.justification.as_deref().is_none_or(|j| j.trim().is_empty()) {
        return Err(DomainError::field("justification", "justification_required", "single-source purchases need a written justification"));
    }
    if input.method == Method::InvitedTender && input.invited_provider_ids.len() < 3 {
        return Err(DomainError::field(
            "invited_provider_ids",
            "invitations_required",
            "an invited tender invites at least three providers",
        ));
    }
    let region = RegionCode::parse_field(&input.region_code, "region_code")?;
    if !matches!(region.level(), RegionLevel::City | RegionLevel::County) || !ctx.actor.covers(&region) {
        return Err(DomainError::field("region_code", "funding_region", "a project is funded by your city or county"));
    }
    let known = jiuzhu_supply::catalogue::existing_codes(db.conn(), &input.service_codes).await?;
    let unknown: Vec<FieldError> = input
        .service_codes
        .iter()
        .enumerate()
        .filter(|(_, c)| !known.contains(c))
        .map(|(i, c)| FieldError::new(format!("service_codes[{i}]"), "service_unknown", format!("{c} is not in the catalogue")))
        .collect();
    if !unknown.is_empty() {
        return Err(DomainError::Validation(unknown));
    }
    let txn = db.begin_write().await?;
    let account = fund_account::Entity::find()
        .filter(fund_account::Column::RegionCode.eq(region.as_str()))
        .filter(fund_account::Column::Year.eq(input.year))
        .lock_exclusive()
        .one(&*txn)
        .await?
        .ok_or_else(|| {
            DomainError::field("region_code", "fund_account_missing", format!("{region} has no fund account for {}", input.year))
        })?;
    let fiscal = fiscal_share(&input.funding);
    check_cap(cap_of(&account)?, committed(&*txn, account.id).await?, fiscal)?;
    let model = procurement_project::ActiveModel {
        id: Set(new_id()),
        fund_account_id: Set(account.id),
        title: Set(input.title),
        region_code: Set(region.to_string()),
        year: Set(input.year),
        service_codes: Set(to_text(&input.service_codes)?),
        target_groups: Set(to_text(&input.target_groups)?),
        beneficiary_count: Set(input.beneficiary_count),
        service_volume: Set(to_text(&input.service_volume)?),
        needs_basis: Set(to_text(&input.needs_basis)?),
        budget_fen: Set(input.budget_fen),
        fiscal_fen: Set(fiscal),
        funding: Set(to_text(&input.funding)?),
        staffing_requirements: Set(input.staffing_requirements),
        bidder_requirements: Set(input.bidder_requirements),
        method: Set(code_of(input.method)),
        justification: Set(input.justification),
        evaluation_criteria: Set(to_text(&input.evaluation_criteria)?),
        status: Set(code_of(ProjectStatus::Draft)),
        published_at: Set(None),
        bidding_closed_at: Set(None),
        failure_reason: Set(None),
        invited_providers: Set(Some(to_text(&input.invited_provider_ids)?)),
        award: Set(None),
        acceptance: Set(None),
        panel: Set(None),
        version: Set(1),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    let data = serde_json::json!({"budget_fen": model.budget_fen, "fiscal_fen": model.fiscal_fen, "method": model.method});
    record(&*txn, ctx, Change::published("procurement_project.created", "procurement_project", model.id, &model.region_code, data)).await?;
    txn.commit().await?;
    view(model)
}

pub async fn list(db: &Db, ctx: &Context, status: Option<ProjectStatus>, page: PageRequest) -> Result<Page<ProjectView>, DomainError> {
    authorize(db, ctx, Permission::ProcurementRead).await?;
    let mut query = procurement_project::Entity::find().in_scope(&ctx.actor);
    if let Some(status) = status {
        query = query.filter(procurement_project::Column::Status.eq(code_of(status)));
    }
    let rows = keyset::<_, Uuid>(query, procurement_project::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    let ids: Vec<Uuid> = page.items.iter().map(|r| r.id).collect();
    let contracts = crate::contracts::ids_for_projects(db.conn(), &ids).await?;
    let items = page.items.into_iter().map(|row| view_for(ctx, row, &contracts)).collect::<Result<_, _>>()?;
    Ok(Page { items, next_cursor: page.next_cursor })
}

/// A project as the caller may see it, with its contract (`contracts` by
/// project): a bidder does not learn who sits on the panel.
fn view_for(ctx: &Context, row: procurement_project::Model, contracts: &[(Uuid, Uuid)]) -> Result<ProjectView, DomainError> {
    let mut project = view(row)?;
    project.contract_id = contracts.iter().find(|(project_id, _)| *project_id == project.id).map(|(_, contract)| *contract);
    if ctx.actor.role == jiuzhu_core::Role::Provider {
        project.panel.clear();
    }
    Ok(project)
}

/// One project; a member of its panel reads it by their seat alone.
pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<ProjectView, DomainError> {
    let row = procurement_project::Entity::find_by_id(id).in_scope(&ctx.actor).one(db.conn()).await?;
    let seated = row.as_ref().is_some_and(|row| crate::panel::caller_seat(&ctx.actor, row).is_ok());
    if !seated {
        authorize(db, ctx, Permission::ProcurementRead).await?;
    }
    let row = row.ok_or(DomainError::NotFound)?;
    let contracts = crate::contracts::ids_for_projects(db.conn(), &[row.id]).await?;
    view_for(ctx, row, &contracts)
}

/// The caller's project, locked for the rest of the transaction, at the
/// version the caller read (`If-Match`).
pub(crate) async fn locked_at(
    conn: &impl sea_orm::ConnectionTrait,
    ctx: &Context,
    id: Uuid,
    if_match: Option<i64>,
) -> Result<procurement_project::Model, DomainError> {
    let current =
        procurement_project::Entity::find_by_id(id).in_scope(&ctx.actor).lock_exclusive().one(conn).await?.ok_or(DomainError::NotFound)?;
    expect_version(if_match, current.version)?;
    Ok(current)
}

/// Why a tender failed (流标), given when the project is declared failed.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "投标截止时有效投标不足三家"}))]
pub struct FailInput {
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub reason: String,
}

/// Declares a project failed (`bidding_closed → failed`) with its reason.
pub async fn fail(db: &Db, ctx: &Context, id: Uuid, if_match: Option<i64>, input: FailInput) -> Result<ProjectView, DomainError> {
    step(db, ctx, id, if_match, ProjectAction::Fail, Some(input.reason)).await
}

/// Takes a step without a payload; a failure goes through `fail`, which
/// records its reason.
pub async fn act(db: &Db, ctx: &Context, id: Uuid, if_match: Option<i64>, action: ProjectAction) -> Result<ProjectView, DomainError> {
    if action == ProjectAction::Fail {
        return Err(DomainError::field("reason", "required", "a failed tender needs its reason"));
    }
    step(db, ctx, id, if_match, action, None).await
}

async fn step(
    db: &Db,
    ctx: &Context,
    id: Uuid,
    if_match: Option<i64>,
    action: ProjectAction,
    failure_reason: Option<String>,
) -> Result<ProjectView, DomainError> {
    authorize(db, ctx, Permission::ProcurementManage).await?;
    let txn = db.begin_write().await?;
    let current = locked_at(&*txn, ctx, id, if_match).await?;
    let status: ProjectStatus = parse_code(&current.status)?;
    let next = status.after(action).ok_or_else(|| DomainError::invalid_transition("project", &current.status, "take that step"))?;
    if action == ProjectAction::Settle {
        crate::contracts::settle_for_project(&*txn, ctx, current.id).await?;
    }
    let mut model: procurement_project::ActiveModel = current.clone().into();
    model.status = Set(code_of(next));
    match action {
        ProjectAction::Publish => model.published_at = Set(Some(ctx.now)),
        ProjectAction::CloseBidding => model.bidding_closed_at = Set(Some(ctx.now)),
        ProjectAction::Fail => model.failure_reason = Set(failure_reason.clone()),
        _ => {}
    }
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    let event_type = match action {
        ProjectAction::Publish => "procurement_project.published",
        ProjectAction::CloseBidding => "procurement_project.bidding_closed",
        ProjectAction::Fail => "procurement_project.failed",
        ProjectAction::Terminate => "procurement_project.terminated",
        ProjectAction::StartService => "procurement_project.service_started",
        ProjectAction::Settle => "procurement_project.settled",
    };
    record(
        &*txn,
        ctx,
        Change::published(
            event_type,
            "procurement_project",
            updated.id,
            &updated.region_code,
            match &failure_reason {
                Some(reason) => serde_json::json!({"status": updated.status, "reason": reason}),
                None => serde_json::json!({"status": updated.status}),
            },
        ),
    )
    .await?;
    txn.commit().await?;
    view(updated)
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"passed": true, "notes": "服务量、质量均达合同要求", "handover": ["服务台帐", "回访记录", "评估报告"]}))]
pub struct AcceptanceInput {
    pub passed: bool,
    #[validate(length(max = 8000))]
    #[schema(max_length = 8000)]
    #[serde(default)]
    pub notes: String,
    /// The records handed over.
    #[serde(default)]
    pub handover: Vec<String>,
    /// Why the service is accepted before its contract term ends (提前完成);
    /// without it, acceptance before the term's end is refused (`term_not_ended`).
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    #[serde(default)]
    pub early_completion_reason: Option<String>,
}

/// Acceptance (项目验收) at the end of the term, in the caller's transaction
/// (`workflows::acceptance`, which authorizes it): it needs an approved
/// final evaluation (`final_evaluation_approved`, asked of evaluation in the
/// same transaction). Passing moves the project to `accepted`, which allows
/// the final payment.
pub async fn accept_in(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    id: Uuid,
    if_match: Option<i64>,
    input: AcceptanceInput,
    final_evaluation_approved: bool,
) -> Result<ProjectView, DomainError> {
    let current = locked_at(conn, ctx, id, if_match).await?;
    if !matches!(parse_code::<ProjectStatus>(&current.status)?, ProjectStatus::Contracted | ProjectStatus::InService) {
        return Err(DomainError::invalid_transition("project", &current.status, "be accepted"));
    }
    if !final_evaluation_approved {
        return Err(DomainError::rule("final_evaluation_required", "acceptance needs the project's approved final evaluation"));
    }
    let term_end = crate::contracts::term_end_of_project(conn, current.id).await?;
    crate::rules::check_acceptance_time(ctx.now.date_naive(), term_end, input.early_completion_reason.as_deref())?;
    let mut model: procurement_project::ActiveModel = current.clone().into();
    if input.passed {
        model.status = Set(code_of(ProjectStatus::Accepted));
    }
    model.acceptance = Set(Some(to_text(&serde_json::json!({"passed": input.passed, "notes": input.notes, "handover": input.handover,
            "early_completion_reason": input.early_completion_reason, "at": ctx.now}))?));
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(conn).await?;
    let event_type = if input.passed { "procurement_project.accepted" } else { "procurement_project.acceptance_failed" };
    record(
        conn,
        ctx,
        Change::published(event_type, "procurement_project", updated.id, &updated.region_code, serde_json::json!({"passed": input.passed})),
    )
    .await?;
    view(updated)
}

/// What the public sees of a published project.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicProject {
    pub id: Uuid,
    pub title: String,
    pub region_code: String,
    pub year: i32,
    pub service_codes: Vec<String>,
    pub service_volume: Vec<ServiceVolume>,
    pub budget_fen: i64,
    pub method: Method,
    pub evaluation_criteria: Criteria,
    pub staffing_requirements: String,
    pub bidder_requirements: String,
    pub status: ProjectStatus,
    pub published_at: Option<DateTime<Utc>>,
}

/// Published projects (and those past publication), for everyone.
pub async fn public_list(db: &Db, page: PageRequest) -> Result<Page<PublicProject>, DomainError> {
    let query = procurement_project::Entity::find().filter(procurement_project::Column::PublishedAt.is_not_null());
    let rows = keyset::<_, Uuid>(query, procurement_project::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    let mut items = Vec::new();
    for row in page.items {
        let p = view(row)?;
        items.push(PublicProject {
            id: p.id,
            title: p.title,
            region_code: p.region_code,
            year: p.year,
            service_codes: p.service_codes,
            service_volume: p.service_volume,
            budget_fen: p.budget_fen,
            method: p.method,
            evaluation_criteria: p.evaluation_criteria,
            staffing_requirements: p.staffing_requirements,
            bidder_requirements: p.bidder_requirements,
            status: p.status,
            published_at: p.published_at,
        });
    }
    Ok(Page { items, next_cursor: page.next_cursor })
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DraftProposal {
    pub region_code: String,
    pub service_codes: Vec<String>,
    /// Distinct people with open needs for these services.
    pub beneficiary_count: i64,
    /// One unit per open need, to be refined by the planner.
    pub service_volume: Vec<ServiceVolume>,
    /// The needs-summary snapshot, to store as the project's `needs_basis`.
    pub needs_basis: serde_json::Value,
}

/// Proposes a project's size from the open needs in a region.
pub async fn draft_from_needs(db: &Db, ctx: &Context, region_code: &str, service_codes: Vec<String>) -> Result<DraftProposal, DomainError> {
    authorize(db, ctx, Permission::ProcurementManage).await?;
    let region = RegionCode::parse_field(region_code, "region_code")?;
    if !ctx.actor.covers(&region) {
        return Err(DomainError::NotFound);
    }
    if service_codes.is_empty() {
        return Err(DomainError::field("service_codes", "required", "name at least one service code"));
    }
    let (rows, people) = open_demand(db.conn(), &region, &service_codes).await?;
    let units = jiuzhu_supply::catalogue::list(db, ctx, None, None).await?;
    let unit_of = |code: &str| units.iter().find(|s| s.code == code).map(|s| code_of(s.unit)).unwrap_or_else(|| "per_visit".into());
    let service_volume = rows
        .iter()
        .map(|r: &SummaryRow| ServiceVolume {
            service_code: r.key.clone(),
            quantity: u32::try_from(r.count).unwrap_or(u32::MAX),
            unit: unit_of(&r.key),
        })
        .collect();
    let needs_basis = serde_json::json!({"taken_at": ctx.now, "region_code": region.to_string(), "open_needs": rows, "people": people});
    Ok(DraftProposal { region_code: region.to_string(), service_codes, beneficiary_count: people, service_volume, needs_basis })
}

/// A project as other areas read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRef {
    pub id: Uuid,
    pub region_code: String,
    pub title: String,
}

/// A project in the caller's region (an evaluation is planned against one).
pub async fn find_in_scope(conn: &impl sea_orm::ConnectionTrait, ctx: &Context, id: Uuid) -> Result<Option<ProjectRef>, DomainError> {
    let found = procurement_project::Entity::find_by_id(id).in_scope(&ctx.actor).one(conn).await?;
    Ok(found.map(|p| ProjectRef { id: p.id, region_code: p.region_code, title: p.title }))
}

/// The titles of `ids`, by id, in one read (public lists name their projects).
pub async fn titles(conn: &impl sea_orm::ConnectionTrait, ids: &[Uuid]) -> Result<std::collections::HashMap<Uuid, String>, DomainError> {
    let rows: Vec<(Uuid, String)> = procurement_project::Entity::find()
        .select_only()
        .column(procurement_project::Column::Id)
        .column(procurement_project::Column::Title)
        .filter(procurement_project::Column::Id.is_in(ids.to_vec()))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The ids of one budget year's projects, as a subquery for other areas' filters.
pub fn of_year(year: i32) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(procurement_project::Column::Id)
        .from(procurement_project::Entity)
        .and_where(procurement_project::Column::Year.eq(year))
        .to_owned()
}
