//! Grouped counts for reports: one `GROUP BY` query per figure, scoped to a
//! region subtree and a created-at window, so figures never load rows; and
//! the same counts bucketed by day or month for time series.

use chrono::{DateTime, Datelike, FixedOffset, Months, NaiveDate, Utc};
use jiuzhu_core::DomainError;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, IdenStatic, QueryFilter, QuerySelect};
use std::collections::BTreeMap;

/// Periods are calendar days or months in Beijing time (UTC+8, no daylight
/// saving), the pilot's own clock, so a month's figure matches its paperwork.
pub const REPORT_UTC_OFFSET_SECS: i32 = 8 * 3600;

jiuzhu_core::coded_enum! {
    /// The bucket of a time series.
    pub enum Interval as "interval" {
        /// `YYYY-MM-DD`
        Day = "day", "按日", "By day";
        /// `YYYY-MM`
        Month = "month", "按月", "By month";
    }
}

impl Interval {
    /// Most periods one series may span.
    pub fn max_points(self) -> usize {
        match self {
            Interval::Day => 400,
            Interval::Month => 120,
        }
    }

    fn label(self, day: NaiveDate) -> String {
        match self {
            Interval::Day => day.format("%Y-%m-%d").to_string(),
            Interval::Month => day.format("%Y-%m").to_string(),
        }
    }

    fn start_of(self, day: NaiveDate) -> NaiveDate {
        match self {
            Interval::Day => day,
            Interval::Month => day.with_day(1).unwrap_or(day),
        }
    }

    fn next(self, day: NaiveDate) -> Option<NaiveDate> {
        match self {
            Interval::Day => day.succ_opt(),
            Interval::Month => day.checked_add_months(Months::new(1)),
        }
    }

    /// The SQL that labels a timestamp column with its period, per backend.
    fn bucket_sql(self, backend: DbBackend, column: &str) -> String {
        match (backend, self) {
            (DbBackend::Postgres, Interval::Day) => format!("to_char({column} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')"),
            (DbBackend::Postgres, Interval::Month) => format!("to_char({column} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"),
            (_, Interval::Day) => format!("strftime('%Y-%m-%d', {column}, '+8 hours')"),
            (_, Interval::Month) => format!("strftime('%Y-%m', {column}, '+8 hours')"),
        }
    }
}

/// The day an instant falls on in Beijing time.
pub fn report_day(at: DateTime<Utc>) -> NaiveDate {
    let beijing = FixedOffset::east_opt(REPORT_UTC_OFFSET_SECS).unwrap_or_else(|| unreachable!("+08:00 is a valid offset"));
    at.with_timezone(&beijing).date_naive()
}

/// Every period label from the one holding `from` to the one holding `to`
/// (both Beijing-time days), in order; `None` when that is more than
/// `interval.max_points()` periods.
pub fn periods(interval: Interval, from: NaiveDate, to: NaiveDate) -> Option<Vec<String>> {
    let mut labels = Vec::new();
    let mut day = interval.start_of(from);
    while day <= to {
        if labels.len() == interval.max_points() {
            return None;
        }
        labels.push(interval.label(day));
        day = interval.next(day)?;
    }
    Some(labels)
}

/// Where and when a report counts: a region `LIKE` pattern and a half-open
/// `[from, to)` window on each row's creation time.
#[derive(Debug, Clone)]
pub struct Window {
    pub region_pattern: String,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl Window {
    /// The window a report asks about: the actor's region or a `region_code`
    /// inside it (one outside answers 404), over `[from, to)`, where `from`
    /// must come before `to`.
    pub fn asked(
        actor: &jiuzhu_core::Actor,
        region_code: Option<&str>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<(jiuzhu_core::RegionCode, Self), DomainError> {
        let region = actor.region_within(region_code)?;
        if let (Some(from), Some(to)) = (from, to)
            && from >= to
        {
            return Err(DomainError::field("to", "before_from", "to must be after from"));
        }
        let window = Self::of_region(&region, from, to);
        Ok((region, window))
    }

    /// `region`'s subtree over `[from, to)`.
    pub fn of_region(region: &jiuzhu_core::RegionCode, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Self {
        Self { region_pattern: format!("{}%", region.subtree_prefix()), from, to }
    }
}

/// Counts keyed by code (status, channel, degree, service, grade).
pub type Counts = BTreeMap<String, i64>;

/// The sum of all counts.
pub fn total(counts: &Counts) -> i64 {
    counts.values().sum()
}

/// The count under `code`, zero when absent.
pub fn count_of(counts: &Counts, code: &str) -> i64 {
    counts.get(code).copied().unwrap_or(0)
}

/// The table's columns a report counts by.
pub struct Counted<C> {
    pub region: C,
    pub created_at: C,
}

impl<C: ColumnTrait> Counted<C> {
    /// The window's region subtree (whatever the period) as a condition on this table.
    pub fn in_region(&self, window: &Window) -> Condition {
        Condition::all().add(self.region.like(window.region_pattern.as_str()))
    }

    /// The window as a condition on this table.
    pub fn within(&self, window: &Window) -> Condition {
        let mut condition = self.in_region(window);
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
) -> Result<Counts, DomainError> {
    // COUNT(*), not COUNT(group): rows whose group is NULL count under "none".
    grouped::<E>(conn, table, window, group, Expr::val(1).count(), extra).await
}

/// The sum of `value` (a whole-number column, such as an amount in fen) over
/// the rows of `E` in the window matching `extra`, by `group`.
pub async fn sum_by<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    table: &Counted<E::Column>,
    window: &Window,
    group: E::Column,
    value: E::Column,
    extra: Condition,
) -> Result<Counts, DomainError>
where
    E::Column: IdenStatic,
{
    let total = Expr::cust(format!("CAST(COALESCE(SUM({}), 0) AS BIGINT)", value.as_str()));
    grouped::<E>(conn, table, window, group, total, extra).await
}

/// `aggregate` over the rows of `E` in the window matching `extra`, by
/// `group`; a NULL group is keyed `"none"`.
async fn grouped<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    table: &Counted<E::Column>,
    window: &Window,
    group: E::Column,
    aggregate: sea_orm::sea_query::SimpleExpr,
    extra: Condition,
) -> Result<Counts, DomainError> {
    let rows: Vec<(Option<String>, i64)> = E::find()
        .select_only()
        .column(group)
        .column_as(aggregate, "n")
        .filter(table.within(window))
        .filter(extra)
        .group_by(group)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(key, n)| (key.unwrap_or_else(|| "none".into()), n)).collect())
}

