//! `audit_inbox`: audit rows written by use cases, waiting for the relay to
//! chain them into `audit_events`; `entry` orders them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_inbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub entry: i64,
    #[sea_orm(unique)]
    pub id: Uuid,
    pub occurred_at: ChronoDateTimeUtc,
    pub actor: String,
    pub actor_role: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub region_code: String,
    pub outcome: String,
    pub request_id: String,
    #[sea_orm(column_type = "Text")]
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
