//! A division change (行政区划调整) that retires a region into its
//! successor, in one transaction: the region is marked retired (platform),
//! every area moves its records of that region to the successor (people,
//! households, applications, needs, orders, contracts, accounts …), and one
//! audited, published change says what moved. Audit rows and events keep
//! the region they were written in: history is not rewritten.

use jiuzhu_core::{Context, DomainError, Permission, RegionCode};
use jiuzhu_platform::Db;
use jiuzhu_platform::record::{self, Change};
use jiuzhu_platform::regions::{self, RegionView};
use std::collections::BTreeMap;

#[derive(Debug, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"successor_code": "640202001002", "reason": "宁政函〔2026〕12号：撤销骏马社区，并入金驼社区"}))]
pub struct RetireRegion {
    /// The active region of the same level that takes over the records.
    pub successor_code: String,
    /// The decision behind the change, e.g. the approving document.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({"region": {"code": "640202001001", "name_zh": "骏马社区居委会", "level": "village", "parent_code": "640202001", "is_demo": false, "key_township": false, "retired_at": "2026-12-04T08:00:00Z", "successor_code": "640202001002", "version": 2}, "moved": {"applications": 3, "beneficiaries": 41, "households": 30, "needs": 12, "users": 1}}))]
pub struct RetiredRegion {
    /// The retired region, readable from now on for history.
    pub region: RegionView,
    /// Rows moved to the successor, by table (tables with none are left out).
    pub moved: BTreeMap<String, u64>,
}

/// Every area's records of `from` move to `to`, in the caller's transaction.
async fn move_everything(
    conn: &impl sea_orm::ConnectionTrait,
    from: &RegionCode,
    to: &RegionCode,
) -> Result<BTreeMap<String, u64>, DomainError> {
    let mut moved = Vec::new();
    moved.extend(jiuzhu_platform::move_region_records(conn, from, to).await?);
    moved.extend(jiuzhu_intake::move_region_records(conn, from, to).await?);
    moved.extend(jiuzhu_needs_assessment::move_region_records(conn, from, to).await?);
    moved.extend(jiuzhu_supply::move_region_records(conn, from, to).await?);
    moved.extend(jiuzhu_matching::move_region_records(conn, from, to).await?);
    moved.extend(jiuzhu_procurement::move_region_records(conn, from, to).await?);
    moved.extend(jiuzhu_evaluation::move_region_records(conn, from, to).await?);
    Ok(moved.into_iter().filter(|(_, rows)| *rows > 0).map(|(table, rows)| (table.to_string(), rows)).collect())
}

/// Retires region `code` into `input.successor_code` (If-Match on the
/// retired region's version).
pub async fn retire_region(
    db: &Db,
    ctx: &Context,
    code: &str,
    if_match: Option<i64>,
    input: RetireRegion,
) -> Result<RetiredRegion, DomainError> {
    record::authorize(db, ctx, Permission::RegionWrite).await?;
    let txn = db.begin_write().await?;
    let retired = regions::retire(&*txn, ctx, code, if_match, &input.successor_code).await?;
    let from = RegionCode::parse(&retired.region.code).map_err(DomainError::Internal)?;
    let to = RegionCode::parse(&retired.successor.code).map_err(DomainError::Internal)?;
    let moved = move_everything(&*txn, &from, &to).await?;
    let data = serde_json::json!({
        "name_zh": retired.region.name_zh,
        "successor_code": to.as_str(),
        "successor_name_zh": retired.successor.name_zh,
        "reason": input.reason,
        "moved": moved,
    });
    // Published at the successor, whose readers now hold the records.
    record::record(&*txn, ctx, Change::published("region.retired", "region", from.as_str(), to.as_str(), data)).await?;
    txn.commit().await?;
    Ok(RetiredRegion { region: retired.region.try_into()?, moved })
}
