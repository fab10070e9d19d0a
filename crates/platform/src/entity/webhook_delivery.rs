//! `webhook_deliveries`: one event owed to one webhook, with its retry state.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub subject_id: String,
    /// The exact bytes sent on every attempt.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub attempt_limit: i32,
    pub next_attempt_at: Option<ChronoDateTimeUtc>,
    /// A worker holds the delivery until then.
    pub lease_until: Option<ChronoDateTimeUtc>,
    pub last_status_code: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    pub delivered_at: Option<ChronoDateTimeUtc>,
    /// The event's feed position (0 for a test ping): a subject's
    /// deliveries are sent in this order.
    pub event_position: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
