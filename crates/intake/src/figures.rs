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
use sea_orm::{ColumnTrait, Condition, ConnectionTrait};

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

/// Referrals made in the window still pending or accepted past their due time at `now`.
pub async fn referrals_overdue(conn: &impl ConnectionTrait, window: &Window, now: DateTime<Utc>) -> Result<i64, DomainError> {
    let open = referral::Column::Status.is_in([ReferralStatus::Pending.code(), ReferralStatus::Accepted.code()]);
    count::<referral::Entity>(conn, &REFERRALS, window, Condition::all().add(open).add(referral::Column::DueAt.lt(now))).await
}
