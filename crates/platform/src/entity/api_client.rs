//! `api_clients`: machine accounts of department systems and exchange jobs.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub client_id: String,
    pub name: String,
    pub role: String,
    pub region_code: String,
    pub department: Option<String>,
    pub secret_hash: String,
    pub active: bool,
    /// Raised by every change that ends the account's sessions.
    pub security_stamp: i64,
    pub version: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
