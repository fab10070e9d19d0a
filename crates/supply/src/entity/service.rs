//! `services`: the service project list (服务项目清单): the 32 guidance items and local additions.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "services")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub number: Option<i16>,
    pub category: String,
    pub name_zh: String,
    pub name_en: String,
    #[sea_orm(column_type = "Text")]
    pub description_zh: String,
    pub unit: String,
    pub government_funded: bool,
    #[sea_orm(column_type = "Text")]
    pub covered_by_material: String,
    pub active: bool,
    pub guidance: bool,
    pub region_code: String,
    /// `rules::Approval`: a government-funded local item waits for the city.
    pub approval: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub basic_need_basis: Option<String>,
    pub proposed_by: Option<String>,
    pub decided_by: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub decision_note: Option<String>,
    pub version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
