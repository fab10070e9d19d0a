//! The lock-out rule: after 5 failed logins within 15 minutes, the username
//! is refused for 15 minutes from the last failure. Refused attempts are not
//! counted, so the lock does not extend itself.

use crate::entity::login_failure;
use chrono::{DateTime, Duration, Utc};
use jiuzhu_core::{DomainError, id::new_id};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

pub const MAX_FAILURES: usize = 5;
pub const WINDOW_MINUTES: i64 = 15;
pub const LOCK_MINUTES: i64 = 15;

/// Pure rule: given failure times (any order), when is the username free again?
pub fn locked_until(failures: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut recent: Vec<_> = failures.iter().copied().filter(|t| *t > now - Duration::minutes(WINDOW_MINUTES + LOCK_MINUTES)).collect();
    recent.sort();
    // Find the latest failure that completed a run of MAX_FAILURES within the window.
    let mut until = None;
    for end in (MAX_FAILURES - 1)..recent.len() {
        let start = recent[end + 1 - MAX_FAILURES];
        if recent[end] - start <= Duration::minutes(WINDOW_MINUTES) {
            until = Some(recent[end] + Duration::minutes(LOCK_MINUTES));
        }
    }
    until.filter(|u| *u > now)
}

/// 429 with the seconds to wait when the username is locked.
pub async fn check(conn: &impl ConnectionTrait, username: &str, now: DateTime<Utc>) -> Result<(), DomainError> {
    let since = now - Duration::minutes(WINDOW_MINUTES + LOCK_MINUTES);
    let failures: Vec<DateTime<Utc>> = login_failure::Entity::find()
        .filter(login_failure::Column::Username.eq(username))
        .filter(login_failure::Column::FailedAt.gt(since))
        .order_by_desc(login_failure::Column::FailedAt)
        .limit(50)
        .all(conn)
        .await?
        .into_iter()
        .map(|f| f.failed_at)
        .collect();
    match locked_until(&failures, now) {
        Some(until) => Err(DomainError::TooManyRequests { retry_after_secs: (until - now).num_seconds().max(1) as u64 }),
        None => Ok(()),
    }
}

pub async fn record_failure(conn: &impl ConnectionTrait, username: &str, now: DateTime<Utc>) -> Result<(), DomainError> {
    login_failure::ActiveModel { id: Set(new_id()), username: Set(username.to_string()), failed_at: Set(now) }.insert(conn).await?;
    Ok(())
}

pub async fn clear(conn: &impl ConnectionTrait, username: &str) -> Result<(), DomainError> {
    login_failure::Entity::delete_many().filter(login_failure::Column::Username.eq(username)).exec(conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap() + Duration::minutes(minute)
    }

    #[test]
    fn four_failures_do_not_lock() {
        assert_eq!(locked_until(&[t(0), t(1), t(2), t(3)], t(4)), None);
    }

    #[test]
    fn five_failures_within_fifteen_minutes_lock_for_fifteen_minutes() {
        let failures = [t(0), t(1), t(2), t(3), t(10)];
        assert_eq!(locked_until(&failures, t(11)), Some(t(25)));
        assert_eq!(locked_until(&failures, t(24)), Some(t(25)));
        assert_eq!(locked_until(&failures, t(25)), None);
    }

    #[test]
    fn five_failures_spread_over_more_than_fifteen_minutes_do_not_lock() {
        assert_eq!(locked_until(&[t(0), t(5), t(10), t(14), t(16)], t(17)), None);
    }
}
