//! `needs`: the service needs list (服务需求清单): one row per derived need.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "needs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub beneficiary_id: Uuid,
    pub region_code: String,
    pub service_code: String,
    pub category: String,
    pub priority: String,
    pub degree: String,
    pub group_codes: String,
    pub rule_id: String,
    pub indicator: String,
    pub level: i16,
    pub status: String,
    pub version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
