//! `contract_entries`: append-only books of a contract: the ledger (项目台帐), supervision records and payments.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub contract_id: Uuid,
    pub book: String,
    pub kind: String,
    pub service_code: Option<String>,
    pub quantity: Option<i64>,
    pub amount_fen: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub recorded_by: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
