//! `referrals`: transfers of non-service needs to the departments that own them (转办).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referrals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    #[sea_orm(unique)]
    pub item_id: Uuid,
    pub beneficiary_id: Uuid,
    pub region_code: String,
    pub department: String,
    pub matter: String,
    pub status: String,
    pub due_at: ChronoDateTimeUtc,
    /// When housekeeping announced it overdue (once).
    pub overdue_announced_at: Option<ChronoDateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub outcome_code: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub outcome_text: Option<String>,
    pub version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
