//! Generated service orders written straight into matching's table, for the
//! synthetic seeder: rows go in set-wise in the caller's transaction, and
//! the seeder audits the dataset once instead of each order.

use crate::entity::service_order;
use crate::rules::OrderStatus;
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_core::DomainError;
use jiuzhu_platform::bulk::insert_all;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// An order as generated, before it is written.
pub type Order = service_order::Model;

/// What a generated order says: who is served, with what, by whom, and where it stands.
pub struct GeneratedOrder {
    pub id: Uuid,
    pub need_id: Uuid,
    pub beneficiary_id: Uuid,
    pub region_code: String,
    pub service_code: String,
    pub provider_id: Uuid,
    pub scheduled_for: NaiveDate,
    pub quantity: i32,
    pub status: OrderStatus,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<GeneratedOrder> for Order {
    fn from(order: GeneratedOrder) -> Self {
        Order {
            id: order.id,
            need_id: Some(order.need_id),
            beneficiary_id: order.beneficiary_id,
            region_code: order.region_code,
            service_code: order.service_code,
            provider_id: Some(order.provider_id),
            volunteer_id: None,
            contract_id: None,
            scheduled_for: order.scheduled_for,
            quantity: order.quantity,
            status: order.status.code().into(),
            reason: None,
            version: 1,
            created_by: order.created_by,
            created_at: order.created_at,
            updated_at: order.created_at,
        }
    }
}

/// Writes the orders.
pub async fn load(conn: &impl ConnectionTrait, orders: Vec<Order>) -> Result<(), DomainError> {
    insert_all::<service_order::ActiveModel, _>(conn, orders).await
}
