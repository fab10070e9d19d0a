//! `inspection_samples`: stored random samples: frame, seed and result.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspection_samples")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub region_code: String,
    pub from_at: ChronoDateTimeUtc,
    pub to_at: ChronoDateTimeUtc,
    pub size: i32,
    pub seed: i64,
    pub frame_size: i32,
    #[sea_orm(column_type = "Text")]
    pub delivery_ids: String,
    pub created_by: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
