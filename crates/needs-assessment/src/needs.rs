//! The service needs list (服务需求清单): needs by region, service, category,
//! priority, status and degree, and the summary the city publishes and
//! plans purchases from, counted in the database with GROUP BY.

use crate::entity::need;
use chrono::{DateTime, Utc};
use jiuzhu_core::catalogue::ServiceCategory;
use jiuzhu_core::codes::{code_of, parse_code};
use jiuzhu_core::{Context, DomainError, Page, PageRequest, Permission, RegionCode, RegionLevel};
use jiuzhu_platform::Db;
use jiuzhu_platform::paging::keyset;
use jiuzhu_platform::record::authorize;
use jiuzhu_platform::scope::{InScope, under};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::rules::{Degree, Priority};

jiuzhu_core::coded_enum! {
    pub enum NeedStatus as "need_status" {
        Open = "open", "待匹配", "Open";
        Matched = "matched", "已匹配", "Matched";
        InService = "in_service", "服务中", "In service";
        Met = "met", "已满足", "Met";
        Withdrawn = "withdrawn", "已撤销", "Withdrawn";
    }
}

impl NeedStatus {
    /// Whether a need in this status may move to `next`: an order matches an
    /// open need, starts and completes it, or gives it back (declined or
    /// cancelled) while it is matched or in service; a new assessment
    /// withdraws the open needs of the one it supersedes.
    pub fn may_become(self, next: NeedStatus) -> bool {
        use NeedStatus::*;
        matches!((self, next), (Open, Matched) | (Matched, InService) | (InService, Met) | (Matched | InService, Open) | (Open, Withdrawn))
    }
}

/// Moves a need to `next`, for the reason given (the order or assessment
/// that moved it), with its audit row and `need.status_changed` event, in
/// the caller's transaction: the one way a need's status changes. Returns
/// `false`, changing nothing, when the need has moved on to a status that
/// does not lead to `next` (an order cancelled after its need was
/// withdrawn leaves the need withdrawn).
pub async fn move_status(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    need_id: Uuid,
    next: NeedStatus,
    because: serde_json::Value,
) -> Result<bool, DomainError> {
    use sea_orm::{ActiveModelTrait, QuerySelect, Set};
    let Some(found) = need::Entity::find_by_id(need_id).lock_exclusive().one(conn).await? else {
        return Err(DomainError::NotFound);
    };
    let current: NeedStatus = jiuzhu_core::codes::parse_code(&found.status)?;
    if !current.may_become(next) {
        return Ok(false);
    }
    let (region, version) = (found.region_code.clone(), found.version);
    let mut model: need::ActiveModel = found.into();
    model.status = Set(code_of(next));
    model.version = Set(version + 1);
    model.updated_at = Set(ctx.now);
    model.update(conn).await?;
    let data = serde_json::json!({"from": code_of(current), "to": code_of(next), "because": because});
    jiuzhu_platform::record::record(
        conn,
        ctx,
        jiuzhu_platform::record::Change::published("need.status_changed", "need", need_id, &region, data),
    )
    .await?;
    Ok(true)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a70", "assessment_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a60", "beneficiary_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "region_code": "640202001001", "service_code": "meals", "category": "daily_living", "priority": "high", "degree": "serious", "because": {"rule_id": "R03", "indicator": "family_structure", "level": 2}, "status": "open", "version": 1, "created_at": "2025-03-05T08:00:00Z", "updated_at": "2025-03-05T08:00:00Z"}))]
pub struct NeedView {
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub beneficiary_id: Uuid,
    pub region_code: String,
    pub service_code: String,
    /// The guidance catalogue's category of the service; `null` for a
    /// local service outside the catalogue.
    pub category: Option<ServiceCategory>,
    pub priority: Priority,
    pub degree: Degree,
    pub because: NeedReason,
    pub status: NeedStatus,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NeedReason {
    pub rule_id: String,
    pub indicator: String,
    pub level: i16,
}

impl TryFrom<need::Model> for NeedView {
    type Error = DomainError;

