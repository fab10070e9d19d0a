//! `visits`: the village station work log: care visits, follow-ups, proxy services.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "visits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub beneficiary_id: Uuid,
    pub region_code: String,
    pub kind: String,
    pub visited_at: ChronoDateTimeUtc,
    pub visitor: String,
    #[sea_orm(column_type = "Text")]
    pub findings: String,
    pub next_visit_on: Option<Date>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
