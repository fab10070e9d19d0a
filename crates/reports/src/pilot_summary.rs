//! The pilot summary (试点工作总结): the figures the city's summary report
//! needs for one region subtree and period: the overall scale, results by
//! service category, the key townships (重点乡镇) against the rest, funds
//! under the 3% cap, government purchase, evaluation, and the problems
//! found. Every figure is an aggregate query; key-township figures
//! are summed over the marked townships and the rest is the difference.

use crate::overview::Satisfaction;
use chrono::{DateTime, Utc};
use jiuzhu_core::catalogue;
use jiuzhu_core::{Context, DomainError, Permission};
use jiuzhu_evaluation::figures as evaluation;
use jiuzhu_intake::figures as intake;
use jiuzhu_intake::figures::ReferralHandling;
use jiuzhu_matching::figures as matching;
use jiuzhu_matching::follow_ups::FollowUpStatus;
use jiuzhu_matching::inspections::InspectionResult;
use jiuzhu_matching::rules::OrderStatus;
use jiuzhu_needs_assessment::figures as needs;
use jiuzhu_needs_assessment::needs::NeedStatus;
use jiuzhu_platform::record::authorize;
use jiuzhu_platform::stats::{Counts, Window, count_of, total};
use jiuzhu_platform::{Db, departments, regions};
use jiuzhu_procurement::figures as procurement;
use jiuzhu_procurement::fund_figures::{self, FundsFigure};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use std::collections::BTreeMap;
use std::ops::{AddAssign, Sub};
use utoipa::ToSchema;

/// Figures of one area: the part of the chain that happens in a township.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct AreaFigures {
    /// Active people registered in the period.
    pub beneficiaries: i64,
    pub applications: i64,
    /// Service needs identified.
    pub needs: i64,
    /// Of those, still waiting for a match.
    pub needs_open: i64,
    pub orders: i64,
    pub orders_completed: i64,
    pub deliveries: i64,
    pub follow_ups_done: i64,
}

impl AddAssign<&AreaFigures> for AreaFigures {
    fn add_assign(&mut self, other: &AreaFigures) {
        self.beneficiaries += other.beneficiaries;
        self.applications += other.applications;
        self.needs += other.needs;
        self.needs_open += other.needs_open;
        self.orders += other.orders;
        self.orders_completed += other.orders_completed;
        self.deliveries += other.deliveries;
        self.follow_ups_done += other.follow_ups_done;
    }
}