    fn try_from(m: need::Model) -> Result<Self, DomainError> {
        Ok(Self {
            id: m.id,
            assessment_id: m.assessment_id,
            beneficiary_id: m.beneficiary_id,
            region_code: m.region_code,
            service_code: m.service_code,
            category: (!m.category.is_empty()).then(|| parse_code(&m.category)).transpose()?,
            priority: parse_code(&m.priority)?,
            degree: parse_code(&m.degree)?,
            because: NeedReason { rule_id: m.rule_id, indicator: m.indicator, level: m.level },
            status: parse_code(&m.status)?,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

#[derive(Debug, Default, Clone)]
pub struct NeedFilter {
    /// One person's needs.
    pub beneficiary_id: Option<Uuid>,
    pub region_code: Option<String>,
    pub service_code: Option<String>,
    pub category: Option<ServiceCategory>,
    pub priority: Option<Priority>,
    pub status: Option<NeedStatus>,
    pub degree: Option<Degree>,
}

/// What another area needs to know of one need: whose it is, for what,
/// where, from which assessment, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedRef {
    pub id: Uuid,
    pub beneficiary_id: Uuid,
    pub assessment_id: Uuid,
    pub service_code: String,
    pub region_code: String,
    pub priority: Priority,
    pub status: NeedStatus,
}

impl TryFrom<need::Model> for NeedRef {
    type Error = DomainError;

    fn try_from(n: need::Model) -> Result<Self, DomainError> {
        Ok(Self {
            id: n.id,
            beneficiary_id: n.beneficiary_id,
            assessment_id: n.assessment_id,
            service_code: n.service_code,
            region_code: n.region_code,
            priority: parse_code(&n.priority)?,
            status: parse_code(&n.status)?,
        })
    }
}

/// A need in the caller's region.
pub async fn find_in_scope(conn: &impl ConnectionTrait, ctx: &Context, id: Uuid) -> Result<Option<NeedRef>, DomainError> {
    need::Entity::find_by_id(id).in_scope(&ctx.actor).one(conn).await?.map(NeedRef::try_from).transpose()
}

/// A person's need, by id, wherever it is recorded.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<NeedRef>, DomainError> {
    need::Entity::find_by_id(id).one(conn).await?.map(NeedRef::try_from).transpose()
}

/// A person's need locked for the rest of the caller's transaction, to
/// order against it: present only when it is that person's.
pub async fn lock_of_person(conn: &impl ConnectionTrait, id: Uuid, beneficiary_id: Uuid) -> Result<Option<NeedRef>, DomainError> {
    let found = need::Entity::find_by_id(id).filter(need::Column::BeneficiaryId.eq(beneficiary_id));
    sea_orm::QuerySelect::lock_exclusive(found).one(conn).await?.map(NeedRef::try_from).transpose()
}

/// The open needs in `region`'s subtree, by id, at most `limit`.
pub async fn open_in(conn: &impl ConnectionTrait, region: &RegionCode, limit: u64) -> Result<Vec<NeedRef>, DomainError> {
    let rows = need::Entity::find()
        .filter(under::<need::Entity>(region))
        .filter(need::Column::Status.eq(code_of(NeedStatus::Open)))
        .order_by_asc(need::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    rows.into_iter().map(NeedRef::try_from).collect()
}

/// One need of the caller's region.
pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<NeedView, DomainError> {
    authorize(db, ctx, Permission::AssessmentRead).await?;
    let row = need::Entity::find_by_id(id).in_scope(&ctx.actor).one(db.conn()).await?;
    NeedView::try_from(row.ok_or(DomainError::NotFound)?)
}

pub async fn list(db: &Db, ctx: &Context, filter: NeedFilter, page: PageRequest) -> Result<Page<NeedView>, DomainError> {
    authorize(db, ctx, Permission::AssessmentRead).await?;
    let query = filtered(ctx, filter)?;
    let rows = keyset::<_, Uuid>(query, need::Column::Id, &page)?.all(db.conn()).await?;
    page.into_page(rows, |r| r.id.to_string()).try_map(NeedView::try_from)
}

/// The caller's needs narrowed by a filter; the list and the export share it.
pub fn filtered(ctx: &Context, filter: NeedFilter) -> Result<Select<need::Entity>, DomainError> {
    let mut query = need::Entity::find().in_scope(&ctx.actor);
    if let Some(person) = filter.beneficiary_id {
        query = query.filter(need::Column::BeneficiaryId.eq(person));
    }
    if let Some(code) = &filter.region_code {
        let region = RegionCode::parse_field(code, "region_code")?;
        query = query.filter(under::<need::Entity>(&region));
    }
    if let Some(service) = filter.service_code {
        query = query.filter(need::Column::ServiceCode.eq(service));
    }
    if let Some(category) = filter.category {
        query = query.filter(need::Column::Category.eq(category.code()));
    }
    if let Some(priority) = filter.priority {
        query = query.filter(need::Column::Priority.eq(code_of(priority)));
    }
    if let Some(status) = filter.status {
        query = query.filter(need::Column::Status.eq(code_of(status)));
    }
    if let Some(degree) = filter.degree {
        query = query.filter(need::Column::Degree.eq(code_of(degree)));
    }
    Ok(query)
}

jiuzhu_core::coded_enum! {
    pub enum GroupBy as "group_by" {
        Service = "service", "按服务项目", "Service";
        Category = "category", "按服务类别", "Category";
        Region = "region", "按下一级行政区", "Region";
        Degree = "degree", "按困难程度", "Degree";
        /// 按服务对象群体（一人可属多个群体）
        Group = "group", "按服务对象群体", "Group";
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SummaryRow {
    /// The service code, category, region code, degree or group.
    pub key: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"region_code": "640202", "group_by": "service", "total_open": 3, "rows": [{"key": "meals", "count": 2}, {"key": "bathing", "count": 1}]}))]
pub struct Summary {
    pub region_code: String,
    pub group_by: GroupBy,
    /// Open needs in the region.
    pub total_open: i64,
    pub rows: Vec<SummaryRow>,
}

const GROUPS: [&str; 8] = ["elderly", "minor", "disabled", "seriously_ill", "worker_in_hardship", "woman", "living_alone", "left_behind"];

/// Counts open needs in a region with GROUP BY; never loads the rows.
pub async fn summary(db: &Db, ctx: &Context, region_code: Option<&str>, group_by: GroupBy) -> Result<Summary, DomainError> {
    authorize(db, ctx, Permission::AssessmentRead).await?;
    let region = ctx.actor.region_within(region_code)?;
    let backend = db.reports().get_database_backend();
    let scope = under::<need::Entity>(&region);
    let open = need::Column::Status.eq(NeedStatus::Open.code());
    let mut query = Query::select();
    query.from(need::Entity).and_where(scope).and_where(open);
    match group_by {
        GroupBy::Group => {
            for group in GROUPS {
                let hit = Expr::cust(format!("SUM(CASE WHEN group_codes LIKE '%,{group},%' THEN 1 ELSE 0 END)"));
                query.expr_as(hit, Alias::new(group));
            }
        }
        other => {
            let key = match other {
                GroupBy::Service => Expr::col(need::Column::ServiceCode),
                GroupBy::Category => Expr::col(need::Column::Category),
                GroupBy::Degree => Expr::col(need::Column::Degree),
                _ => {
                    let digits = match region.level() {
                        RegionLevel::Province => 4,
                        RegionLevel::City => 6,
                        RegionLevel::County => 9,
                        RegionLevel::Township | RegionLevel::Village => 12,
                    };
                    Expr::cust(format!("SUBSTR(region_code, 1, {digits})"))
                }
            };
            query
                .expr_as(key.clone(), Alias::new("key"))
                .expr_as(Expr::col(need::Column::Id).count(), Alias::new("count"))
                .add_group_by([key.clone()])
                .order_by_expr(key, Order::Asc);
        }
    }
    let rows = db.reports().query_all_raw(backend.build(&query)).await?;
    let mut summary_rows = Vec::new();
    if group_by == GroupBy::Group {
        if let Some(row) = rows.first() {
            for group in GROUPS {
                let count: Option<i64> = row.try_get("", group).ok().flatten();
                summary_rows.push(SummaryRow { key: group.to_string(), count: count.unwrap_or(0) });
            }
        }
    } else {
        for row in rows {
            summary_rows.push(SummaryRow { key: row.try_get("", "key")?, count: row.try_get("", "count")? });
        }
    }
    let total_open = need::Entity::find()
        .filter(under::<need::Entity>(&region))
        .filter(need::Column::Status.eq(NeedStatus::Open.code()))
        .count(db.reports())
        .await? as i64;
    Ok(Summary { region_code: region.to_string(), group_by, total_open, rows: summary_rows })
}

/// Open needs for some services in a region: the count per service and the
/// number of distinct people, counted in the database. Procurement sizes
/// projects from it.
pub async fn open_demand(
    conn: &impl ConnectionTrait,
    region: &RegionCode,
    services: &[String],
) -> Result<(Vec<SummaryRow>, i64), DomainError> {
    let backend = conn.get_database_backend();
    let mut query = Query::select();
    query
        .from(need::Entity)
        .and_where(under::<need::Entity>(region))
        .and_where(need::Column::Status.eq(NeedStatus::Open.code()))
        .and_where(need::Column::ServiceCode.is_in(services.to_vec()))
        .expr_as(Expr::col(need::Column::ServiceCode), Alias::new("key"))
        .expr_as(Expr::col(need::Column::Id).count(), Alias::new("count"))
        .group_by_col(need::Column::ServiceCode)
        .order_by(need::Column::ServiceCode, Order::Asc);
    let mut rows = Vec::new();
    for row in conn.query_all_raw(backend.build(&query)).await? {
        rows.push(SummaryRow { key: row.try_get("", "key")?, count: row.try_get("", "count")? });
    }
    let mut people = Query::select();
    people
        .from(need::Entity)
        .and_where(under::<need::Entity>(region))
        .and_where(need::Column::Status.eq(NeedStatus::Open.code()))
        .and_where(need::Column::ServiceCode.is_in(services.to_vec()))
        .expr_as(Expr::cust("COUNT(DISTINCT beneficiary_id)"), Alias::new("people"));
    let distinct = match conn.query_one_raw(backend.build(&people)).await? {
        Some(row) => row.try_get::<i64>("", "people")?,
        None => 0,
    };
    Ok((rows, distinct))
}

#[cfg(test)]
mod tests {
    use super::NeedStatus::{self, *};

    #[test]
    fn a_need_moves_only_along_its_life() {
        let all = [Open, Matched, InService, Met, Withdrawn];
        let allowed: Vec<(NeedStatus, NeedStatus)> =
            all.iter().flat_map(|&from| all.iter().map(move |&to| (from, to))).filter(|(from, to)| from.may_become(*to)).collect();
        assert_eq!(
            allowed,
            [(Open, Matched), (Open, Withdrawn), (Matched, Open), (Matched, InService), (InService, Open), (InService, Met)]
        );
        assert!(!Met.may_become(Open), "a met need stays met");
        assert!(!Withdrawn.may_become(Open), "a withdrawn need is not revived by a cancelled order");
    }
}
