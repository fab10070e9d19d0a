//! Fund accounts (资金保障): one per funding region (the city or a county)
//! per year, with the previous year's assistance subsidy total, the 3% cap
//! derived from it, the money's sources, and what projects have committed.

use crate::entity::{fund_account, procurement_project};
use crate::rules::{FundSource, Funding, MAX_CAP_BP, purchase_cap};
use chrono::{DateTime, Utc};
use jiuzhu_core::codes::code_of;
use jiuzhu_core::{Context, DomainError, Page, PageRequest, Permission, RegionCode, RegionLevel, Role, id::new_id};
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

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"region_code": "640202", "year": 2025, "prior_year_assistance_total_fen": 10000000, "sources": [{"source": "fiscal_assistance", "amount_fen": 300000}, {"source": "donation", "amount_fen": 50000}]}))]
pub struct CreateFundAccount {
    /// The funding region: the city or a county.
    pub region_code: String,
    #[validate(range(min = 2000, max = 2100))]
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    /// Last year's total social-assistance subsidy funds, in fen.
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub prior_year_assistance_total_fen: i64,
    /// Basis points of that total that may buy services: 300 (3%) at most; only a city_admin sets it.
    #[schema(maximum = 300)]
    pub cap_bp: Option<u32>,
    #[serde(default)]
    pub sources: Vec<Funding>,
}

