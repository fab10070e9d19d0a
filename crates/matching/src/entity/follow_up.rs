//! `follow_ups`: follow-up visits (回访) scheduled when an order completes.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follow_ups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub beneficiary_id: Uuid,
    pub region_code: String,
    pub due_on: Date,
    /// When housekeeping announced it overdue (once).
    pub overdue_announced_at: Option<ChronoDateTimeUtc>,
    /// `open` until the visit is recorded, then `done`.
    pub status: String,
    pub created_at: ChronoDateTimeUtc,
    pub visited_at: Option<ChronoDateTimeUtc>,
    pub visited_by: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
