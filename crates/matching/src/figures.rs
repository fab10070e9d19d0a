//! The figures reports take from matching's tables, counted here so that
//! no report reads them: rows created per period in a region subtree.

use crate::entity::{delivery, follow_up, service_order};
use jiuzhu_core::DomainError;
use jiuzhu_platform::created_per_period;
use jiuzhu_platform::stats::{Interval, Window};
use sea_orm::ConnectionTrait;
use std::collections::BTreeMap;

/// Matching's tables a time series counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// Service orders
    Orders,
    /// Delivery records
    Deliveries,
    /// Follow-up visits
    FollowUps,
}

/// Rows of `table` created per period of `interval` in `window`, by period label.
pub async fn created_per_period(
    conn: &impl ConnectionTrait,
    table: Table,
    window: &Window,
    interval: Interval,
) -> Result<BTreeMap<String, i64>, DomainError> {
    match table {
        Table::Orders => created_per_period!(conn, service_order, window, interval),
        Table::Deliveries => created_per_period!(conn, delivery, window, interval),
        Table::FollowUps => created_per_period!(conn, follow_up, window, interval),
    }
}
