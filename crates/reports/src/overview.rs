//! The pilot's overview figures (试点工作统计): the whole chain from intake to
//! evaluation counted for one region subtree and period, one aggregate query
//! per figure, each counted by the area that owns its table.

use chrono::{DateTime, Utc};
use jiuzhu_core::{Context, DomainError, Permission};
use jiuzhu_evaluation::figures as evaluation;
use jiuzhu_intake::figures as intake;
use jiuzhu_matching::figures as matching;
use jiuzhu_needs_assessment::figures as needs;
use jiuzhu_needs_assessment::needs::NeedStatus;
use jiuzhu_platform::Db;
use jiuzhu_platform::record::authorize;
pub use jiuzhu_platform::stats::Counts;
use jiuzhu_platform::stats::Window;
use jiuzhu_procurement::figures as procurement;
use jiuzhu_procurement::fund_figures::{self, FundsFigure};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"region_code": "640202", "from": "2025-01-01T00:00:00Z", "to": null,
    "beneficiaries_by_status": {"active": 1204, "inactive": 31},
    "applications_by_channel": {"walk_in": 310, "hotline": 122, "online": 95, "discovery": 41, "referral": 17},
    "applications_by_status": {"submitted": 40, "accepted": 520},
    "referrals_by_department": {"medical_insurance": 52, "education": 9},
    "referrals_by_status": {"pending": 6, "responded": 55}, "referrals_overdue": 2,
    "assessments_by_degree": {"general": 480, "serious": 190, "severe": 42},
    "open_needs_by_service": {"meals": 88, "bathing": 21},
    "orders_by_status": {"completed": 1630, "in_progress": 44},
    "projects_by_status": {"in_service": 3, "settled": 1},
    "evaluations_by_grade": {"excellent": 1, "good": 2, "none": 1},
    "beneficiaries_by_category": {"extreme_poverty": 130, "subsistence_allowance": 802, "marginal": 190, "rigid_expenditure": 60, "poverty_return_monitoring": 22},
    "beneficiaries_by_group": {"elderly": 610, "minor": 140, "disabled": 230, "seriously_ill": 75, "worker_in_hardship": 12, "woman": 640, "living_alone": 190, "left_behind": 44},
    "deliveries": 5120, "satisfaction": {"responses": 1422, "average": 4.61},
    "follow_ups_by_status": {"open": 130, "done": 1500}, "follow_ups_overdue": 9,
    "funds_by_year": {"2025": {"accounts": 1, "cap_fen": 300000, "committed_fen": 120000, "paid_fen": 60000, "sources_fen": {"fiscal_assistance": 300000}}}}))]
pub struct Overview {
    pub region_code: String,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// People registered in the period, by `active`/`inactive`.
    pub beneficiaries_by_status: Counts,
    pub applications_by_channel: Counts,
    pub applications_by_status: Counts,
    pub referrals_by_department: Counts,
    pub referrals_by_status: Counts,
    /// Referrals still pending or accepted past their due time, now.
    pub referrals_overdue: i64,
    /// Current (not superseded) assessments by degree.
    pub assessments_by_degree: Counts,
    /// Needs still waiting for a match, by service code.
    pub open_needs_by_service: Counts,
    pub orders_by_status: Counts,
    pub projects_by_status: Counts,
    /// Evaluations by grade; `none` until scored.
    pub evaluations_by_grade: Counts,
    /// Active people registered in the period, by category (a person may hold several).
    pub beneficiaries_by_category: Counts,
    /// Active people registered in the period, by group (a person may be in several).
    pub beneficiaries_by_group: Counts,
    /// Delivery records made in the period.
    pub deliveries: i64,
    /// Satisfaction feedback given in the period on orders in the region.
    pub satisfaction: Satisfaction,
    /// Follow-up visits scheduled in the period, `open` or `done`.
    pub follow_ups_by_status: Counts,
    /// Follow-ups still open past their due day, today.
    pub follow_ups_overdue: i64,
    /// Fund accounts of the region subtree by budget year (all years; the period does not apply).
    pub funds_by_year: BTreeMap<String, FundsFigure>,
}

/// How satisfied people said they were (1–5).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Satisfaction {
    pub responses: i64,
    /// The mean score, to two decimals; `null` without responses.
    pub average: Option<f64>,
}

impl Satisfaction {
    fn from_sum(responses: i64, sum: i64) -> Self {
        let average = (responses > 0).then(|| (sum as f64 / responses as f64 * 100.0).round() / 100.0);
        Self { responses, average }
    }
}

pub async fn overview(
    db: &Db,
    ctx: &Context,
    region_code: Option<&str>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<Overview, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryRead).await?;
    let (region, window) = Window::asked(&ctx.actor, region_code, from, to)?;
    let conn = db.reports();
    Ok(Overview {
        region_code: region.as_str().to_string(),
        from,
        to,
        beneficiaries_by_status: intake::people_by_status(conn, &window).await?,
        applications_by_channel: intake::applications_by_channel(conn, &window).await?,
        applications_by_status: intake::applications_by_status(conn, &window).await?,
        referrals_by_department: intake::referrals_by_department(conn, &window).await?,
        referrals_by_status: intake::referrals_by_status(conn, &window).await?,
        referrals_overdue: intake::referrals_overdue(conn, &window, ctx.now).await?,
        assessments_by_degree: needs::current_assessments_by_degree(conn, &window).await?,
        open_needs_by_service: needs::needs_by_service(conn, &window, Some(NeedStatus::Open)).await?,
        orders_by_status: matching::orders_by_status(conn, &window).await?,
        projects_by_status: procurement::projects_by_status(conn, &window).await?,
        evaluations_by_grade: evaluation::evaluations_by_grade(conn, &window).await?,
        beneficiaries_by_category: intake::active_people_by_category(conn, &window).await?,
        beneficiaries_by_group: intake::active_people_by_group(conn, &window, ctx.now.date_naive()).await?,
        deliveries: matching::deliveries(conn, &window).await?,
        satisfaction: satisfaction(conn, &window).await?,
        follow_ups_by_status: matching::follow_ups_by_status(conn, &window).await?,
        follow_ups_overdue: matching::follow_ups_overdue(conn, &window, ctx.now.date_naive()).await?,
        funds_by_year: fund_figures::by_year(conn, &window).await?,
    })
}

/// Feedback given in the window on orders in the window's region.
pub(crate) async fn satisfaction(conn: &impl ConnectionTrait, window: &Window) -> Result<Satisfaction, DomainError> {
    let totals = matching::satisfaction(conn, window).await?;
    Ok(Satisfaction::from_sum(totals.responses, totals.sum))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_satisfaction_rounds_to_hundredths_and_is_null_without_answers() {
        assert_eq!(Satisfaction::from_sum(3, 14).average, Some(4.67));
        assert_eq!(Satisfaction::from_sum(2, 10).average, Some(5.0));
        assert_eq!(Satisfaction::from_sum(0, 0).average, None);
    }
}
