//! Grouped counts for reports: one `GROUP BY` query per figure, scoped to a
//! region subtree and a created-at window, so figures never load rows.

use chrono::{DateTime, Utc};
use jiuzhu_core::DomainError;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::BTreeMap;

/// Where and when a report counts: a region `LIKE` pattern and a half-open
/// `[from, to)` window on each row's creation time.
#[derive(Debug, Clone)]
pub struct Window {
    pub region_pattern: String,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// The table's columns a report counts by.
pub struct Counted<C> {
    pub region: C,
    pub created_at: C,
}

impl<C: ColumnTrait> Counted<C> {
    /// The window as a condition on this table.
    pub fn within(&self, window: &Window) -> Condition {
        let mut condition = Condition::all().add(self.region.like(window.region_pattern.as_str()));
        if let Some(from) = window.from {
            condition = condition.add(self.created_at.gte(from));
        }
        if let Some(to) = window.to {
            condition = condition.add(self.created_at.lt(to));
        }
        condition
    }
}

/// Rows of `E` in the window matching `extra`, counted by `group`; a NULL
/// group counts under `"none"`.
pub async fn count_by<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    table: &Counted<E::Column>,
    window: &Window,
    group: E::Column,
    extra: Condition,
) -> Result<BTreeMap<String, i64>, DomainError> {
    let rows: Vec<(Option<String>, i64)> = E::find()
        .select_only()
        .column(group)
        .column_as(Expr::col(group).count(), "n")
        .filter(table.within(window))
        .filter(extra)
        .group_by(group)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(key, n)| (key.unwrap_or_else(|| "none".into()), n)).collect())
}

/// Rows of `E` in the window matching `extra`.
pub async fn count<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    table: &Counted<E::Column>,
    window: &Window,
    extra: Condition,
) -> Result<i64, DomainError> {
    let n: Option<i64> = E::find()
        .select_only()
        .column_as(Expr::val(1).count(), "n")
        .filter(table.within(window))
        .filter(extra)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(n.unwrap_or(0))
}
