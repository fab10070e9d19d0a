//! The figures reports take from needs assessment's tables, counted here so that
//! no report reads them: rows created per period in a region subtree.

use crate::entity::{assessment, need};
use jiuzhu_core::DomainError;
use jiuzhu_platform::created_per_period;
use jiuzhu_platform::stats::{Interval, Window};
use sea_orm::ConnectionTrait;
use std::collections::BTreeMap;

/// Needs assessment's tables a time series counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// Needs assessments
    Assessments,
    /// Service needs
    Needs,
}

/// Rows of `table` created per period of `interval` in `window`, by period label.
pub async fn created_per_period(
    conn: &impl ConnectionTrait,
    table: Table,
    window: &Window,
    interval: Interval,
) -> Result<BTreeMap<String, i64>, DomainError> {
    match table {
        Table::Assessments => created_per_period!(conn, assessment, window, interval),
        Table::Needs => created_per_period!(conn, need, window, interval),
    }
}
