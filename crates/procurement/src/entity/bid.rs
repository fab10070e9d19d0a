//! `bids`: bids on a procurement project, one per provider.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bids")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub provider_id: Uuid,
    pub price_fen: i64,
    #[sea_orm(column_type = "Text")]
    pub proposal: String,
    #[sea_orm(column_type = "Text")]
    pub staff: String,
    #[sea_orm(column_type = "Text")]
    pub services: String,
    pub submitted_by: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
