//! The figures reports take from intake's tables, counted here so that
//! no report reads them: rows created per period in a region subtree.

use crate::entity::{application, beneficiary, referral};
use jiuzhu_core::DomainError;
use jiuzhu_platform::created_per_period;
use jiuzhu_platform::stats::{Interval, Window};
use sea_orm::ConnectionTrait;
use std::collections::BTreeMap;

/// Intake's tables a time series counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// People on the service target list
    Beneficiaries,
    /// One-form applications
    Applications,
    /// Transfers to departments
    Referrals,
}

/// Rows of `table` created per period of `interval` in `window`, by period label.
pub async fn created_per_period(
    conn: &impl ConnectionTrait,
    table: Table,
    window: &Window,
    interval: Interval,
) -> Result<BTreeMap<String, i64>, DomainError> {
    match table {
        Table::Beneficiaries => created_per_period!(conn, beneficiary, window, interval),
        Table::Applications => created_per_period!(conn, application, window, interval),
        Table::Referrals => created_per_period!(conn, referral, window, interval),
    }
}
