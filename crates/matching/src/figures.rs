//! The figures reports take from matching's tables, counted here so that
//! no report reads them: orders, deliveries, follow-ups, inspections and
//! satisfaction in a region subtree and creation window, one aggregate
//! query per figure, and rows created per period for the time series.

use crate::entity::{delivery, follow_up, inspection, service_order};
use crate::follow_ups::FollowUpStatus;
use crate::rules::OrderStatus;
use crate::satisfaction::FeedbackTotals;
use chrono::NaiveDate;
use jiuzhu_core::DomainError;
use jiuzhu_platform::stats::{Counted, Counts, Window, count, count_by};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait};

jiuzhu_platform::counted_tables! {
    /// Service orders
    Orders => service_order,
    /// Delivery records
    Deliveries => delivery,
    /// Follow-up visits
    FollowUps => follow_up,
}

const ORDERS: Counted<service_order::Column> =
    Counted { region: service_order::Column::RegionCode, created_at: service_order::Column::CreatedAt };
const DELIVERIES: Counted<delivery::Column> = Counted { region: delivery::Column::RegionCode, created_at: delivery::Column::CreatedAt };
const FOLLOW_UPS: Counted<follow_up::Column> = Counted { region: follow_up::Column::RegionCode, created_at: follow_up::Column::CreatedAt };
const INSPECTIONS: Counted<inspection::Column> =
    Counted { region: inspection::Column::RegionCode, created_at: inspection::Column::CreatedAt };

/// Orders sent in the window, by status.
pub async fn orders_by_status(conn: &impl ConnectionTrait, window: &Window) -> Result<Counts, DomainError> {
    count_by::<service_order::Entity>(conn, &ORDERS, window, service_order::Column::Status, Condition::all()).await
}

/// Orders sent in the window (only those in `status`, when given), by service code.
pub async fn orders_by_service(conn: &impl ConnectionTrait, window: &Window, status: Option<OrderStatus>) -> Result<Counts, DomainError> {
    let mut condition = Condition::all();
    if let Some(status) = status {
        condition = condition.add(service_order::Column::Status.eq(status.code()));
    }
    count_by::<service_order::Entity>(conn, &ORDERS, window, service_order::Column::ServiceCode, condition).await
}

/// Delivery records made in the window.
pub async fn deliveries(conn: &impl ConnectionTrait, window: &Window) -> Result<i64, DomainError> {
    count::<delivery::Entity>(conn, &DELIVERIES, window, Condition::all()).await
}

/// Follow-up visits scheduled in the window, `open` or `done`.
pub async fn follow_ups_by_status(conn: &impl ConnectionTrait, window: &Window) -> Result<Counts, DomainError> {
    count_by::<follow_up::Entity>(conn, &FOLLOW_UPS, window, follow_up::Column::Status, Condition::all()).await
}

/// Follow-up visits scheduled in the window and still open past their due day on `today`.
pub async fn follow_ups_overdue(conn: &impl ConnectionTrait, window: &Window, today: NaiveDate) -> Result<i64, DomainError> {
    let overdue = Condition::all().add(follow_up::Column::Status.eq(FollowUpStatus::Open.code())).add(follow_up::Column::DueOn.lt(today));
    count::<follow_up::Entity>(conn, &FOLLOW_UPS, window, overdue).await
}

/// Random inspections made in the window, by result.
pub async fn inspections_by_result(conn: &impl ConnectionTrait, window: &Window) -> Result<Counts, DomainError> {
    count_by::<inspection::Entity>(conn, &INSPECTIONS, window, inspection::Column::Result, Condition::all()).await
}

/// Feedback given in the window on orders in the window's region (whenever sent).
pub async fn satisfaction(conn: &impl ConnectionTrait, window: &Window) -> Result<FeedbackTotals, DomainError> {
    crate::satisfaction::totals(conn, ORDERS.in_region(window), window.from, window.to).await
}
