//! `event_inbox`: events written by use cases, waiting for the relay to give
//! them their feed position in `events`; `entry` orders them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_inbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub entry: i64,
    #[sea_orm(unique)]
    pub id: Uuid,
    pub event_type: String,
    pub occurred_at: ChronoDateTimeUtc,
    pub region_code: String,
    pub subject_id: String,
    #[sea_orm(column_type = "Text")]
    pub data: String,
    pub department: Option<String>,
    pub provider_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
