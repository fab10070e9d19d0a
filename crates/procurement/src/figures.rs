//! The figures reports take from procurement's tables, counted here so that
//! no report reads them: rows created per period in a region subtree.

use crate::entity::procurement_project;
use jiuzhu_core::DomainError;
use jiuzhu_platform::created_per_period;
use jiuzhu_platform::stats::{Interval, Window};
use sea_orm::ConnectionTrait;
use std::collections::BTreeMap;

/// Procurement's tables a time series counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// Procurement projects
    Projects,
}

/// Rows of `table` created per period of `interval` in `window`, by period label.
pub async fn created_per_period(
    conn: &impl ConnectionTrait,
    table: Table,
    window: &Window,
    interval: Interval,
) -> Result<BTreeMap<String, i64>, DomainError> {
    match table {
        Table::Projects => created_per_period!(conn, procurement_project, window, interval),
    }
}
