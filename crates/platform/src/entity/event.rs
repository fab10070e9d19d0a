//! `events`: the feed: every state change, numbered by the relay in the
//! order it committed (`position`).

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
    /// The feed position: gap-free and increasing in commit order.
    #[sea_orm(unique)]
    pub position: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
