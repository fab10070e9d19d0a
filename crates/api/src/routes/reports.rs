//! `/reports`: the pilot's figures, counted in the database for the caller's area.

use crate::extract::Ctx;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use jiuzhu_platform::stats::Interval;
use jiuzhu_reports::overview::{self, Overview};
use jiuzhu_reports::pilot_summary::{self, PilotSummary};
use jiuzhu_reports::timeseries::{self, Metric, Timeseries};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverviewQuery {
    /// Defaults to the caller's region; a region outside it answers 404.
    pub region_code: Option<String>,
    /// Count rows created at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Count rows created before this instant.
    pub to: Option<DateTime<Utc>>,
}

/// The pilot overview
///
/// For a region subtree and the rows created in `[from, to)`: beneficiaries
/// by status, category and group (the list's own filters); applications by
/// channel and status; referrals by department and status, with the overdue
/// count; current assessments by degree; open needs by service; orders by
/// status; delivery records; satisfaction (responses and mean score);
/// follow-up visits by status, with the overdue count; projects by status;
/// evaluations by grade; and, by budget year, the fund accounts' cap, the
/// money committed and the money paid (in fen). Each figure is one
/// aggregate query; nothing is loaded row by row.
///
/// Permission: `beneficiary:read`.
#[utoipa::path(
    tag = "reports",
    operation_id = "getOverview",
    params(OverviewQuery),
    responses((status = 200, description = "The figures", body = Overview), (status = 404, description = "The region is outside the caller's"))
)]
#[get("/reports/overview")]
pub async fn get_overview(state: web::Data<AppState>, Ctx(ctx): Ctx, query: web::Query<OverviewQuery>) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    Ok(HttpResponse::Ok().json(overview::overview(&state.db, &ctx, q.region_code.as_deref(), q.from, q.to).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimeseriesQuery {
    /// What to count.
    pub metric: Metric,
    /// `month` (default) or `day`.
    pub interval: Option<Interval>,
    /// Defaults to the caller's region; a region outside it answers 404.
    pub region_code: Option<String>,
    /// Start of the window; by default twelve months (or thirty days) before `to`.
    pub from: Option<DateTime<Utc>>,
    /// End of the window, exclusive; by default now.
    pub to: Option<DateTime<Utc>>,
}

/// A figure over time
///
/// How many rows of one kind (applications, needs, orders, deliveries, …)
/// were created per month or day in a region subtree, for charts. Every
/// period of the window is present, zero when nothing happened; periods are
/// calendar months or days in Beijing time (UTC+08:00). At most 120 months
/// or 400 days (422 `too_many_periods`).
///
/// Permission: `beneficiary:read`.
#[utoipa::path(
    tag = "reports",
    operation_id = "getTimeseries",
    params(TimeseriesQuery),
    responses((status = 200, description = "The series", body = Timeseries), (status = 404, description = "The region is outside the caller's"))
)]
#[get("/reports/timeseries")]
pub async fn get_timeseries(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<TimeseriesQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let interval = q.interval.unwrap_or(Interval::Month);
    let series = timeseries::series(&state.db, &ctx, q.metric, interval, q.region_code.as_deref(), q.from, q.to).await?;
    Ok(HttpResponse::Ok().json(series))
}

jiuzhu_core::coded_enum! {
    /// How the pilot summary is answered.
    #[derive(Default)]
    pub enum SummaryFormat as "summary_format" {
        /// The figures as JSON
        #[default]
        Json = "json", "JSON数据", "JSON data";
        /// A printable HTML page with tables and inline SVG charts
        Html = "html", "可打印网页", "Printable HTML";
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PilotSummaryQuery {
    /// Defaults to the caller's region; a region outside it answers 404.
    pub region_code: Option<String>,
    /// Count rows created at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Count rows created before this instant.
    pub to: Option<DateTime<Utc>>,
    /// `json` (default) or `html`.
    pub format: Option<SummaryFormat>,
}

/// The pilot summary
///
/// The figures the pilot's summary report (试点工作总结) needs for a region
/// subtree and the rows created in `[from, to)`: the overall scale, results
/// by service category, the key townships (marked with `PATCH
/// /regions/{code}`) against the rest of the region, each department's
/// referrals and their timeliness, funds by budget year under the 3% cap
/// with their sources, government purchase, evaluation, and the problems
/// (overdue referrals and follow-ups, failed inspections, declined or
/// cancelled orders, appeals). `format=html` answers a page that prints on
/// A4 with tables and inline SVG charts, a running header, page numbers,
/// the issuing unit and a signature line; it loads nothing from elsewhere.
///
/// Permission: `beneficiary:read`.
#[utoipa::path(
    tag = "reports",
    operation_id = "getPilotSummary",
    params(PilotSummaryQuery),
    responses(
        (status = 200, description = "The figures as JSON by default; the printable page as `text/html` with `format=html` (the query decides, not `Accept`)", content(
            (PilotSummary = "application/json"),
            (String = "text/html", example = json!("<!doctype html><html lang=\"zh-CN\">…</html>"))
        )),
        (status = 404, description = "The region is outside the caller's"),
    )
)]
#[get("/reports/pilot-summary")]
pub async fn get_pilot_summary(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    query: web::Query<PilotSummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let summary = pilot_summary::summary(&state.db, &ctx, q.region_code.as_deref(), q.from, q.to).await?;
    Ok(match q.format.unwrap_or_default() {
        SummaryFormat::Json => HttpResponse::Ok().json(summary),
        SummaryFormat::Html => HttpResponse::Ok().content_type("text/html; charset=utf-8").body(crate::pilot_page::render(&summary)),
    })
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_overview).service(get_timeseries).service(get_pilot_summary);
}
