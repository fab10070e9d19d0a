//! The event outbox: events are inserted in the same transaction as the
//! change they describe, and read through a scoped, cursor-paged feed.

use crate::entity::event;
use crate::scope::within;
use chrono::{DateTime, Utc};
use jiuzhu_core::{Actor, Context, DomainError, Page, PageRequest, Role, id::new_id};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
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

fn stored(at: DateTime<Utc>, new: NewEvent) -> event::ActiveModel {
    event::ActiveModel {
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

/// Publishes events in order, in the caller's transaction, with multi-row inserts.
pub async fn publish_all(conn: &impl ConnectionTrait, at: DateTime<Utc>, events: Vec<NewEvent>) -> Result<(), DomainError> {
    crate::bulk::insert_all(conn, events.into_iter().map(|new| stored(at, new))).await
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "type": "user.created", "occurred_at": "2025-03-01T08:00:00Z", "region_code": "640202001", "subject_id": "0192f4a4-0000-7000-8000-000000000002", "data": {"username": "wang.li", "role": "village_worker"}}))]
pub struct EventView {
    /// Unique; de-duplicate deliveries on it.
    pub id: String,
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

/// Events the actor may read, after the cursor, oldest first.
pub async fn feed(
    conn: &impl ConnectionTrait,
    ctx: &Context,
    event_type: Option<String>,
    page: PageRequest,
) -> Result<Page<EventView>, DomainError> {
    let Some(audience) = audience(&ctx.actor) else {
        return Ok(Page { items: vec![], next_cursor: None });
    };
    let mut query = event::Entity::find().filter(audience);
    if let Some(event_type) = event_type {
        query = query.filter(event::Column::EventType.eq(event_type));
    }
    if let Some(after) = &page.after {
        let id: Uuid =
            after.key().parse().map_err(|_| DomainError::field("after", "cursor_invalid", "cursor is not one this feed issued"))?;
        query = query.filter(event::Column::Id.gt(id));
    }
    let rows = query.order_by_asc(event::Column::Id).limit(page.fetch_limit()).all(conn).await?;
    Ok(page.into_page(rows, |r| r.id.to_string()).map(EventView::from))
}
