//! Follow-up visits (回访): scheduled when an order completes, listed for the
//! village station by due day, and recorded once made. Recording is the
//! station's work, like a visit, so it needs `beneficiary:write`; providers,
//! whose service the visit checks, cannot record it.

use crate::entity::{follow_up, service_order};
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_core::{Context, DomainError, Page, PageRequest, Permission, id::new_id};
use jiuzhu_platform::Db;
use jiuzhu_platform::concurrency::expect_version;
use jiuzhu_platform::paging::keyset;
use jiuzhu_platform::record::{ANNOUNCE_BATCH, Change, authorize, record, record_once};
use jiuzhu_platform::scope::InScope;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

jiuzhu_core::coded_enum! {
    /// A follow-up visit is open until it is recorded.
    pub enum FollowUpStatus as "follow_up_status" {
        Open = "open", "待回访", "Open";
        Done = "done", "已回访", "Done";
    }
}

/// The stored codes of the two states, for queries.
pub const OPEN: &str = FollowUpStatus::Open.code();
pub const DONE: &str = FollowUpStatus::Done.code();

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9f01", "order_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a80", "beneficiary_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "region_code": "640202001", "due_on": "2025-04-30", "status": "done", "visited_at": "2025-04-28T09:30:00Z", "visited_by": "0192f4a4-0000-7000-8000-000000000007", "notes": "送餐按时，老人满意", "version": 2}))]
pub struct FollowUpView {
    pub id: Uuid,
    pub order_id: Uuid,
    pub beneficiary_id: Uuid,
    pub region_code: String,
    pub due_on: NaiveDate,
    pub status: FollowUpStatus,
    pub visited_at: Option<DateTime<Utc>>,
    /// The user who recorded the visit.
    pub visited_by: Option<String>,
    pub notes: Option<String>,
    pub version: i64,
}

impl TryFrom<follow_up::Model> for FollowUpView {
    type Error = DomainError;

    fn try_from(f: follow_up::Model) -> Result<Self, DomainError> {
        Ok(Self {
            id: f.id,
            order_id: f.order_id,
            beneficiary_id: f.beneficiary_id,
            region_code: f.region_code,
            due_on: f.due_on,
            status: jiuzhu_core::codes::parse_code(&f.status)?,
            visited_at: f.visited_at,
            visited_by: f.visited_by,
            notes: f.notes,
            version: f.version,
        })
    }
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"notes": "送餐按时，老人满意；建议增加周末送餐"}))]
pub struct CompleteFollowUp {
    /// What the visit found.
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub notes: String,
}

/// Schedules the follow-up of a completed order, in the order's transaction.
pub(crate) async fn schedule(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    order: &service_order::Model,
    due_on: NaiveDate,
) -> Result<(), DomainError> {
    follow_up::ActiveModel {
        id: Set(new_id()),
        order_id: Set(order.id),
        beneficiary_id: Set(order.beneficiary_id),
        region_code: Set(order.region_code.clone()),
        due_on: Set(due_on),
        overdue_announced_at: Set(None),
        status: Set(OPEN.into()),
        created_at: Set(ctx.now),
        visited_at: Set(None),
        visited_by: Set(None),
        notes: Set(None),
        version: Set(1),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Open follow-up visits the village station owes, due on or before a day,
/// a page at a time (oldest first, by when the completed order scheduled them).
pub async fn list_open(db: &Db, ctx: &Context, due_by: Option<NaiveDate>, page: PageRequest) -> Result<Page<FollowUpView>, DomainError> {
    authorize(db, ctx, Permission::OrderRead).await?;
    let mut query = follow_up::Entity::find().in_scope(&ctx.actor).filter(follow_up::Column::Status.eq(OPEN));
    if let Some(day) = due_by {
        query = query.filter(follow_up::Column::DueOn.lte(day));
    }
    let rows = keyset::<_, Uuid>(query, follow_up::Column::Id, &page)?.all(db.conn()).await?;
    page.into_page(rows, |r| r.id.to_string()).try_map(FollowUpView::try_from)
}

/// One follow-up visit of the caller's region.
pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<FollowUpView, DomainError> {
    authorize(db, ctx, Permission::OrderRead).await?;
    let row = follow_up::Entity::find_by_id(id).in_scope(&ctx.actor).one(db.conn()).await?;
    FollowUpView::try_from(row.ok_or(DomainError::NotFound)?)
}

/// Records the visit: the follow-up becomes `done`, once.
pub async fn complete(
    db: &Db,
    ctx: &Context,
    id: Uuid,
    if_match: Option<i64>,
    input: CompleteFollowUp,
) -> Result<FollowUpView, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryWrite).await?;
    let txn = db.begin_write().await?;
    let current = follow_up::Entity::find_by_id(id).in_scope(&ctx.actor).one(&*txn).await?.ok_or(DomainError::NotFound)?;
    expect_version(if_match, current.version)?;
    if current.status == DONE {
        return Err(DomainError::conflict("follow_up_done", "this follow-up visit has already been recorded"));
    }
    let mut model: follow_up::ActiveModel = current.clone().into();
    model.status = Set(DONE.into());
    model.visited_at = Set(Some(ctx.now));
    model.visited_by = Set(Some(ctx.actor.subject.clone()));
    model.notes = Set(Some(input.notes));
    model.version = Set(current.version + 1);
    let updated = model.update(&*txn).await?;
    let data = serde_json::json!({"order_id": updated.order_id, "beneficiary_id": updated.beneficiary_id});
    record(&*txn, ctx, Change::published("follow_up.completed", "follow_up", updated.id, &updated.region_code, data)).await?;
    txn.commit().await?;
    updated.try_into()
}

/// Announces each open follow-up visit past its due day once
/// (`follow_up.overdue`), marking it by compare-and-set (`record_once`).
/// Returns how many were announced.
pub async fn announce_overdue(db: &Db, ctx: &Context) -> Result<usize, DomainError> {
    let due = follow_up::Entity::find()
        .filter(follow_up::Column::Status.eq(OPEN))
        .filter(follow_up::Column::DueOn.lt(ctx.now.date_naive()))
        .filter(follow_up::Column::OverdueAnnouncedAt.is_null())
        .limit(ANNOUNCE_BATCH)
        .all(db.conn())
        .await?;
    let mut announced = 0;
    for late in due {
        let mark = follow_up::Entity::update_many()
            .col_expr(follow_up::Column::OverdueAnnouncedAt, sea_orm::sea_query::Expr::value(ctx.now))
            .filter(follow_up::Column::Id.eq(late.id))
            .filter(follow_up::Column::OverdueAnnouncedAt.is_null());
        let data = serde_json::json!({"order_id": late.order_id, "due_on": late.due_on});
        let change = Change::published("follow_up.overdue", "follow_up", late.id, &late.region_code, data);
        announced += usize::from(record_once(db, ctx, mark, change).await?);
    }
    Ok(announced)
}