/// Rows of `E` in the window matching `extra`, counted per period of their
/// creation; periods without rows are absent (see `periods` to fill them).
pub async fn count_by_period<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    table: &Counted<E::Column>,
    window: &Window,
    interval: Interval,
    extra: Condition,
) -> Result<BTreeMap<String, i64>, DomainError>
where
    E::Column: IdenStatic,
{
    let bucket = interval.bucket_sql(conn.get_database_backend(), table.created_at.as_str());
    let rows: Vec<(Option<String>, i64)> = E::find()
        .select_only()
        .column_as(Expr::cust(bucket.clone()), "period")
        .column_as(Expr::val(1).count(), "n")
        .filter(table.within(window))
        .filter(extra)
        .group_by(Expr::cust(bucket))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|(period, n)| Some((period?, n))).collect())
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

/// Declares, in an area's `figures` module, the `Table`s of that area a time
/// series counts (`Variant => entity_module`) and its `created_per_period`,
/// so that each area counts its own tables and no report reads them.
#[macro_export]
macro_rules! counted_tables {
    ($( $(#[doc = $doc:literal])* $variant:ident => $table:ident ),+ $(,)?) => {
        /// The tables of this area that a time series counts.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Table {
            $( $(#[doc = $doc])* $variant, )+
        }

        /// Rows of `table` created per period of `interval` in `window`, by period label.
        pub async fn created_per_period(
            conn: &impl sea_orm::ConnectionTrait,
            table: Table,
            window: &$crate::stats::Window,
            interval: $crate::stats::Interval,
        ) -> Result<std::collections::BTreeMap<String, i64>, ::jiuzhu_core::DomainError> {
            match table {
                $( Table::$variant => $crate::created_per_period!(conn, $table, window, interval), )+
            }
        }
    };
}

/// Rows of the entity module `$table` (with `region_code` and `created_at`
/// columns) created per period of `$interval` in `$window`: how each area
/// counts its own tables for the time series.
#[macro_export]
macro_rules! created_per_period {
    ($conn:expr, $table:ident, $window:expr, $interval:expr) => {
        $crate::stats::count_by_period::<$table::Entity>(
            $conn,
            &$crate::stats::Counted { region: $table::Column::RegionCode, created_at: $table::Column::CreatedAt },
            $window,
            $interval,
            sea_orm::Condition::all(),
        )
        .await
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn months_run_from_the_first_period_to_the_last_inclusive() {
        assert_eq!(periods(Interval::Month, day(2024, 11, 15), day(2025, 2, 1)).unwrap(), ["2024-11", "2024-12", "2025-01", "2025-02"]);
        assert_eq!(periods(Interval::Day, day(2025, 2, 27), day(2025, 3, 1)).unwrap(), ["2025-02-27", "2025-02-28", "2025-03-01"]);
        assert_eq!(periods(Interval::Month, day(2025, 3, 1), day(2025, 2, 1)).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn too_long_a_series_is_refused() {
        assert!(periods(Interval::Month, day(2015, 1, 1), day(2024, 12, 31)).is_some(), "120 months");
        assert!(periods(Interval::Month, day(2015, 1, 1), day(2025, 1, 1)).is_none(), "121 months");
        assert!(periods(Interval::Day, day(2024, 1, 1), day(2025, 12, 31)).is_none());
    }

    #[test]
    fn days_are_beijing_days() {
        let late_utc = Utc.with_ymd_and_hms(2025, 1, 31, 16, 30, 0).unwrap();
        assert_eq!(report_day(late_utc), day(2025, 2, 1), "00:30 in Beijing is already February");
        assert_eq!(report_day(Utc.with_ymd_and_hms(2025, 1, 31, 15, 59, 0).unwrap()), day(2025, 1, 31));
    }
}
