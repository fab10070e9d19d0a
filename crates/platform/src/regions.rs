//! Regions: reading the administrative tree and changing it (adding,
//! renaming, and the retirement step of a division change).

use crate::entity::region;
use jiuzhu_core::{Clock, DomainError, RegionCode, RegionLevel};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

pub async fn find(conn: &impl ConnectionTrait, code: &RegionCode) -> Result<Option<region::Model>, DomainError> {
    Ok(region::Entity::find_by_id(code.as_str()).one(conn).await?)
}

/// A region lies in its own subtree: the key-township list narrows the tree
/// with the one scope mechanism, on the region's own code.
impl crate::scope::RegionScoped for region::Entity {
    fn region_column() -> region::Column {
        region::Column::Code
    }
}

/// The key townships (重点乡镇) in `root`'s subtree, by code: what the pilot
/// summary sets against the rest of the region.
pub async fn key_townships_under(conn: &impl ConnectionTrait, root: &RegionCode) -> Result<Vec<RegionView>, DomainError> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let rows = region::Entity::find()
        .filter(region::Column::KeyTownship.eq(true))
        .filter(crate::scope::under::<region::Entity>(root))
        .order_by_asc(region::Column::Code)
        .all(conn)
        .await?;
    rows.into_iter().map(RegionView::try_from).collect()
}

/// The active villages in `root`'s subtree, by code.
pub async fn active_villages_under(conn: &impl ConnectionTrait, root: &RegionCode) -> Result<Vec<String>, DomainError> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    Ok(region::Entity::find()
        .select_only()
        .column(region::Column::Code)
        .filter(crate::scope::under::<region::Entity>(root))
        .filter(region::Column::Level.eq(RegionLevel::Village.code()))
        .filter(region::Column::RetiredAt.is_null())
        .order_by_asc(region::Column::Code)
        .into_tuple()
        .all(conn)
        .await?)
}

/// Adds a region under an existing parent, unless it exists already.
pub async fn ensure(
    conn: &impl ConnectionTrait,
    clock: &dyn Clock,
    code: &RegionCode,
    name_zh: &str,
    is_demo: bool,
) -> Result<region::Model, DomainError> {
    if let Some(existing) = find(conn, code).await? {
        return Ok(existing);
    }
    let parent = code.parent();
    if let Some(parent) = &parent
        && find(conn, parent).await?.is_none()
    {
        return Err(DomainError::field("region_code", "region_parent_missing", format!("parent region {parent} does not exist")));
    }
    let model = region::ActiveModel {
        code: Set(code.to_string()),
        name_zh: Set(name_zh.to_string()),
        level: Set(code.level().code().to_string()),
        parent_code: Set(parent.map(|p| p.to_string())),
        is_demo: Set(is_demo),
        created_at: Set(clock.now()),
        key_township: Set(false),
        version: Set(1),
        retired_at: Set(None),
        successor_code: Set(None),
    };
    Ok(model.insert(conn).await?)
}

/// The region a record is about to be written in: it must exist and must
/// not have been retired by a division change (`region_retired`, naming
/// its successor).
pub async fn require_active(conn: &impl ConnectionTrait, code: &RegionCode, field: &str) -> Result<region::Model, DomainError> {
    let found =
        find(conn, code).await?.ok_or_else(|| DomainError::field(field, "region_unknown", format!("region {code} does not exist")))?;
    if let Some(successor) = &found.successor_code {
        return Err(DomainError::field(field, "region_retired", format!("region {code} was retired into {successor}")));
    }
    Ok(found)
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({"code": "640202001", "name_zh": "长胜街道", "level": "township", "parent_code": "640202", "is_demo": false, "key_township": true, "retired_at": null, "successor_code": null, "version": 2}))]
pub struct RegionView {
    pub code: String,
    pub name_zh: String,
    /// `province`, `city`, `county`, `township` or `village`.
    pub level: RegionLevel,
    pub parent_code: Option<String>,
    /// Invented for demonstration; not a real division.
    pub is_demo: bool,
    /// A key township of the pilot (重点乡镇); only townships can be.
    pub key_township: bool,
    /// When a division change retired the region; its records were moved
    /// to `successor_code`. A retired region stays readable for history.
    pub retired_at: Option<chrono::DateTime<chrono::Utc>>,
    pub successor_code: Option<String>,
    pub version: i64,
}

