//! Bids, panel scores and the award (不能简单以价低者得): providers bid on
//! published projects; after bidding closes, each member of the project's
//! panel scores each bid under their own account; the award, once every
//! member has scored every bid and the method's floor of bids is met, ranks
//! bids by the weighted total, with the price scored against the lowest
//! valid price, and records the ranking.

use crate::entity::{bid, bid_score, procurement_project};
use crate::panel::caller_seat;
use crate::projects::{ProjectView, view as project_view};
use crate::rules::{BidFacts, Method, ProjectStatus, RankedBid, check_bid_count, rank_bids};
use chrono::{DateTime, Utc};
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::{Context, DomainError, Permission, Role, id::new_id};
use jiuzhu_platform::Db;
use jiuzhu_platform::concurrency::expect_version;
use jiuzhu_platform::record::{Change, authorize, record};
use jiuzhu_platform::scope::InScope;
use jiuzhu_supply::providers;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"price_fen": 230000, "proposal": "中心厨房配送，每日两餐", "staff": ["持证护理员12名"], "services": ["meals", "bathing"]}))]
pub struct SubmitBid {
    /// Required when an officer records a bid; a provider bids as itself.
    pub provider_id: Option<Uuid>,
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub price_fen: i64,
    #[validate(length(min = 1, max = 8000))]
    #[schema(min_length = 1, max_length = 8000)]
    pub proposal: String,
    #[serde(default)]
    pub staff: Vec<String>,
    #[validate(length(min = 1))]
    #[schema(min_items = 1)]
    pub services: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BidView {
    pub id: Uuid,
    pub project_id: Uuid,
    pub provider_id: Uuid,
    pub price_fen: i64,
    pub proposal: String,
    pub staff: Vec<String>,
    pub services: Vec<String>,
    pub submitted_by: String,
    pub created_at: DateTime<Utc>,
}

fn view(m: bid::Model) -> Result<BidView, DomainError> {
    let parse = |t: &str| serde_json::from_str(t).map_err(|e| DomainError::Internal(format!("stored bid: {e}")));
    Ok(BidView {
        id: m.id,
        project_id: m.project_id,
        provider_id: m.provider_id,
        price_fen: m.price_fen,
        proposal: m.proposal,
        staff: parse(&m.staff)?,
        services: parse(&m.services)?,
        submitted_by: m.submitted_by,
        created_at: m.created_at,
    })
}

/// A project the caller may act on: officers in their region; providers
/// on any published project (publication makes it public).
async fn project_for(conn: &impl ConnectionTrait, ctx: &Context, id: Uuid, lock: bool) -> Result<procurement_project::Model, DomainError> {
    let mut query = procurement_project::Entity::find_by_id(id);
    query = if ctx.actor.role == Role::Provider {
        query.filter(procurement_project::Column::PublishedAt.is_not_null())
    } else {
        query.in_scope(&ctx.actor)
    };
    let query = if lock { sea_orm::QuerySelect::lock_exclusive(query) } else { query };
    query.one(conn).await?.ok_or(DomainError::NotFound)
}

pub async fn submit(db: &Db, ctx: &Context, project_id: Uuid, input: SubmitBid) -> Result<BidView, DomainError> {
    authorize(db, ctx, Permission::BidSubmit).await?;
    let provider_id = match (ctx.actor.role, ctx.actor.provider_id, input.provider_id) {
        (Role::Provider, Some(own), None) => own,
        (Role::Provider, Some(own), Some(named)) if named == own => own,
        (Role::Provider, _, _) => return Err(DomainError::field("provider_id", "not_your_provider", "a provider bids only as itself")),
        (_, _, Some(named)) => named,
        (_, _, None) => return Err(DomainError::field("provider_id", "required", "name the provider whose bid you record")),
    };
    let txn = db.begin_write().await?;
    let project = project_for(&*txn, ctx, project_id, true).await?;
    if parse_code::<ProjectStatus>(&project.status)? != ProjectStatus::Published {
        return Err(DomainError::rule("not_accepting_bids", format!("the project is {}, not accepting bids", project.status)));
    }
    let provider = providers::find(&*txn, provider_id).await?;
    let provider = provider.ok_or_else(|| DomainError::field("provider_id", "provider_unknown", "no such provider"))?;
    if !provider.eligible_for_purchase || !provider.org_type.may_undertake_purchases() {
        return Err(DomainError::rule("provider_type_ineligible", "this provider may not undertake purchased services"));
    }
    if let Some(until) = provider.barred_until.filter(|until| *until >= ctx.now.date_naive()) {
        return Err(DomainError::RuleWithDetails {
            code: "provider_barred",
            message: format!("this provider is barred from purchased projects until {until}"),
            details: serde_json::json!({"barred_until": until}),
        });
    }
    if input.price_fen > project.budget_fen {
        return Err(DomainError::RuleWithDetails {
            code: "bid_above_budget",
            message: format!("the price of {} fen is above the budget of {} fen", input.price_fen, project.budget_fen),
            details: serde_json::json!({"budget_fen": project.budget_fen, "price_fen": input.price_fen}),
        });
    }
    let current = project_view(project.clone())?;
    if current.method == Method::InvitedTender && !current.invited_provider_ids.contains(&provider_id) {
        return Err(DomainError::rule("provider_not_invited", "an invited tender accepts bids from invited providers only"));
    }
    if let Some(existing) =
        bid::Entity::find().filter(bid::Column::ProjectId.eq(project_id)).filter(bid::Column::ProviderId.eq(provider_id)).one(&*txn).await?
    {
        return Err(DomainError::Conflict {
            code: "bid_exists",
            message: "this provider has bid already".into(),
            existing_id: Some(existing.id.to_string()),
        });
    }
    let to_text = jiuzhu_core::stored_json::to_column::<Vec<String>>;
    let model = bid::ActiveModel {
        id: Set(new_id()),
        project_id: Set(project_id),
        provider_id: Set(provider_id),
        price_fen: Set(input.price_fen),
        proposal: Set(input.proposal),
        staff: Set(to_text(&input.staff)?),
        services: Set(to_text(&input.services)?),
        submitted_by: Set(ctx.actor.subject.clone()),
        created_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    let mut change = Change::published(
        "bid.submitted",
        "bid",
        model.id,
        &project.region_code,
        serde_json::json!({"project_id": project_id, "price_fen": model.price_fen}),
    );
    if let Some(event) = change.event.as_mut() {
        event.provider_id = Some(provider_id);
    }
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    view(model)
}

/// The project's bids; a provider sees only its own; a member of the
/// project's panel reads them by their seat alone.
pub async fn list(
    db: &Db,
    ctx: &Context,
    project_id: Uuid,
    page: jiuzhu_core::PageRequest,
) -> Result<jiuzhu_core::Page<BidView>, DomainError> {
    let project = project_for(db.conn(), ctx, project_id, false).await;
    if !project.as_ref().is_ok_and(|project| caller_seat(&ctx.actor, project).is_ok()) {
        authorize(db, ctx, Permission::ProcurementRead).await?;
    }
    project?;
    let mut query = bid::Entity::find().filter(bid::Column::ProjectId.eq(project_id));
    if ctx.actor.role == Role::Provider {
        query = query.filter(bid::Column::ProviderId.eq(ctx.actor.provider_id.unwrap_or_default()));
    }
    let rows = jiuzhu_platform::paging::keyset::<_, Uuid>(query, bid::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    page.try_map(view)
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"capability": 85, "quality": 90, "other": 80}))]
pub struct ScoreSheet {
    #[validate(range(min = 0, max = 100))]
    #[schema(minimum = 0, maximum = 100)]
    pub capability: i16,
    #[validate(range(min = 0, max = 100))]
    #[schema(minimum = 0, maximum = 100)]
    pub quality: i16,
    #[validate(range(min = 0, max = 100))]
    #[schema(minimum = 0, maximum = 100)]
    pub other: i16,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScoreSheetView {
    pub id: Uuid,
    pub bid_id: Uuid,
    /// The seated member's name; `recorded_by` is their account.
    pub member: String,
    pub capability: i16,
    pub quality: i16,
    pub other: i16,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

/// Stores the caller's own sheet for a bid, as a member of the project's
/// panel, after bidding has closed.
pub async fn score(db: &Db, ctx: &Context, project_id: Uuid, bid_id: Uuid, sheet: ScoreSheet) -> Result<ScoreSheetView, DomainError> {
    authorize(db, ctx, Permission::SheetSign).await?;
    let txn = db.begin_write().await?;
    let project = project_for(&*txn, ctx, project_id, false).await?;
    let seat = caller_seat(&ctx.actor, &project)?;
    if parse_code::<ProjectStatus>(&project.status)? != ProjectStatus::BiddingClosed {
        return Err(DomainError::conflict("not_scoring", "bids are scored after bidding closes and before the award"));
    }
    let found = bid::Entity::find_by_id(bid_id).filter(bid::Column::ProjectId.eq(project_id)).one(&*txn).await?;
    found.ok_or(DomainError::NotFound)?;
    let duplicate = bid_score::Entity::find()
        .filter(bid_score::Column::BidId.eq(bid_id))
        .filter(bid_score::Column::RecordedBy.eq(ctx.actor.subject.as_str()))
        .one(&*txn)
        .await?;
    if let Some(existing) = duplicate {
        return Err(DomainError::Conflict {
            code: "score_exists",
            message: "this member has scored this bid".into(),
            existing_id: Some(existing.id.to_string()),
        });
    }
    let model = bid_score::ActiveModel {
        id: Set(new_id()),
        bid_id: Set(bid_id),
        member: Set(seat.name),
        capability: Set(sheet.capability),
        quality: Set(sheet.quality),
        other: Set(sheet.other),
        recorded_by: Set(ctx.actor.subject.clone()),
        created_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    let change = Change::audited("bid.scored", "bid", bid_id, &project.region_code)
        .with_detail(serde_json::json!({"member": model.member, "seat": seat.seat}));
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    Ok(ScoreSheetView {
        id: model.id,
        bid_id,
        member: model.member,
        capability: model.capability,
        quality: model.quality,
        other: model.other,
        recorded_by: model.recorded_by,
        created_at: model.created_at,
    })
}

#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({}))]
pub struct AwardInput {
    /// Choose a bid other than the highest total (needs `reason`).
    pub bid_id: Option<Uuid>,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub reason: Option<String>,
}

/// The recorded award: the ranking and the chosen bid.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Award {
    pub ranking: Vec<RankedBid>,
    pub chosen_bid_id: Uuid,
    /// Why a bid other than the top one was chosen.
    pub reason: Option<String>,
    /// When the award was made; absent for awards recorded before it was kept.
    #[serde(default)]
    pub awarded_at: Option<DateTime<Utc>>,
}

/// Ranks the scored bids and awards the highest total, or another bid with
/// a written reason: the method's floor of bids is met and every member of
/// the panel has signed a sheet for every bid.
pub async fn award(db: &Db, ctx: &Context, project_id: Uuid, if_match: Option<i64>, input: AwardInput) -> Result<ProjectView, DomainError> {
    authorize(db, ctx, Permission::ProcurementManage).await?;
    let txn = db.begin_write().await?;
    let project = project_for(&*txn, ctx, project_id, true).await?;
    expect_version(if_match, project.version)?;
    if parse_code::<ProjectStatus>(&project.status)? != ProjectStatus::BiddingClosed {
        return Err(DomainError::invalid_transition("project", &project.status, "be awarded"));
    }
    let bids = bid::Entity::find().filter(bid::Column::ProjectId.eq(project_id)).all(&*txn).await?;
    if bids.is_empty() {
        return Err(DomainError::rule("no_valid_bids", "no bids to award; declare the project failed"));
    }
    check_bid_count(parse_code(&project.method)?, bids.len())?;
    let seats = crate::panel::seats(&project)?;
    if seats.is_empty() {
        return Err(DomainError::rule("panel_not_formed", "form the panel whose members score the bids before the award"));
    }
    let mut facts = Vec::new();
    for b in &bids {
        let sheets = bid_score::Entity::find().filter(bid_score::Column::BidId.eq(b.id)).all(&*txn).await?;
        let sheets: Vec<bid_score::Model> =
            sheets.into_iter().filter(|s| seats.iter().any(|seat| seat.user_id.to_string() == s.recorded_by)).collect();
        let missing: Vec<&str> = seats
            .iter()
            .filter(|seat| !sheets.iter().any(|s| s.recorded_by == seat.user_id.to_string()))
            .map(|s| s.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(DomainError::RuleWithDetails {
                code: "bids_unscored",
                message: format!("bid {} lacks the sheets of {} of the panel's {} members", b.id, missing.len(), seats.len()),
                details: serde_json::json!({"bid_id": b.id, "members_missing": missing}),
            });
        }
        let n = sheets.len() as u32;
        let mean = |f: fn(&bid_score::Model) -> i16| sheets.iter().map(|s| u32::try_from(f(s)).unwrap_or(0) * 100).sum::<u32>() / n;
        facts.push(BidFacts {
            id: b.id,
            provider_id: b.provider_id,
            price_fen: b.price_fen,
            capability: mean(|s| s.capability),
            quality: mean(|s| s.quality),
            other: mean(|s| s.other),
        });
    }
    let criteria = project_view(project.clone())?.evaluation_criteria;
    let ranking = rank_bids(&criteria, &facts);
    let top = ranking[0].bid_id;
    let chosen = input.bid_id.unwrap_or(top);
    if !ranking.iter().any(|r| r.bid_id == chosen) {
        return Err(DomainError::field("bid_id", "bid_unknown", "no such bid on this project"));
    }
    if chosen != top && input.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(DomainError::field(
            "reason",
            "award_reason_required",
            "choosing a bid other than the highest total needs a written reason",
        ));
    }
    let award = Award { ranking, chosen_bid_id: chosen, reason: input.reason, awarded_at: Some(ctx.now) };
    let mut model: procurement_project::ActiveModel = project.clone().into();
    model.status = Set(code_of(ProjectStatus::Awarded));
    model.award = Set(Some(jiuzhu_core::stored_json::to_column(&award)?));
    model.version = Set(project.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    let data = serde_json::json!({"chosen_bid_id": chosen, "top_bid_id": top});
    record(&*txn, ctx, Change::published("procurement_project.awarded", "procurement_project", updated.id, &updated.region_code, data))
        .await?;
    txn.commit().await?;
    project_view(updated)
}
