//! The figures reports take from intake's tables, counted here so that
//! no report reads them: people, applications and referrals in a region
//! subtree and creation window, one aggregate query per figure, and rows
//! created per period for the time series.

use crate::beneficiaries::{BeneficiaryStatus, Category, Group, holds_category, in_group};
use crate::entity::{application, beneficiary, referral};
use crate::rules::ReferralStatus;
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_core::DomainError;
use jiuzhu_platform::stats::{Counted, Counts, Window, count, count_by};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

jiuzhu_platform::counted_tables! {
    /// People on the service target list
    Beneficiaries => beneficiary,
    /// One-form applications
    Applications => application,
    /// Transfers to departments
    Referrals => referral,
}

const PEOPLE: Counted<beneficiary::Column> =
    Counted { region: beneficiary::Column::RegionCode, created_at: beneficiary::Column::CreatedAt };
const APPLICATIONS: Counted<application::Column> =
    Counted { region: application::Column::RegionCode, created_at: application::Column::CreatedAt };
const REFERRALS: Counted<referral::Column> = Counted { region: referral::Column::RegionCode, created_at: referral::Column::CreatedAt };

fn active() -> Condition {
    Condition::all().add(beneficiary::Column::Status.eq(BeneficiaryStatus::Active.code()))
}

/// People registered in the window, by `active`/`inactive`.
pub async fn people_by_status(conn: &impl ConnectionTrait, window: &Window) -> Result<Counts, DomainError> {
    count_by::<beneficiary::Entity>(conn, &PEOPLE, window, beneficiary::Column::Status, Condition::all()).await
}

/// Active people registered in the window.
pub async fn active_people(conn: &impl ConnectionTrait, window: &Window) -> Result<i64, DomainError> {
    count::<beneficiary::Entity>(conn, &PEOPLE, window, active()).await
}

/// Active people registered in the window holding each category (a person
/// may hold several), by the list's own category filter.
pub async fn active_people_by_category(conn: &impl ConnectionTrait, window: &Window) -> Result<Counts, DomainError> {
    let mut counts = Counts::new();
    for category in Category::ALL {
        let n = count::<beneficiary::Entity>(conn, &PEOPLE, window, active().add(holds_category(category))).await?;
        counts.insert(category.code().to_string(), n);
    }
    Ok(counts)
}

/// Active people registered in the window in each group on `today` (a
/// person may be in several), by the list's own group filter.
pub async fn active_people_by_group(conn: &impl ConnectionTrait, window: &Window, today: NaiveDate) -> Result<Counts, DomainError> {
    let mut counts = Counts::new();
    for group in Group::ALL {
        let n = count::<beneficiary::Entity>(conn, &PEOPLE, window, active().add(in_group(group, today))).await?;
        counts.insert(group.code().to_string(), n);
    }
    Ok(counts)
}

/// Applications received in the window, by channel.
pub async fn applications_by_channel(conn: &impl ConnectionTrait, window: &Window) -> Result<Counts, DomainError> {
    count_by::<application::Entity>(conn, &APPLICATIONS, window, application::Column::Channel, Condition::all()).await
}

/// Applications received in the window, by status.
pub async fn applications_by_status(conn: &impl ConnectionTrait, window: &Window) -> Result<Counts, DomainError> {
    count_by::<application::Entity>(conn, &APPLICATIONS, window, application::Column::Status, Condition::all()).await
}

/// Referrals made in the window, by department.
pub async fn referrals_by_department(conn: &impl ConnectionTrait, window: &Window) -> Result<Counts, DomainError> {
    count_by::<referral::Entity>(conn, &REFERRALS, window, referral::Column::Department, Condition::all()).await
}

/// Referrals made in the window, by status.
pub async fn referrals_by_status(conn: &impl ConnectionTrait, window: &Window) -> Result<Counts, DomainError> {
    count_by::<referral::Entity>(conn, &REFERRALS, window, referral::Column::Status, Condition::all()).await
}

/// Referrals still the department's to act on (`ReferralStatus::is_open`).
fn referral_open() -> Condition {
    let open: Vec<&str> = ReferralStatus::ALL.iter().filter(|s| s.is_open()).map(|s| s.code()).collect();
    Condition::all().add(referral::Column::Status.is_in(open))
}

/// Open referrals past their due time at `now`.
fn referral_overdue(now: DateTime<Utc>) -> Condition {
    referral_open().add(referral::Column::DueAt.lt(now))
}

/// Referrals made in the window still pending or accepted past their due time at `now`.
pub async fn referrals_overdue(conn: &impl ConnectionTrait, window: &Window, now: DateTime<Utc>) -> Result<i64, DomainError> {
    count::<referral::Entity>(conn, &REFERRALS, window, referral_overdue(now)).await
}

/// How one department handled the referrals made to it (转办及时性).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"made": 12, "completed": 9, "completed_on_time": 8, "open": 2, "overdue": 1}))]
pub struct ReferralHandling {
    /// Referrals made to the department in the period.
    pub made: i64,
    /// Of those, completed (已办结).
    pub completed: i64,
    /// Completed by their due time. A completed referral changes no more,
    /// so its last change is its completion.
    pub completed_on_time: i64,
    /// Still pending or accepted, now.
    pub open: i64,
    /// Of the open ones, past their due time now.
    pub overdue: i64,
}

/// Where one grouped count goes in a department's figures.
type SetFigure = fn(&mut ReferralHandling, i64);

/// Referrals made in the window, by department: made, completed, completed
/// on time, open and overdue at `now`; five grouped queries.
pub async fn referral_handling_by_department(
    conn: &impl ConnectionTrait,
    window: &Window,
    now: DateTime<Utc>,
) -> Result<BTreeMap<String, ReferralHandling>, DomainError> {
    let by_department = |extra: Condition| count_by::<referral::Entity>(conn, &REFERRALS, window, referral::Column::Department, extra);
    let completed = Condition::all().add(referral::Column::Status.eq(ReferralStatus::Completed.code()));
    let on_time = completed.clone().add(Expr::col(referral::Column::UpdatedAt).lte(Expr::col(referral::Column::DueAt)));
    let mut handling: BTreeMap<String, ReferralHandling> = BTreeMap::new();
    let figures: [(Condition, SetFigure); 5] = [
        (Condition::all(), |h, n| h.made = n),
        (completed, |h, n| h.completed = n),
        (on_time, |h, n| h.completed_on_time = n),
        (referral_open(), |h, n| h.open = n),
        (referral_overdue(now), |h, n| h.overdue = n),
    ];
    for (condition, set) in figures {
        for (department, n) in by_department(condition).await? {
            set(handling.entry(department).or_default(), n);
        }
    }
    Ok(handling)
}