impl Sub<&AreaFigures> for &AreaFigures {
    type Output = AreaFigures;
    fn sub(self, other: &AreaFigures) -> AreaFigures {
        AreaFigures {
            beneficiaries: self.beneficiaries - other.beneficiaries,
            applications: self.applications - other.applications,
            needs: self.needs - other.needs,
            needs_open: self.needs_open - other.needs_open,
            orders: self.orders - other.orders,
            orders_completed: self.orders_completed - other.orders_completed,
            deliveries: self.deliveries - other.deliveries,
            follow_ups_done: self.follow_ups_done - other.follow_ups_done,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Scale {
    #[serde(flatten)]
    pub area: AreaFigures,
    /// Current (not superseded) assessments made in the period.
    pub assessments: i64,
    /// Transfers of non-service needs to departments.
    pub referrals: i64,
    pub satisfaction: Satisfaction,
}

/// Results for one service category of the catalogue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct CategoryFigures {
    /// `care`, `daily_living`, `caring` (the catalogue's) or `other` (local services).
    pub category: String,
    pub needs: i64,
    pub needs_open: i64,
    pub orders: i64,
    pub orders_completed: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyTownship {
    pub code: String,
    pub name_zh: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyComparison {
    /// The key townships inside the region (marked with `PATCH /regions/{code}`).
    pub townships: Vec<KeyTownship>,
    /// Their figures, summed.
    pub key: AreaFigures,
    /// Everywhere else in the region.
    pub rest: AreaFigures,
}

/// Transfers to one department (部门转办) and how timely it handled them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DepartmentReferrals {
    /// The department's code (`GET /departments`).
    pub department: String,
    pub name_zh: String,
    #[serde(flatten)]
    pub handling: ReferralHandling,
}

/// Government purchase of services (政府购买) in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProcurementFigures {
    /// Projects created in the period, by status.
    pub projects_by_status: Counts,
    /// Projects created in the period, by procurement method.
    pub projects_by_method: Counts,
    /// Their budgets in fen, by procurement method.
    pub budget_fen_by_method: Counts,
    /// Contracts signed in the period, by status.
    pub contracts_by_status: Counts,
    /// Sanctions against providers recorded in the period.
    pub sanctions: i64,
}

/// Evaluation of purchased projects (项目评估) in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EvaluationFigures {
    /// Evaluations started in the period, by grade; `none` until scored.
    pub evaluations_by_grade: Counts,
    /// Appeals against them, by status.
    pub appeals_by_status: Counts,
}

/// What went wrong, for the report's problems section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Problems {
    /// Referrals still open past their due time, now.
    pub referrals_overdue: i64,
    /// Follow-up visits still open past their due day, now.
    pub follow_ups_overdue: i64,
    /// Random inspections in the period that found an issue, of all made.
    pub inspections_failed: i64,
    pub inspections: i64,
    /// Orders declined by the provider or cancelled.
    pub orders_declined_or_cancelled: i64,
    /// Appeals against evaluations of the region's projects, by status.
    pub appeals_by_status: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"region_code": "640202", "region_name": "大武口区", "from": "2024-10-01T00:00:00Z", "to": "2025-08-01T00:00:00Z",
    "scale": {"beneficiaries": 1204, "applications": 585, "needs": 2310, "needs_open": 120, "orders": 1700, "orders_completed": 1630, "deliveries": 5120, "follow_ups_done": 1500, "assessments": 712, "referrals": 61, "satisfaction": {"responses": 1422, "average": 4.61}},
    "by_service_category": [{"category": "care", "needs": 610, "needs_open": 40, "orders": 420, "orders_completed": 400}, {"category": "daily_living", "needs": 1500, "needs_open": 70, "orders": 1180, "orders_completed": 1140}],
    "key_townships": {"townships": [{"code": "640202001", "name_zh": "长胜街道"}], "key": {"beneficiaries": 420, "applications": 230, "needs": 900, "needs_open": 30, "orders": 700, "orders_completed": 690, "deliveries": 2300, "follow_ups_done": 650},
        "rest": {"beneficiaries": 784, "applications": 355, "needs": 1410, "needs_open": 90, "orders": 1000, "orders_completed": 940, "deliveries": 2820, "follow_ups_done": 850}},
    "referrals_by_department": [{"department": "medical_insurance", "name_zh": "医保局", "made": 40, "completed": 35, "completed_on_time": 33, "open": 4, "overdue": 1}],
    "funds_by_year": {"2025": {"accounts": 1, "cap_fen": 300000, "committed_fen": 120000, "paid_fen": 60000, "sources_fen": {"fiscal_assistance": 300000}}},
    "procurement": {"projects_by_status": {"in_service": 2, "settled": 1}, "projects_by_method": {"open_tender": 1, "competitive_consultation": 2}, "budget_fen_by_method": {"open_tender": 80000, "competitive_consultation": 40000}, "contracts_by_status": {"active": 2, "completed": 1}, "sanctions": 0},
    "evaluation": {"evaluations_by_grade": {"good": 2, "none": 1}, "appeals_by_status": {"upheld": 1}},
    "problems": {"referrals_overdue": 2, "follow_ups_overdue": 9, "inspections_failed": 3, "inspections": 40, "orders_declined_or_cancelled": 12, "appeals_by_status": {"upheld": 1}},
    "generated_at": "2025-08-01T09:30:00Z"}))]
