//! Monthly (or daily) series of the pilot's figures for front-end charts:
//! how many rows of one kind were created per period in a region subtree,
//! every period present (zero when nothing happened), one aggregate query,
//! made by the area that owns the table.

use chrono::{DateTime, Datelike, Months, Utc};
use jiuzhu_core::{Context, DomainError, Permission};
use jiuzhu_platform::Db;
use jiuzhu_platform::record::authorize;
use jiuzhu_platform::stats::{Interval, Window, periods, report_day};
use serde::Serialize;
use utoipa::ToSchema;

jiuzhu_core::coded_enum! {
    /// What a series counts: rows created per period.
    pub enum Metric as "metric" {
        /// People added to the service target list
        Beneficiaries = "beneficiaries", "服务对象", "People registered";
        /// One-form applications received
        Applications = "applications", "救助申请", "Applications";
        /// Transfers to departments
        Referrals = "referrals", "转办", "Referrals";
        /// Needs assessments made
        Assessments = "assessments", "需求评估", "Assessments";
        /// Service needs identified
        Needs = "needs", "服务需求", "Needs";
        /// Service orders sent
        Orders = "orders", "服务订单", "Service orders";
        /// Delivery records made
        Deliveries = "deliveries", "服务记录", "Deliveries";
        /// Follow-up visits scheduled
        FollowUps = "follow_ups", "回访", "Follow-ups";
        /// Procurement projects created
        Projects = "projects", "购买项目", "Procurement projects";
        /// Evaluations started
        Evaluations = "evaluations", "绩效评估", "Evaluations";
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Point {
    /// `YYYY-MM` or `YYYY-MM-DD`, in Beijing time.
    pub period: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"metric": "applications", "interval": "month", "region_code": "640202", "from": "2025-01-01T00:00:00Z", "to": "2025-04-01T00:00:00Z", "utc_offset": "+08:00",
    "points": [{"period": "2025-01", "count": 41}, {"period": "2025-02", "count": 0}, {"period": "2025-03", "count": 57}]}))]
pub struct Timeseries {
    pub metric: Metric,
    pub interval: Interval,
    pub region_code: String,
    /// The window counted, `[from, to)`.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Periods are calendar days or months at this offset.
    pub utc_offset: String,
    /// Every period of the window, oldest first, zero when nothing was created.
    pub points: Vec<Point>,
}

/// The series of `metric` over `[from, to)`; by default the last twelve
/// months (by month) or thirty days (by day) up to now.
pub async fn series(
    db: &Db,
    ctx: &Context,
    metric: Metric,
    interval: Interval,
    region_code: Option<&str>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<Timeseries, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryRead).await?;
    let to = to.unwrap_or(ctx.now);
    let from = from.unwrap_or_else(|| default_start(interval, to));
    let (region, window) = Window::asked(&ctx.actor, region_code, Some(from), Some(to))?;
    // `to` is exclusive: the last period is the one holding the instant just before it.
    let last_day = report_day(to - chrono::Duration::milliseconds(1));
    let labels = periods(interval, report_day(from), last_day).ok_or_else(|| {
        DomainError::field("from", "too_many_periods", format!("a series spans at most {} periods; narrow from/to", interval.max_points()))
    })?;
    let counts = count(db, metric, interval, &window).await?;
    let points = labels.into_iter().map(|period| Point { count: counts.get(&period).copied().unwrap_or(0), period }).collect();
    Ok(Timeseries { metric, interval, region_code: region.to_string(), from, to, utc_offset: "+08:00".into(), points })
}

fn default_start(interval: Interval, to: DateTime<Utc>) -> DateTime<Utc> {
    match interval {
        Interval::Day => to - chrono::Duration::days(30),
        Interval::Month => {
            let day = report_day(to);
            let first = day.with_day(1).and_then(|d| d.checked_sub_months(Months::new(11))).unwrap_or(day);
            // Midnight of that day in Beijing is 16:00 UTC the day before.
            first.and_hms_opt(0, 0, 0).map(|m| m.and_utc() - chrono::Duration::hours(8)).unwrap_or(to)
        }
    }
}

/// Each metric is counted by the area that owns its table.
async fn count(
    db: &Db,
    metric: Metric,
    interval: Interval,
    window: &Window,
) -> Result<std::collections::BTreeMap<String, i64>, DomainError> {
    use jiuzhu_evaluation::figures::{self as evaluation, Table as Evaluation};
    use jiuzhu_intake::figures::{self as intake, Table as Intake};
    use jiuzhu_matching::figures::{self as matching, Table as Matching};
    use jiuzhu_needs_assessment::figures::{self as needs, Table as Needs};
    use jiuzhu_procurement::figures::{self as procurement, Table as Procurement};
    let conn = db.reports();
    match metric {
        Metric::Beneficiaries => intake::created_per_period(conn, Intake::Beneficiaries, window, interval).await,
        Metric::Applications => intake::created_per_period(conn, Intake::Applications, window, interval).await,
        Metric::Referrals => intake::created_per_period(conn, Intake::Referrals, window, interval).await,
        Metric::Assessments => needs::created_per_period(conn, Needs::Assessments, window, interval).await,
        Metric::Needs => needs::created_per_period(conn, Needs::Needs, window, interval).await,
        Metric::Orders => matching::created_per_period(conn, Matching::Orders, window, interval).await,
        Metric::Deliveries => matching::created_per_period(conn, Matching::Deliveries, window, interval).await,
        Metric::FollowUps => matching::created_per_period(conn, Matching::FollowUps, window, interval).await,
        Metric::Projects => procurement::created_per_period(conn, Procurement::Projects, window, interval).await,
        Metric::Evaluations => evaluation::created_per_period(conn, Evaluation::Evaluations, window, interval).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_default_month_window_starts_eleven_months_back_at_beijing_midnight() {
        let now = Utc.with_ymd_and_hms(2025, 3, 15, 10, 0, 0).unwrap();
        assert_eq!(default_start(Interval::Month, now), Utc.with_ymd_and_hms(2024, 3, 31, 16, 0, 0).unwrap());
        let labels = periods(Interval::Month, report_day(default_start(Interval::Month, now)), report_day(now)).unwrap();
        assert_eq!((labels.len(), labels[0].as_str(), labels[11].as_str()), (12, "2024-04", "2025-03"));
    }
}
