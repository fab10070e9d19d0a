//! `evaluations`: mid-term and final evaluations of purchased projects.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub provider_id: Uuid,
    pub region_code: String,
    pub stage: String,
    pub organizer: String,
    pub scheme_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub members: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub third_party: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub plan: String,
    pub status: String,
    pub total_hundredths: Option<i32>,
    pub grade: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub report: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub history: String,
    /// The account that wrote the report; its approver is another.
    pub reported_by: Option<String>,
    pub approved_at: Option<ChronoDateTimeUtc>,
    pub published_at: Option<ChronoDateTimeUtc>,
    pub version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
