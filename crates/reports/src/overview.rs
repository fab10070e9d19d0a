//! The pilot's overview figures (试点工作统计): the whole chain from intake to
//! evaluation counted for one region subtree and period, one aggregate query
//! per figure. Evaluation owns it because it sits at the end of the chain and
//! sees every domain.

use chrono::{DateTime, Utc};
use jiuzhu_core::codes::code_of;
use jiuzhu_core::{Context, DomainError, Permission};
use jiuzhu_evaluation::entity::evaluation;
use jiuzhu_intake::beneficiaries::{BeneficiaryStatus, Category, Group, holds_category, in_group};
use jiuzhu_intake::entity::{application, beneficiary, referral};
use jiuzhu_intake::rules::ReferralStatus;
use jiuzhu_matching::entity::{delivery, follow_up, service_order};
use jiuzhu_matching::follow_ups;
use jiuzhu_needs_assessment::entity::{assessment, need};
use jiuzhu_needs_assessment::needs::NeedStatus;
use jiuzhu_platform::Db;
use jiuzhu_platform::record::authorize;
use jiuzhu_platform::stats::{Counted, Window, count, count_by};
use jiuzhu_procurement::entity::procurement_project;
use jiuzhu_procurement::fund_figures::{self, FundsFigure};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Counts keyed by code (status, channel, degree, service, grade).
pub type Counts = BTreeMap<String, i64>;

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
    "funds_by_year": {"2025": {"accounts": 1, "cap_fen": 300000, "committed_fen": 120000, "paid_fen": 60000}}}))]
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
    let all = Condition::all;
    let beneficiaries = Counted { region: beneficiary::Column::RegionCode, created_at: beneficiary::Column::CreatedAt };
    let applications = Counted { region: application::Column::RegionCode, created_at: application::Column::CreatedAt };
    let referrals = Counted { region: referral::Column::RegionCode, created_at: referral::Column::CreatedAt };
    let assessments = Counted { region: assessment::Column::RegionCode, created_at: assessment::Column::CreatedAt };
    let needs = Counted { region: need::Column::RegionCode, created_at: need::Column::CreatedAt };
    let orders = Counted { region: service_order::Column::RegionCode, created_at: service_order::Column::CreatedAt };
    let projects = Counted { region: procurement_project::Column::RegionCode, created_at: procurement_project::Column::CreatedAt };
    let evaluations = Counted { region: evaluation::Column::RegionCode, created_at: evaluation::Column::CreatedAt };
    let deliveries = Counted { region: delivery::Column::RegionCode, created_at: delivery::Column::CreatedAt };
    let follow_ups = Counted { region: follow_up::Column::RegionCode, created_at: follow_up::Column::CreatedAt };
    let today = ctx.now.date_naive();
    let open_referral = referral::Column::Status.is_in([ReferralStatus::Pending.code(), ReferralStatus::Accepted.code()]);
    Ok(Overview {
        region_code: region.as_str().to_string(),
        from,
        to,
        beneficiaries_by_status: count_by::<beneficiary::Entity>(conn, &beneficiaries, &window, beneficiary::Column::Status, all()).await?,
        applications_by_channel: count_by::<application::Entity>(conn, &applications, &window, application::Column::Channel, all()).await?,
        applications_by_status: count_by::<application::Entity>(conn, &applications, &window, application::Column::Status, all()).await?,
        referrals_by_department: count_by::<referral::Entity>(conn, &referrals, &window, referral::Column::Department, all()).await?,
        referrals_by_status: count_by::<referral::Entity>(conn, &referrals, &window, referral::Column::Status, all()).await?,
        referrals_overdue: count::<referral::Entity>(
            conn,
            &referrals,
            &window,
            all().add(open_referral).add(referral::Column::DueAt.lt(ctx.now)),
        )
        .await?,
        assessments_by_degree: count_by::<assessment::Entity>(
            conn,
            &assessments,
            &window,
            assessment::Column::Degree,
            all().add(assessment::Column::SupersededBy.is_null()),
        )
        .await?,
        open_needs_by_service: count_by::<need::Entity>(
            conn,
            &needs,
            &window,
            need::Column::ServiceCode,
            all().add(need::Column::Status.eq(code_of(NeedStatus::Open))),
        )
        .await?,
        orders_by_status: count_by::<service_order::Entity>(conn, &orders, &window, service_order::Column::Status, all()).await?,
        projects_by_status: count_by::<procurement_project::Entity>(conn, &projects, &window, procurement_project::Column::Status, all())
            .await?,
        evaluations_by_grade: count_by::<evaluation::Entity>(conn, &evaluations, &window, evaluation::Column::Grade, all()).await?,
        beneficiaries_by_category: count_each(conn, &beneficiaries, &window, Category::ALL.map(|c| (code_of(c), holds_category(c))))
            .await?,
        beneficiaries_by_group: count_each(conn, &beneficiaries, &window, Group::ALL.map(|g| (g.code().to_string(), in_group(g, today))))
            .await?,
        deliveries: count::<delivery::Entity>(conn, &deliveries, &window, all()).await?,
        satisfaction: satisfaction(conn, &window).await?,
        follow_ups_by_status: count_by::<follow_up::Entity>(conn, &follow_ups, &window, follow_up::Column::Status, all()).await?,
        follow_ups_overdue: count::<follow_up::Entity>(
            conn,
            &follow_ups,
            &window,
            all().add(follow_up::Column::Status.eq(follow_ups::OPEN)).add(follow_up::Column::DueOn.lt(ctx.now.date_naive())),
        )
        .await?,
        funds_by_year: fund_figures::by_year(conn, &window.region_pattern).await?,
    })
}

/// Active beneficiaries matching each keyed condition (the list's own
/// category and group filters), one count query per key.
async fn count_each(
    conn: &impl ConnectionTrait,
    table: &Counted<beneficiary::Column>,
    window: &Window,
    keyed: impl IntoIterator<Item = (String, Condition)>,
) -> Result<Counts, DomainError> {
    let mut counts = Counts::new();
    for (key, condition) in keyed {
        let active = Condition::all().add(beneficiary::Column::Status.eq(BeneficiaryStatus::Active.code())).add(condition);
        counts.insert(key, count::<beneficiary::Entity>(conn, table, window, active).await?);
    }
    Ok(counts)
}

/// Feedback given in the window on orders in the window's region.
pub(crate) async fn satisfaction(conn: &impl ConnectionTrait, window: &Window) -> Result<Satisfaction, DomainError> {
    let in_region = Condition::all().add(service_order::Column::RegionCode.like(window.region_pattern.as_str()));
    let totals = jiuzhu_matching::satisfaction::totals(conn, in_region, window.from, window.to).await?;
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
