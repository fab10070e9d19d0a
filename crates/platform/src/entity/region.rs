//! `regions`: the administrative tree, city to village.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "regions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name_zh: String,
    pub level: String,
    pub parent_code: Option<String>,
    pub is_demo: bool,
    pub created_at: ChronoDateTimeUtc,
    /// A key township of the pilot (重点乡镇).
    pub key_township: bool,
    pub version: i64,
    /// When a division change retired the region; its records moved to `successor_code`.
    pub retired_at: Option<ChronoDateTimeUtc>,
    pub successor_code: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
