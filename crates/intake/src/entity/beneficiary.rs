//! `beneficiaries`: the service target list (服务对象清单): one row per person.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "beneficiaries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    #[sea_orm(unique)]
    pub id_number: String,
    pub gender: String,
    pub birth_date: Date,
    pub phone: Option<String>,
    pub region_code: String,
    pub address: String,
    pub household_id: Option<Uuid>,
    pub household_relationship: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub categories: String,
    pub category_codes: String,
    #[sea_orm(column_type = "Text")]
    pub groups: String,
    pub group_codes: String,
    pub disability_level: Option<i16>,
    #[sea_orm(column_type = "Text")]
    pub material_assistance: String,
    pub status: String,
    pub version: i64,
    pub created_by: String,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
