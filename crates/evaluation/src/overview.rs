//! The pilot's overview figures (试点工作统计): the whole chain from intake to
//! evaluation counted for one region subtree and period, one aggregate query
//! per figure. Evaluation owns it because it sits at the end of the chain and
//! sees every domain.

use crate::entity::evaluation;
use chrono::{DateTime, Utc};
use jiuzhu_core::codes::code_of;
use jiuzhu_core::{Context, DomainError, Permission};
use jiuzhu_intake::entity::{application, beneficiary, referral};
use jiuzhu_intake::rules::ReferralStatus;
use jiuzhu_matching::entity::service_order;
use jiuzhu_needs_assessment::entity::{assessment, need};
use jiuzhu_needs_assessment::needs::NeedStatus;
use jiuzhu_platform::Db;
use jiuzhu_platform::record::authorize;
use jiuzhu_platform::stats::{Counted, Window, count, count_by};
use jiuzhu_procurement::entity::procurement_project;
use sea_orm::{ColumnTrait, Condition};
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
    "evaluations_by_grade": {"excellent": 1, "good": 2, "none": 1}}))]
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
}

pub async fn overview(
    db: &Db,
    ctx: &Context,
    region_code: Option<&str>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<Overview, DomainError> {
    authorize(db, ctx, Permission::BeneficiaryRead).await?;
    let region = ctx.actor.region_within(region_code)?;
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        return Err(DomainError::field("to", "before_from", "to must be after from"));
    }
    let window = Window { region_pattern: format!("{}%", region.subtree_prefix()), from, to };
    let conn = db.conn();
    let all = Condition::all;
    let beneficiaries = Counted { region: beneficiary::Column::RegionCode, created_at: beneficiary::Column::CreatedAt };
    let applications = Counted { region: application::Column::RegionCode, created_at: application::Column::CreatedAt };
    let referrals = Counted { region: referral::Column::RegionCode, created_at: referral::Column::CreatedAt };
    let assessments = Counted { region: assessment::Column::RegionCode, created_at: assessment::Column::CreatedAt };
    let needs = Counted { region: need::Column::RegionCode, created_at: need::Column::CreatedAt };
    let orders = Counted { region: service_order::Column::RegionCode, created_at: service_order::Column::CreatedAt };
    let projects = Counted { region: procurement_project::Column::RegionCode, created_at: procurement_project::Column::CreatedAt };
    let evaluations = Counted { region: evaluation::Column::RegionCode, created_at: evaluation::Column::CreatedAt };
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
    })
}
