//! The lock-out rule: after 5 failed logins within 15 minutes from one
//! source (client address), the account is refused to that source for 15
//! minutes from the last failure; after 50 from all sources together, to
//! everyone (the figures are settings, `Lockout`). So a stranger cannot lock the administrator out from one
//! machine, and a spread attack still meets a ceiling. Refused attempts are
//! not counted, so the lock does not extend itself. It applies to
//! usernames and to API client ids alike; `unlock` clears an account.

use crate::db::Db;
use crate::entity::login_failure;
use chrono::{DateTime, Duration, Utc};
use jiuzhu_core::{DomainError, id::new_id};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

/// The fewest failures from all sources together that lock an account for everyone.
const ACCOUNT_CEILING_FLOOR: usize = 50;

/// How many failed logins, within which window, lock an account for how
/// long (`login_*` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    max_failures: usize,
    /// Failures from all sources together that lock the account for everyone.
    account_ceiling: usize,
    window: Duration,
    lock: Duration,
}

impl Default for Lockout {
    fn default() -> Self {
        Self::new(5, Duration::minutes(15), Duration::minutes(15))
    }
}

impl Lockout {
    /// `max_failures` from one source lock it out; ten times as many (at
    /// least 50) from all sources lock everyone out.
    pub fn new(max_failures: usize, window: Duration, lock: Duration) -> Self {
        let max_failures = max_failures.max(1);
        Self { max_failures, account_ceiling: (10 * max_failures).max(ACCOUNT_CEILING_FLOOR), window, lock }
    }

    pub fn max_failures(&self) -> usize {
        self.max_failures
    }

    /// How far back failures can still matter.
    fn horizon(&self) -> Duration {
        self.window + self.lock
    }

    /// When the account is free again for a source: its own failures lock it
    /// at `max_failures`, everyone's together at the account ceiling.
    pub fn locked_for(&self, source: &str, failures: &[(String, DateTime<Utc>)], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mine: Vec<DateTime<Utc>> = failures.iter().filter(|(s, _)| s == source).map(|(_, t)| *t).collect();
        let all: Vec<DateTime<Utc>> = failures.iter().map(|(_, t)| *t).collect();
        self.locked_after(self.max_failures, &mine, now).max(self.locked_after(self.account_ceiling, &all, now))
    }

    /// Pure rule: given failure times (any order), when is the account free
    /// again, if `run` failures within the window lock it?
    fn locked_after(&self, run: usize, failures: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut recent: Vec<_> = failures.iter().copied().filter(|t| *t > now - self.horizon()).collect();
        recent.sort();
        // Find the latest failure that completed a run of `run` failures within the window.
        let mut until = None;
        for end in run.saturating_sub(1)..recent.len() {
            let start = recent[end + 1 - run];
            if recent[end] - start <= self.window {
                until = Some(recent[end] + self.lock);
            }
        }
        until.filter(|u| *u > now)
    }
}

/// Records an attempt as a failure before its password is checked, so that
/// concurrent attempts (on any node) see each other: of many at once, at
/// most `max_failures` from one source get their password checked. A good
/// password clears the source's records (`clear_source`); a refusal takes this one back (`withdraw`).
pub async fn begin_attempt(db: &Db, username: &str, source: &str, now: DateTime<Utc>) -> Result<Uuid, DomainError> {
    let txn = db.begin_write().await?;
    let id = record_failure(&*txn, username, source, now).await?;
    txn.commit().await?;
    Ok(id)
}

/// Takes back the record of an attempt refused unchecked.
pub async fn withdraw(conn: &impl ConnectionTrait, attempt: Uuid) -> Result<(), DomainError> {
    login_failure::Entity::delete_by_id(attempt).exec(conn).await?;
    Ok(())
}

/// 429 when the account is locked for `source` by the failures recorded
/// before this attempt (and those of attempts running beside it).
pub async fn check_attempt(
    conn: &impl ConnectionTrait,
    lockout: &Lockout,
    username: &str,
    source: &str,
    attempt: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let since = now - lockout.horizon();
    let failures: Vec<(String, DateTime<Utc>)> = login_failure::Entity::find()
        .filter(login_failure::Column::Username.eq(username))
        .filter(login_failure::Column::FailedAt.gt(since))
        .order_by_desc(login_failure::Column::FailedAt)
        .limit(4 * lockout.account_ceiling as u64)
        .all(conn)
        .await?
        .into_iter()
        .filter(|f| f.id != attempt)
        .map(|f| (f.source, f.failed_at))
        .collect();
    match lockout.locked_for(source, &failures, now) {
        Some(until) => Err(DomainError::TooManyRequests { retry_after_secs: (until - now).num_seconds().max(1) as u64 }),
        None => Ok(()),
    }
}

