//! `webhooks`: a subscription pushing the owner's visible events to a URL.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The registering actor's subject; only it manages the webhook.
    pub owner: String,
    /// The owner's role, region, department and provider at registration,
    /// for the record; deliveries follow the owner's account as it is now.
    pub owner_role: String,
    pub region_code: String,
    pub department: Option<String>,
    pub provider_id: Option<Uuid>,
    pub url: String,
    /// A JSON array of event types; empty means every type.
    #[sea_orm(column_type = "Text")]
    pub event_types: String,
    /// The HMAC key; never returned.
    pub secret: String,
    pub description: String,
    /// The feed position up to which the fan-out has considered events.
    pub feed_position: Option<i64>,
    pub version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub deleted_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
