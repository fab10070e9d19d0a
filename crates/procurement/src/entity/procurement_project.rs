//! `procurement_projects`: purchase projects (项目确定 → 实施购买).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "procurement_projects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub fund_account_id: Uuid,
    pub title: String,
    pub region_code: String,
    pub year: i32,
    #[sea_orm(column_type = "Text")]
    pub service_codes: String,
    #[sea_orm(column_type = "Text")]
    pub target_groups: String,
    pub beneficiary_count: i32,
    #[sea_orm(column_type = "Text")]
    pub service_volume: String,
    #[sea_orm(column_type = "Text")]
    pub needs_basis: String,
    pub budget_fen: i64,
    pub fiscal_fen: i64,
    #[sea_orm(column_type = "Text")]
    pub funding: String,
    #[sea_orm(column_type = "Text")]
    pub staffing_requirements: String,
    #[sea_orm(column_type = "Text")]
    pub bidder_requirements: String,
    pub method: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub justification: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub evaluation_criteria: String,
    pub status: String,
    pub published_at: Option<ChronoDateTimeUtc>,
    /// When bidding closed (the OCDS tender period's end).
    pub bidding_closed_at: Option<ChronoDateTimeUtc>,
    /// Why the tender failed (流标), for a `failed` project.
    #[sea_orm(column_type = "Text", nullable)]
    pub failure_reason: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub invited_providers: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub award: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub acceptance: Option<String>,
    /// The panel's seats (`Vec<PanelSeat>` as JSON), once formed.
    #[sea_orm(column_type = "Text", nullable)]
    pub panel: Option<String>,
    pub version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
