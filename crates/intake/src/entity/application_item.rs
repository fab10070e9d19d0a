//! `application_items`: the needs of an application, one row each.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "application_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    pub position: i32,
    pub kind: String,
    pub service_code: Option<String>,
    pub matter: Option<String>,
    pub department: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub resolved_by_assessment: Option<Uuid>,
    /// The household member the item concerns, when not the applicant.
    pub member_id: Option<Uuid>,
    /// `rules::ItemResolution`, once resolved.
    pub resolution: Option<String>,
    /// The need, order, referral or assessment that resolved it.
    pub resolution_ref: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub resolution_reason: Option<String>,
    pub resolved_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