impl TryFrom<region::Model> for RegionView {
    type Error = DomainError;

    fn try_from(m: region::Model) -> Result<Self, DomainError> {
        Ok(Self {
            code: m.code,
            name_zh: m.name_zh,
            level: jiuzhu_core::codes::parse_code(&m.level)?,
            parent_code: m.parent_code,
            is_demo: m.is_demo,
            key_township: m.key_township,
            retired_at: m.retired_at,
            successor_code: m.successor_code,
            version: m.version,
        })
    }
}

#[derive(Debug, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"key_township": true}))]
pub struct PatchRegion {
    /// Mark or unmark a township as a key township of the pilot.
    pub key_township: Option<bool>,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name_zh: Option<String>,
}

/// Renames a region or marks a township as a key township (If-Match).
pub async fn patch(
    db: &crate::Db,
    ctx: &jiuzhu_core::Context,
    code: &str,
    if_match: Option<i64>,
    input: PatchRegion,
) -> Result<RegionView, DomainError> {
    crate::record::authorize(db, ctx, jiuzhu_core::Permission::RegionWrite).await?;
    let code = RegionCode::parse(code).map_err(|_| DomainError::NotFound)?;
    if !ctx.actor.covers(&code) {
        return Err(DomainError::NotFound);
    }
    let txn = db.begin_write().await?;
    let current = find(&*txn, &code).await?.ok_or(DomainError::NotFound)?;
    crate::concurrency::expect_version(if_match, current.version)?;
    if current.retired_at.is_some() {
        return Err(DomainError::Rule { code: "region_retired", message: format!("region {code} is retired; it stays as it was") });
    }
    if input.key_township == Some(true) && code.level() != RegionLevel::Township {
        return Err(DomainError::field("key_township", "not_a_township", "only a township (9 digits) can be a key township"));
    }
    let mut model: region::ActiveModel = current.clone().into();
    if let Some(key) = input.key_township {
        model.key_township = Set(key);
    }
    if let Some(name) = input.name_zh {
        model.name_zh = Set(name);
    }
    model.version = Set(current.version + 1);
    let updated = model.update(&*txn).await?;
    let data = serde_json::json!({"name_zh": updated.name_zh, "key_township": updated.key_township});
    let change = crate::record::Change::published("region.updated", "region", &updated.code, &updated.code, data);
    crate::record::record(&*txn, ctx, change).await?;
    txn.commit().await?;
    updated.try_into()
}

#[derive(Debug, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "640206", "name_zh": "星海区"}))]
pub struct CreateRegion {
    /// 6 digits for a county (under a city the deployment holds), 9 for a
    /// township, 12 for a village; the parent must exist and be active.
    pub code: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name_zh: String,
}

/// Regions are reference data: any authenticated caller may read the tree.
/// The children of `parent` (or the top-level regions), by code, a page at a time.
pub async fn children(
    db: &crate::Db,
    ctx: &jiuzhu_core::Context,
    parent: Option<&str>,
    include_retired: bool,
    page: jiuzhu_core::PageRequest,
) -> Result<jiuzhu_core::Page<RegionView>, DomainError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    crate::record::authorize(db, ctx, jiuzhu_core::Permission::RegionRead).await?;
    let mut query = region::Entity::find();
    if !include_retired {
        query = query.filter(region::Column::RetiredAt.is_null());
    }
    query = match parent {
        Some(code) => query.filter(region::Column::ParentCode.eq(RegionCode::parse_field(code, "parent")?.to_string())),
        None => query.filter(region::Column::ParentCode.is_null()),
    };
    let rows = crate::paging::keyset::<_, String>(query, region::Column::Code, &page)?.all(db.conn()).await?;
    page.into_page(rows, |r| r.code.clone()).try_map(RegionView::try_from)
}

pub async fn get(db: &crate::Db, ctx: &jiuzhu_core::Context, code: &str) -> Result<RegionView, DomainError> {
    crate::record::authorize(db, ctx, jiuzhu_core::Permission::RegionRead).await?;
    let code = RegionCode::parse(code).map_err(|_| DomainError::NotFound)?;
    find(db.conn(), &code).await?.map(RegionView::try_from).transpose()?.ok_or(DomainError::NotFound)
}

