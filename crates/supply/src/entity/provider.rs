//! `providers`: service providers (承接主体).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "providers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    #[sea_orm(unique)]
    pub credit_code: String,
    pub org_type: String,
    pub eligible_for_purchase: bool,
    pub service_codes: String,
    pub service_regions: String,
    #[sea_orm(column_type = "Text")]
    pub monthly_capacity: String,
    #[sea_orm(column_type = "Text")]
    pub qualifications: String,
    pub contact_name: String,
    pub contact_phone: Option<String>,
    pub status: String,
    pub barred_until: Option<Date>,
    pub region_code: String,
    pub version: i64,
    /// Satisfaction scores given on this provider's orders: how many, and their sum.
    pub feedback_responses: i64,
    pub feedback_total: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