#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"prior_year_assistance_total_fen": 12000000, "reason": "财政局核定2024年度救助资金决算数"}))]
pub struct PatchFundAccount {
    /// Changed only by the finance side (`fund_base:write`), with `reason`;
    /// the cap it gives may not fall below what is already committed.
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub prior_year_assistance_total_fen: Option<i64>,
    /// Why the base changes (a final account, a correction): required with
    /// `prior_year_assistance_total_fen`, kept in the audit log and the event.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
    #[schema(maximum = 300)]
    pub cap_bp: Option<u32>,
    pub sources: Option<Vec<Funding>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a90", "region_code": "640202", "year": 2025, "prior_year_assistance_total_fen": 10000000, "cap_bp": 300, "purchase_cap_fen": 300000, "sources": [{"source": "fiscal_assistance", "amount_fen": 300000}], "committed_fen": 120000, "remaining_fen": 180000, "version": 1, "created_at": "2025-01-10T08:00:00Z", "updated_at": "2025-01-10T08:00:00Z"}))]
pub struct FundAccountView {
    pub id: Uuid,
    pub region_code: String,
    pub year: i32,
    pub prior_year_assistance_total_fen: i64,
    pub cap_bp: u32,
    /// `prior_year_assistance_total_fen × cap_bp / 10000`, rounded down.
    pub purchase_cap_fen: i64,
    pub sources: Vec<Funding>,
    /// Fiscal-assistance money of the account's live projects.
    pub committed_fen: i64,
    /// What fiscal money may still be committed.
    pub remaining_fen: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Project states whose money is no longer committed.
pub const ENDED_PROJECT_STATUSES: [&str; 2] = ["terminated", "failed"];

/// Fiscal money committed by live projects, summed in the database.
pub async fn committed(conn: &impl ConnectionTrait, account: Uuid) -> Result<i64, DomainError> {
    let live = procurement_project::Entity::find()
        .filter(procurement_project::Column::FundAccountId.eq(account))
        .filter(procurement_project::Column::Status.is_not_in(ENDED_PROJECT_STATUSES));
    jiuzhu_platform::totals::sum_of(conn, live, procurement_project::Column::FiscalFen).await
}

pub fn cap_of(m: &fund_account::Model) -> Result<i64, DomainError> {
    purchase_cap(m.prior_year_assistance_total_fen, u32::try_from(m.cap_bp).unwrap_or(MAX_CAP_BP))
        .ok_or_else(|| DomainError::Internal("cap overflow".into()))
}

/// The account's money by source, as stored.
pub fn sources_of(m: &fund_account::Model) -> Result<Vec<Funding>, DomainError> {
    jiuzhu_core::stored_json::from_column("fund_accounts.sources", &m.sources)
}

async fn view(conn: &impl ConnectionTrait, m: fund_account::Model) -> Result<FundAccountView, DomainError> {
    let cap = cap_of(&m)?;
    let sources = sources_of(&m)?;
    let committed = committed(conn, m.id).await?;
    Ok(FundAccountView {
        id: m.id,
        region_code: m.region_code,
        year: m.year,
        prior_year_assistance_total_fen: m.prior_year_assistance_total_fen,
        cap_bp: u32::try_from(m.cap_bp).unwrap_or(MAX_CAP_BP),
        purchase_cap_fen: cap,
        sources,
        committed_fen: committed,
        remaining_fen: (cap - committed).max(0),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn check_cap_bp(ctx: &Context, cap_bp: Option<u32>) -> Result<u32, DomainError> {
    match cap_bp {
        None => Ok(MAX_CAP_BP),
        Some(_) if ctx.actor.role != Role::CityAdmin => {
            Err(DomainError::rule("cap_bp_city_admin_only", "only a city_admin sets an account's cap"))
        }
        Some(bp) if bp > MAX_CAP_BP => {
            Err(DomainError::field("cap_bp", "cap_above_three_percent", "the cap is at most 300 basis points (3%)"))
        }
        Some(bp) => Ok(bp),
    }
}

fn check_sources(sources: &[Funding]) -> Result<(), DomainError> {
    match sources.iter().position(|s| s.amount_fen < 1) {
        Some(i) => Err(DomainError::field(format!("sources[{i}].amount_fen"), "range", "amounts are positive")),
        None => Ok(()),
    }
}

/// Opens a fund account. Its base, last year's assistance total, is the
/// finance side's figure: opening needs `fund_base:write`.
pub async fn create(db: &Db, ctx: &Context, input: CreateFundAccount) -> Result<FundAccountView, DomainError> {
    authorize(db, ctx, Permission::FundBaseWrite).await?;
    let region = RegionCode::parse_field(&input.region_code, "region_code")?;
    if !matches!(region.level(), RegionLevel::City | RegionLevel::County) {
        return Err(DomainError::field("region_code", "funding_region", "funds are held by the city or a county"));
    }
    if !ctx.actor.covers(&region) {
        return Err(DomainError::field("region_code", "region_outside_scope", format!("{region} is outside your region")));
    }
    let cap_bp = check_cap_bp(ctx, input.cap_bp)?;
    check_sources(&input.sources)?;
    let txn = db.begin_write().await?;
    let existing = fund_account::Entity::find()
        .filter(fund_account::Column::RegionCode.eq(region.as_str()))
        .filter(fund_account::Column::Year.eq(input.year))
        .one(&*txn)
        .await?;
    if let Some(existing) = existing {
        return Err(DomainError::Conflict {
            code: "fund_account_exists",
            message: format!("{region} already has an account for {}", input.year),
            existing_id: Some(existing.id.to_string()),
        });
    }
    let model = fund_account::ActiveModel {
        id: Set(new_id()),
        region_code: Set(region.to_string()),
        year: Set(input.year),
        prior_year_assistance_total_fen: Set(input.prior_year_assistance_total_fen),
        cap_bp: Set(cap_bp as i32),
        sources: Set(jiuzhu_core::stored_json::to_column(&input.sources)?),
        version: Set(1),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&*txn)
    .await?;
    let data = serde_json::json!({"year": model.year, "cap_bp": model.cap_bp});
    record(&*txn, ctx, Change::published("fund_account.created", "fund_account", model.id, &model.region_code, data)).await?;
    let result = view(&*txn, model).await?;
    txn.commit().await?;
    Ok(result)
}

pub async fn list(db: &Db, ctx: &Context, year: Option<i32>, page: PageRequest) -> Result<Page<FundAccountView>, DomainError> {
    authorize(db, ctx, Permission::ProcurementRead).await?;
    let mut query = fund_account::Entity::find().in_scope(&ctx.actor);
    if let Some(year) = year {
        query = query.filter(fund_account::Column::Year.eq(year));
    }
    let rows = keyset::<_, Uuid>(query, fund_account::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    let mut items = Vec::new();
    for row in page.items {
        items.push(view(db.conn(), row).await?);
    }
    Ok(Page { items, next_cursor: page.next_cursor })
}

pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<FundAccountView, DomainError> {
    authorize(db, ctx, Permission::ProcurementRead).await?;
    let row = fund_account::Entity::find_by_id(id).in_scope(&ctx.actor).one(db.conn()).await?;
    view(db.conn(), row.ok_or(DomainError::NotFound)?).await
}

pub async fn patch(
    db: &Db,
    ctx: &Context,
    id: Uuid,
    if_match: Option<i64>,
    input: PatchFundAccount,
) -> Result<FundAccountView, DomainError> {
    let base_change = match input.prior_year_assistance_total_fen {
        Some(total) => {
            authorize(db, ctx, Permission::FundBaseWrite).await?;
            Some((total, crate::rules::base_change_reason(input.reason.as_deref())?.to_string()))
        }
        None => None,
    };
    // The rate and the sources are the buyer's; a patch of nothing needs it too.
    if base_change.is_none() || input.cap_bp.is_some() || input.sources.is_some() {
        authorize(db, ctx, Permission::ProcurementManage).await?;
    }
    let cap_bp = input.cap_bp.map(|bp| check_cap_bp(ctx, Some(bp))).transpose()?;
    if let Some(sources) = &input.sources {
        check_sources(sources)?;
    }
    let txn = db.begin_write().await?;
    let current =
        fund_account::Entity::find_by_id(id).in_scope(&ctx.actor).lock_exclusive().one(&*txn).await?.ok_or(DomainError::NotFound)?;
    expect_version(if_match, current.version)?;
    let mut model: fund_account::ActiveModel = current.clone().into();
    if let Some((total, _)) = &base_change {
        model.prior_year_assistance_total_fen = Set(*total);
    }
    if let Some(bp) = cap_bp {
        model.cap_bp = Set(bp as i32);
    }
    if let Some(sources) = &input.sources {
        model.sources = Set(jiuzhu_core::stored_json::to_column(sources)?);
    }
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    let updated = model.update(&*txn).await?;
    let cap = cap_of(&updated)?;
    let committed = committed(&*txn, id).await?;
    crate::rules::check_cap_covers_committed(cap, committed)?;
    let mut data =
        serde_json::json!({"cap_bp": updated.cap_bp, "version": updated.version, "fiscal": code_of(FundSource::FiscalAssistance)});
    let mut detail = serde_json::json!({});
    if let Some((total, reason)) = base_change {
        let base = serde_json::json!({"from_fen": current.prior_year_assistance_total_fen, "to_fen": total, "reason": reason});
        (data["base"], detail["base"]) = (base.clone(), base);
    }
    let change = Change::published("fund_account.updated", "fund_account", updated.id, &updated.region_code, data).with_detail(detail);
    record(&*txn, ctx, change).await?;
    let result = view(&*txn, updated).await?;
    txn.commit().await?;
    Ok(result)
}