/// Adds a county, township or village under an existing parent (409 when it exists).
pub async fn create(db: &crate::Db, ctx: &jiuzhu_core::Context, input: CreateRegion) -> Result<RegionView, DomainError> {
    crate::record::authorize(db, ctx, jiuzhu_core::Permission::RegionWrite).await?;
    let code = RegionCode::parse_field(&input.code, "code")?;
    if code.level() < RegionLevel::County {
        return Err(DomainError::field("code", "region_level", "only counties (6 digits), townships (9) and villages (12) can be added"));
    }
    if !ctx.actor.covers(&code) {
        return Err(DomainError::field("code", "region_outside_scope", format!("{code} is outside your region")));
    }
    let txn = db.begin_write().await?;
    if find(&*txn, &code).await?.is_some() {
        return Err(DomainError::Conflict {
            code: "region_exists",
            message: format!("region {code} exists"),
            existing_id: Some(code.to_string()),
        });
    }
    if let Some(parent) = code.parent() {
        require_active(&*txn, &parent, "code").await.map_err(|_| parent_missing(&parent))?;
    }
    let clock = jiuzhu_core::FixedClock::at(ctx.now);
    let model = ensure(&*txn, &clock, &code, &input.name_zh, false).await?;
    let data = serde_json::json!({"name_zh": model.name_zh, "level": model.level});
    let change = crate::record::Change::published("region.created", "region", &model.code, &model.code, data);
    crate::record::record(&*txn, ctx, change).await?;
    txn.commit().await?;
    model.try_into()
}

fn parent_missing(parent: &RegionCode) -> DomainError {
    DomainError::field("code", "region_parent_missing", format!("parent region {parent} does not exist or is retired"))
}

/// What the retirement step of a division change did: the region as it is
/// now, and its successor.
pub struct Retired {
    pub region: region::Model,
    pub successor: region::Model,
}

/// The platform's step of retiring `code` into `successor` (If-Match, in
/// the caller's transaction): both in the actor's scope, at one level, the
/// successor active, and nothing active left under the retired region
/// (retire its children first). Marks it retired; the caller moves the
/// records and records the change.
pub async fn retire(
    conn: &impl ConnectionTrait,
    ctx: &jiuzhu_core::Context,
    code: &str,
    if_match: Option<i64>,
    successor: &str,
) -> Result<Retired, DomainError> {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    let code = RegionCode::parse(code).map_err(|_| DomainError::NotFound)?;
    if !ctx.actor.covers(&code) {
        return Err(DomainError::NotFound);
    }
    let current = find(conn, &code).await?.ok_or(DomainError::NotFound)?;
    crate::concurrency::expect_version(if_match, current.version)?;
    if current.parent_code.is_none() {
        return Err(DomainError::Rule { code: "region_is_root", message: format!("{code} is the deployment's root region") });
    }
    if current.retired_at.is_some() {
        return Err(DomainError::Rule { code: "region_retired", message: format!("region {code} is retired already") });
    }
    let successor_code = RegionCode::parse_field(successor, "successor_code")?;
    if successor_code == code || successor_code.level() != code.level() {
        return Err(DomainError::field(
            "successor_code",
            "successor_level",
            format!("the successor must be another {} region", code.level().code()),
        ));
    }
    if !ctx.actor.covers(&successor_code) {
        return Err(DomainError::field("successor_code", "region_outside_scope", format!("{successor_code} is outside your region")));
    }
    let successor = require_active(conn, &successor_code, "successor_code").await?;
    let active_children = region::Entity::find()
        .filter(region::Column::ParentCode.eq(code.as_str()))
        .filter(region::Column::RetiredAt.is_null())
        .count(conn)
        .await?;
    if active_children > 0 {
        return Err(DomainError::Rule {
            code: "region_has_active_children",
            message: format!("{code} still has {active_children} active regions under it; retire or move them first"),
        });
    }
    let mut model: region::ActiveModel = current.clone().into();
    model.retired_at = Set(Some(ctx.now));
    model.successor_code = Set(Some(successor_code.to_string()));
    model.key_township = Set(false);
    model.version = Set(current.version + 1);
    let region = model.update(conn).await?;
    Ok(Retired { region, successor })
}
