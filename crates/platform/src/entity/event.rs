//! `events`: the outbox: every state change, written in the transaction that made it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
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
