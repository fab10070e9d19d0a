//! The event outbox: events are inserted into the inbox in the same
//! transaction as the change they describe; the relay numbers them into the
//! feed after they commit (`position_pending`), and they are read through a
//! scoped feed paged by that position.

use crate::entity::{event, event_inbox};
use crate::scope::within;
use chrono::{DateTime, Utc};
use jiuzhu_core::{Actor, Context, DomainError, Page, PageRequest, Role, id::new_id};
use sea_orm::{ActiveValue::NotSet, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// An event to publish; `department` and `provider_id` address it to those
/// callers as well as to staff of its region.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub event_type: &'static str,
    pub region_code: String,
    pub subject_id: String,
    pub data: serde_json::Value,
    pub department: Option<String>,
    pub provider_id: Option<Uuid>,
}

impl NewEvent {
    pub fn new(event_type: &'static str, region_code: impl Into<String>, subject_id: impl Into<String>, data: serde_json::Value) -> Self {
        Self { event_type, region_code: region_code.into(), subject_id: subject_id.into(), data, department: None, provider_id: None }
    }
}

pub(crate) fn pending(at: DateTime<Utc>, new: NewEvent) -> event_inbox::ActiveModel {
    event_inbox::ActiveModel {
        entry: NotSet,
        id: Set(new_id()),
        event_type: Set(new.event_type.to_string()),
        occurred_at: Set(at),
        region_code: Set(new.region_code),
        subject_id: Set(new.subject_id),
        data: Set(new.data.to_string()),
        department: Set(new.department),
        provider_id: Set(new.provider_id),
    }
}

/// Publishes events in order, in the caller's transaction, with multi-row
/// inserts into the inbox; no lock is taken.
pub async fn publish_all(conn: &impl ConnectionTrait, at: DateTime<Utc>, events: Vec<NewEvent>) -> Result<(), DomainError> {
    crate::bulk::insert_all::<event_inbox::ActiveModel, _>(conn, events.into_iter().map(|new| pending(at, new))).await
}

/// The newest feed position (0 while the feed is empty).
pub async fn newest_position(conn: &impl ConnectionTrait) -> Result<i64, DomainError> {
    Ok(crate::relay::newest::<event::Entity>(conn, event::Column::Position).await?.unwrap_or(0))
}

/// Gives up to `limit` committed inbox events, oldest entry first, the next
/// feed positions and moves them into the feed. Run by the relay alone
/// (under `ClusterLock::Relay`), so positions are assigned once, without
/// gaps, and never behind a position a reader has already been given;
/// returns how many events were numbered.
pub async fn position_pending(conn: &impl ConnectionTrait, limit: u64) -> Result<usize, DomainError> {
    let waiting = event_inbox::Entity::find().order_by_asc(event_inbox::Column::Entry).limit(limit).all(conn).await?;
    if waiting.is_empty() {
        return Ok(0);
    }
    // Exactly the rows read: a row committed since this read stays for the next pass.
    let moved: Vec<i64> = waiting.iter().map(|row| row.entry).collect();
    let start = newest_position(conn).await?;
    let numbered = waiting.into_iter().zip(start + 1..).map(|(row, position)| event::ActiveModel {
        id: Set(row.id),
        event_type: Set(row.event_type),
        occurred_at: Set(row.occurred_at),
        region_code: Set(row.region_code),
        subject_id: Set(row.subject_id),
        data: Set(row.data),
        department: Set(row.department),
        provider_id: Set(row.provider_id),
        position: Set(position),
    });
    crate::bulk::insert_all::<event::ActiveModel, _>(conn, numbered).await?;
    let count = moved.len();
    event_inbox::Entity::delete_many().filter(event_inbox::Column::Entry.is_in(moved)).exec(conn).await?;
    Ok(count)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "position": 1042, "type": "user.created", "occurred_at": "2025-03-01T08:00:00Z", "region_code": "640202001", "subject_id": "0192f4a4-0000-7000-8000-000000000002", "data": {"username": "wang.li", "role": "village_worker"}}))]
pub struct EventView {
    /// Unique; de-duplicate deliveries on it.
    pub id: String,
    /// The event's place in the feed: every event has one, they increase in
    /// the order the changes committed, and none is ever filled in behind a
    /// position already served.
    pub position: i64,
    /// `<resource>.<past-tense verb>`, e.g. `user.created`.
    #[serde(rename = "type")]
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    pub region_code: String,
    pub subject_id: String,
    pub data: serde_json::Value,
}

impl From<event::Model> for EventView {
    fn from(m: event::Model) -> Self {
        Self {
            id: m.id.to_string(),
            position: m.position,
            event_type: m.event_type,
            occurred_at: m.occurred_at,
            region_code: m.region_code,
            subject_id: m.subject_id,
            data: serde_json::from_str(&m.data).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// The events an actor may read: staff and exchange jobs see their region
/// subtree; departments see what is addressed to their department in their
/// region subtree;
/// providers see what is addressed to them (`None`: nothing at all). The
/// feed and webhook fan-out both use it, so a subscriber is pushed exactly
/// what it could pull.
pub fn audience(actor: &Actor) -> Option<Condition> {
    let condition =
        match actor.role {
            Role::Department => Condition::all()
                .add(event::Column::Department.eq(actor.department.clone().unwrap_or_default()))
                .add(within::<event::Entity>(actor)),
            Role::Provider => Condition::all().add(event::Column::ProviderId.eq(actor.provider_id?)),
            _ => Condition::all().add(within::<event::Entity>(actor)),
        };
    Some(condition)
}

/// Where a feed reader resumes: the position after which to read, from a
/// cursor this feed issued (`k1:<position>`) or from an earlier release's
/// cursor (`k1:<event id>`), which resumes after that event.
async fn resume_after(conn: &impl ConnectionTrait, page: &PageRequest) -> Result<i64, DomainError> {
    let invalid = || DomainError::field("after", "cursor_invalid", "cursor is not one this feed issued");
    let Some(after) = &page.after else {
        return Ok(0);
    };
    if let Ok(position) = after.key().parse::<i64>() {
        return if position >= 0 { Ok(position) } else { Err(invalid()) };
    }
    let id: Uuid = after.key().parse().map_err(|_| invalid())?;
    let event = event::Entity::find_by_id(id).one(conn).await?.ok_or_else(invalid)?;
    Ok(event.position)
}

/// Events the actor may read after the cursor, in feed order. The page
/// always carries a cursor: after its last event when more follow,
/// otherwise after the newest position this read covered, so a reader at
/// the tail polls with it and skips the events it may not see.
pub async fn feed(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    event_type: Option<String>,
    page: PageRequest,
) -> Result<Page<EventView>, DomainError> {
    let after = resume_after(conn, &page).await?;
    let covered = std::cmp::max(newest_position(conn).await?, after);
    let tail = || Some(jiuzhu_core::page::Cursor::after(covered.to_string()).encode());
    let Some(audience) = audience(&ctx.actor) else {
        return Ok(Page { items: vec![], next_cursor: tail() });
    };
    let mut query =
        event::Entity::find().filter(audience).filter(event::Column::Position.gt(after)).filter(event::Column::Position.lte(covered));
    if let Some(event_type) = event_type {
        query = query.filter(event::Column::EventType.eq(event_type));
    }
    let rows = query.order_by_asc(event::Column::Position).limit(page.fetch_limit()).all(conn).await?;
    let mut page = page.into_page(rows, |r| r.position.to_string()).map(EventView::from);
    if page.next_cursor.is_none() {
        page.next_cursor = tail();
    }
    Ok(page)
}
