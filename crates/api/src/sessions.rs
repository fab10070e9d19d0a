//! `SessionCache`: whether a verified token's account still allows it, read
//! from the database and kept per node for a bounded time (configuration
//! `account_cache_ms`, 2 s by default), so that a change made through any
//! node ends the account's sessions on every node within that time, and at
//! once on the node that made it.

use crate::auth::VerifiedToken;
use jiuzhu_core::{Actor, DomainError};
use jiuzhu_platform::Db;
use jiuzhu_platform::accounts::{self, Session};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// More entries than this and the cache starts again empty; only correctly
/// signed tokens reach it, so its size follows the number of accounts in use.
const MAX_ENTRIES: usize = 50_000;

/// A token's account: (issued by an external identity provider, subject).
type AccountKey = (bool, String);

/// What was read of an account, and when (`None`: none, or inactive).
type Reading = (Instant, Option<Session>);

#[derive(Debug)]
pub struct SessionCache {
    ttl: Duration,
    entries: Mutex<HashMap<AccountKey, Reading>>,
}

/// Why an account refuses a token: the answer to `admit`.
pub fn refusal(token: &VerifiedToken, session: Option<&Session>) -> Option<&'static str> {
    match session {
        None => Some("the token's account does not exist or is inactive"),
        Some(session) if !token.external && token.stamp != Some(session.security_stamp) => {
            Some("the account changed after the token was issued; log in again")
        }
        Some(_) => None,
    }
}

impl SessionCache {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, entries: Mutex::new(HashMap::new()) }
    }

    /// The actor a token acts as: its account's current rights, or 401.
    pub async fn admit(&self, db: &Db, token: &VerifiedToken) -> Result<Actor, DomainError> {
        let key = (token.external, token.claimed.subject.clone());
        let session = match self.fresh(&key) {
            Some(session) => session,
            None => {
                let found = if token.external {
                    accounts::by_username(db.conn(), &key.1).await?
                } else {
                    accounts::by_subject(db.conn(), &key.1).await?
                };
                self.keep(key, found.clone());
                found
            }
        };
        match refusal(token, session.as_ref()) {
            Some(why) => Err(DomainError::Unauthenticated(format!("invalid token: {why}"))),
            None => session.map(|s| s.actor).ok_or_else(|| DomainError::Unauthenticated("invalid token".into())),
        }
    }

    /// Drops every entry: called by this node's own account changes, so
    /// that they apply here at once.
    pub fn forget_all(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    fn fresh(&self, key: &AccountKey) -> Option<Option<Session>> {
        let entries = self.entries.lock().ok()?;
        entries.get(key).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, session)| session.clone())
    }

    fn keep(&self, key: AccountKey, session: Option<Session>) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, (Instant::now(), session));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiuzhu_core::{RegionCode, Role};

    fn session(stamp: i64) -> Session {
        let actor = Actor {
            subject: "u".into(),
            role: Role::CountyOfficer,
            region: RegionCode::parse("640202").unwrap(),
            department: None,
            provider_id: None,
        };
        Session { actor, security_stamp: stamp, kind: jiuzhu_platform::accounts::AccountKind::User }
    }

    fn token(stamp: Option<i64>, external: bool) -> VerifiedToken {
        VerifiedToken { claimed: session(0).actor, stamp, external }
    }

    #[test]
    fn a_token_needs_an_active_account_and_its_current_stamp() {
        assert!(refusal(&token(Some(3), false), Some(&session(3))).is_none());
        assert!(refusal(&token(Some(2), false), Some(&session(3))).is_some(), "issued before a security change");
        assert!(refusal(&token(None, false), Some(&session(0))).is_some(), "a local token without a stamp");
        assert!(refusal(&token(Some(3), false), None).is_some(), "gone or inactive");
        assert!(refusal(&token(None, true), Some(&session(7))).is_none(), "external tokens take the account's current rights");
        assert!(refusal(&token(None, true), None).is_some());
    }
}
