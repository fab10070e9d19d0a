//! `contracts`: contracts from awards; a contract binds its provider (不得转包).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contracts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub project_id: Uuid,
    pub bid_id: Uuid,
    pub provider_id: Uuid,
    pub region_code: String,
    pub term_start: Date,
    pub term_end: Date,
    #[sea_orm(column_type = "Text")]
    pub services: String,
    #[sea_orm(column_type = "Text")]
    pub quality_standards: String,
    pub price_fen: i64,
    #[sea_orm(column_type = "Text")]
    pub settlement_method: String,
    #[sea_orm(column_type = "Text")]
    pub rights_and_obligations: String,
    #[sea_orm(column_type = "Text")]
    pub breach_liability: String,
    /// The instalments as JSON (`rules::Instalment`).
    #[sea_orm(column_type = "Text")]
    pub instalments: String,
    pub status: String,
    pub version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