async fn record_failure(conn: &impl ConnectionTrait, username: &str, source: &str, now: DateTime<Utc>) -> Result<Uuid, DomainError> {
    let source: String = source.chars().take(64).collect();
    let id = new_id();
    login_failure::ActiveModel { id: Set(id), username: Set(username.to_string()), source: Set(source), failed_at: Set(now) }
        .insert(conn)
        .await?;
    Ok(id)
}

/// Forgets an account's failures from one source, after a good login from it.
pub async fn clear_source(conn: &impl ConnectionTrait, username: &str, source: &str) -> Result<(), DomainError> {
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::Username.eq(username))
        .filter(login_failure::Column::Source.eq(source))
        .exec(conn)
        .await?;
    Ok(())
}

/// Forgets all of an account's failures (the operator's `unlock`); answers how many.
pub async fn clear(conn: &impl ConnectionTrait, username: &str) -> Result<u64, DomainError> {
    Ok(login_failure::Entity::delete_many().filter(login_failure::Column::Username.eq(username)).exec(conn).await?.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap() + Duration::minutes(minute)
    }

    #[test]
    fn four_failures_do_not_lock() {
        assert_eq!(Lockout::default().locked_after(5, &[t(0), t(1), t(2), t(3)], t(4)), None);
    }

    #[test]
    fn five_failures_within_fifteen_minutes_lock_for_fifteen_minutes() {
        let failures = [t(0), t(1), t(2), t(3), t(10)];
        assert_eq!(Lockout::default().locked_after(5, &failures, t(11)), Some(t(25)));
        assert_eq!(Lockout::default().locked_after(5, &failures, t(24)), Some(t(25)));
        assert_eq!(Lockout::default().locked_after(5, &failures, t(25)), None);
    }

    #[test]
    fn one_source_locks_only_itself_until_the_account_ceiling() {
        let from = |source: &str, minutes: std::ops::Range<i64>| {
            minutes.map(|m| (source.to_string(), t(0) + Duration::seconds(m))).collect::<Vec<_>>()
        };
        let attacker = from("203.0.113.9", 0..5);
        assert_eq!(
            Lockout::default().locked_for("203.0.113.9", &attacker, t(1)),
            Some(t(15) + Duration::seconds(4)),
            "15 minutes after the fifth"
        );
        assert_eq!(Lockout::default().locked_for("10.1.1.1", &attacker, t(1)), None, "the administrator's own machine still logs in");
        let spread: Vec<_> = (0..50).flat_map(|n| from(&format!("198.51.100.{n}"), n..n + 1)).collect();
        assert!(Lockout::default().locked_for("10.1.1.1", &spread, t(1)).is_some(), "fifty failures from anywhere lock everyone");
        assert_eq!(Lockout::default().locked_for("10.1.1.1", &spread[..49], t(1)), None);
    }

    #[test]
    fn five_failures_spread_over_more_than_fifteen_minutes_do_not_lock() {
        assert_eq!(Lockout::default().locked_after(5, &[t(0), t(5), t(10), t(14), t(16)], t(17)), None);
    }

    #[test]
    fn the_figures_are_settings() {
        let strict = Lockout::new(2, Duration::minutes(1), Duration::minutes(60));
        let from = |minutes: &[i64]| minutes.iter().map(|m| ("198.51.100.1".to_string(), t(*m))).collect::<Vec<_>>();
        assert_eq!(strict.locked_for("198.51.100.1", &from(&[0, 1]), t(1)), Some(t(61)), "two within a minute lock for an hour");
        assert_eq!(strict.locked_for("198.51.100.1", &from(&[0, 2]), t(2)), None, "two minutes apart is outside the window");
        assert_eq!(Lockout::new(20, Duration::minutes(15), Duration::minutes(15)).account_ceiling, 200);
        assert_eq!(strict.account_ceiling, 50, "never fewer than fifty lock everyone out");
    }
}
