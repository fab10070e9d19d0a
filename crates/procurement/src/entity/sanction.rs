//! `sanctions`: findings of fraud or unfair competition; a city-level one
//! bars the provider for three years (取消三年承接资格).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sanctions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub provider_id: Uuid,
    pub reason: String,
    #[sea_orm(column_type = "Text")]
    pub evidence: String,
    pub decided_on: Date,
    pub barred_until: Date,
    pub decided_by: String,
    /// The region the decision covers: its effects stay inside it.
    pub region_code: String,
    /// A city-level decision, which bars the provider everywhere.
    pub bars_provider: bool,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
