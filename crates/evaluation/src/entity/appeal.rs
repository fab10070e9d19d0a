//! `appeals`: appeals against evaluations; the decision is final.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appeals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub evaluation_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub grounds: String,
    #[sea_orm(column_type = "Text")]
    pub evidence: String,
    pub status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub reasoning: Option<String>,
    pub decided_by: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    pub decided_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
