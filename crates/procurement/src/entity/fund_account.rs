//! `fund_accounts`: one funding region's purchase money for a year, and its 3% cap.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fund_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub region_code: String,
    pub year: i32,
    pub prior_year_assistance_total_fen: i64,
    pub cap_bp: i32,
    #[sea_orm(column_type = "Text")]
    pub sources: String,
    pub version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
