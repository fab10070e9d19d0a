//! `service_orders`: service orders (服务派单).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub need_id: Option<Uuid>,
    pub beneficiary_id: Uuid,
    pub region_code: String,
    pub service_code: String,
    pub provider_id: Option<Uuid>,
    pub volunteer_id: Option<Uuid>,
    pub contract_id: Option<Uuid>,
    pub scheduled_for: Date,
    pub quantity: i32,
    pub status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub version: i64,
    pub created_by: String,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
