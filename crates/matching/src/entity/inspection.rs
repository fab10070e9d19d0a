//! `inspections`: inspections of deliveries (抽查、暗访、回访调查).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub delivery_id: Uuid,
    pub order_id: Uuid,
    pub contract_id: Option<Uuid>,
    pub provider_id: Option<Uuid>,
    pub region_code: String,
    pub method: String,
    pub result: String,
    #[sea_orm(column_type = "Text")]
    pub findings: String,
    pub inspector: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