pub struct PilotSummary {
    pub region_code: String,
    pub region_name: String,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub scale: Scale,
    /// Catalogue categories in catalogue order, then `other`.
    pub by_service_category: Vec<CategoryFigures>,
    pub key_townships: KeyComparison,
    /// Referrals made in the period, by department in code order.
    pub referrals_by_department: Vec<DepartmentReferrals>,
    /// Fund accounts of the region subtree by budget year (all years; the period does not apply).
    pub funds_by_year: BTreeMap<String, FundsFigure>,
    pub procurement: ProcurementFigures,
    pub evaluation: EvaluationFigures,
    pub problems: Problems,
    /// When the figures were counted.
    pub generated_at: DateTime<Utc>,
}

/// The area's figures, and its orders by status (which the problems section reads too).
async fn area(conn: &impl ConnectionTrait, window: &Window) -> Result<(AreaFigures, Counts), DomainError> {
    let needs = needs::needs_by_status(conn, window).await?;
    let orders = matching::orders_by_status(conn, window).await?;
    let follow_ups = matching::follow_ups_by_status(conn, window).await?;
    let figures = AreaFigures {
        beneficiaries: intake::active_people(conn, window).await?,
        applications: total(&intake::applications_by_status(conn, window).await?),
        needs: total(&needs),
        needs_open: count_of(&needs, NeedStatus::Open.code()),
        orders: total(&orders),
        orders_completed: count_of(&orders, OrderStatus::Completed.code()),
        deliveries: matching::deliveries(conn, window).await?,
        follow_ups_done: count_of(&follow_ups, FollowUpStatus::Done.code()),
    };
    Ok((figures, orders))
}

/// The catalogue category of a service code; local services are `other`.
fn category_of(service_code: &str) -> String {
    catalogue::find(service_code).map(|entry| entry.2.to_string()).unwrap_or_else(|| "other".into())
}

async fn by_service_category(conn: &impl ConnectionTrait, window: &Window) -> Result<Vec<CategoryFigures>, DomainError> {
    let mut categories: Vec<CategoryFigures> = Vec::new();
    for entry in catalogue::GUIDANCE_CATALOGUE {
        if !categories.iter().any(|c| c.category == entry.2.code()) {
            categories.push(CategoryFigures { category: entry.2.to_string(), ..CategoryFigures::default() });
        }
    }
    categories.push(CategoryFigures { category: "other".into(), ..CategoryFigures::default() });
    let mut add = |by_service: Counts, apply: &dyn Fn(&mut CategoryFigures, i64)| {
        for (service, n) in by_service {
            let category = category_of(&service);
            if let Some(figures) = categories.iter_mut().find(|c| c.category == category) {
                apply(figures, n);
            }
        }
    };
    add(needs::needs_by_service(conn, window, None).await?, &|f, n| f.needs += n);
    add(needs::needs_by_service(conn, window, Some(NeedStatus::Open)).await?, &|f, n| f.needs_open += n);
    add(matching::orders_by_service(conn, window, None).await?, &|f, n| f.orders += n);
    add(matching::orders_by_service(conn, window, Some(OrderStatus::Completed)).await?, &|f, n| f.orders_completed += n);
    Ok(categories)
}

async fn problems(
    conn: &impl ConnectionTrait,
    window: &Window,
    now: DateTime<Utc>,
    orders: &Counts,
    appeals: &Counts,
) -> Result<Problems, DomainError> {
    let inspections = matching::inspections_by_result(conn, window).await?;
    Ok(Problems {
        referrals_overdue: intake::referrals_overdue(conn, window, now).await?,
        follow_ups_overdue: matching::follow_ups_overdue(conn, window, now.date_naive()).await?,
        inspections_failed: count_of(&inspections, InspectionResult::IssueFound.code()),
        inspections: total(&inspections),
        orders_declined_or_cancelled: count_of(orders, OrderStatus::Declined.code()) + count_of(orders, OrderStatus::Cancelled.code()),
        appeals_by_status: appeals.clone(),
    })
}

async fn referrals_by_department(
    conn: &impl ConnectionTrait,
    window: &Window,
    now: DateTime<Utc>,
) -> Result<Vec<DepartmentReferrals>, DomainError> {
    let names = departments::names_zh(conn).await?;
    Ok(intake::referral_handling_by_department(conn, window, now)
        .await?
        .into_iter()
        .map(|(department, handling)| DepartmentReferrals {
            name_zh: names.get(&department).cloned().unwrap_or_else(|| department.clone()),
            department,
            handling,
        })
        .collect())
}

pub async fn summary(
    db: &Db,
    ctx: &Context,
    region_code: Option<&str>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<PilotSummary, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryRead).await?;
    let (region, window) = Window::asked(&ctx.actor, region_code, from, to)?;
    let conn = db.reports();
    let region_name = regions::find(conn, &region).await?.map(|r| r.name_zh).unwrap_or_default();

    let (whole, orders) = area(conn, &window).await?;
    let key_townships = regions::key_townships_under(conn, &region).await?;
    let mut key = AreaFigures::default();
    for township in &key_townships {
        let code = jiuzhu_core::RegionCode::parse(&township.code).map_err(DomainError::Internal)?;
        key += &area(conn, &Window::of_region(&code, from, to)).await?.0;
    }
    let rest = &whole - &key;

    let scale = Scale {
        area: whole,
        assessments: needs::current_assessments(conn, &window).await?,
        referrals: total(&intake::referrals_by_status(conn, &window).await?),
        satisfaction: crate::overview::satisfaction(conn, &window).await?,
    };
    let appeals = evaluation::appeals_by_status(conn, &window).await?;
    Ok(PilotSummary {
        region_code: region.to_string(),
        region_name,
        from,
        to,
        scale,
        by_service_category: by_service_category(conn, &window).await?,
        key_townships: KeyComparison {
            townships: key_townships.into_iter().map(|t| KeyTownship { code: t.code, name_zh: t.name_zh }).collect(),
            key,
            rest,
        },
        referrals_by_department: referrals_by_department(conn, &window, ctx.now).await?,
        funds_by_year: fund_figures::by_year(conn, &window).await?,
        procurement: ProcurementFigures {
            projects_by_status: procurement::projects_by_status(conn, &window).await?,
            projects_by_method: procurement::projects_by_method(conn, &window).await?,
            budget_fen_by_method: procurement::budget_fen_by_method(conn, &window).await?,
            contracts_by_status: procurement::contracts_by_status(conn, &window).await?,
            sanctions: procurement::sanctions(conn, &window).await?,
        },
        evaluation: EvaluationFigures {
            evaluations_by_grade: evaluation::evaluations_by_grade(conn, &window).await?,
            appeals_by_status: appeals.clone(),
        },
        problems: problems(conn, &window, ctx.now, &orders, &appeals).await?,
        generated_at: ctx.now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rest_is_the_whole_less_the_key_townships() {
        let whole = AreaFigures { beneficiaries: 10, needs: 7, orders: 5, deliveries: 9, ..AreaFigures::default() };
        let mut key = AreaFigures::default();
        key += &AreaFigures { beneficiaries: 3, needs: 2, ..AreaFigures::default() };
        key += &AreaFigures { beneficiaries: 1, orders: 4, ..AreaFigures::default() };
        let rest = &whole - &key;
        assert_eq!((rest.beneficiaries, rest.needs, rest.orders, rest.deliveries), (6, 5, 1, 9));
    }

    #[test]
    fn services_fall_in_their_catalogue_category_or_other() {
        assert_eq!(category_of("meals"), "daily_living");
        assert_eq!(category_of("visits"), "care");
        assert_eq!(category_of("local_tea_service"), "other");
    }
}
