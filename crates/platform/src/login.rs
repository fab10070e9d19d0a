//! Logging in: the password grant (with the lock-out rule) and the client
//! credentials grant. Every attempt, good or bad, is audited.

use crate::accounts::Session;
use crate::audit::{Entry, Outcome, Who};
use crate::db::Db;
use crate::login_throttle::Lockout;
use crate::{clients, login_throttle, users};
use chrono::{DateTime, Utc};
use jiuzhu_core::{DomainError, RegionCode};

pub enum Grant<'a> {
    Password { username: &'a str, password: &'a str },
    ClientCredentials { client_id: &'a str, client_secret: &'a str },
}

fn login_entry(kind: &str, subject: &str, region: &str, outcome: Outcome) -> Entry {
    Entry {
        action: if outcome == Outcome::Success { "login.succeeded".into() } else { "login.failed".into() },
        entity_type: kind.into(),
        entity_id: Some(subject.into()),
        region_code: region.into(),
        outcome,
        detail: serde_json::json!({}),
    }
}

/// The account a successful grant authenticates, with the stamp its token
/// carries. `source` is where the attempt came from (the client's address),
/// which the lock-out counts by; both grants are locked out alike. A failed
/// attempt names no account's region, so it is audited at `root`, the
/// deployment's root region.
pub async fn login(
    db: &Db,
    lockout: &Lockout,
    request_id: &str,
    source: &str,
    now: DateTime<Utc>,
    root: &RegionCode,
    grant: Grant<'_>,
) -> Result<Session, DomainError> {
    let who = |subject: &str, role: &str| Who { subject: subject.into(), role: role.into(), request_id: request_id.into(), at: now };
    let (kind, account) = match grant {
        Grant::Password { username, .. } => ("user", username),
        Grant::ClientCredentials { client_id, .. } => ("api_client", client_id),
    };
    // The attempt is on record before its password is checked, so that
    // attempts at once, on any node, count each other.
    let attempt = login_throttle::begin_attempt(db, account, source, now).await?;
    if let Err(locked) = login_throttle::check_attempt(db.conn(), lockout, account, source, attempt, now).await {
        let txn = db.begin_write().await?;
        login_throttle::withdraw(&*txn, attempt).await?;
        txn.commit().await?;
        return Err(locked);
    }
    let found = match grant {
        Grant::Password { username, password } => users::authenticate(db.conn(), username, password).await?.as_ref().map(Session::of_user),
        Grant::ClientCredentials { client_id, client_secret } => {
            clients::authenticate(db.conn(), client_id, client_secret).await?.as_ref().map(Session::of_client)
        }
    }
    .transpose()?;
    let txn = db.begin_write().await?;
    let outcome = match found {
        Some(session) => {
            // Forgets this source's failures, this attempt's record among them.
            login_throttle::clear_source(&*txn, account, source).await?;
            let actor = &session.actor;
            // A user is named by its id, a client by its client id.
            let named = if kind == "user" { actor.subject.as_str() } else { account };
            let entry = login_entry(kind, named, &actor.region.to_string(), Outcome::Success);
            crate::audit::append(&*txn, &who(&actor.subject, actor.role.code()), entry).await?;
            Ok(session)
        }
        None => {
            // The attempt's record stays: it is the failure.
            crate::audit::append(&*txn, &who(account, "anonymous"), login_entry(kind, account, root.as_str(), Outcome::Failure)).await?;
            let what = if kind == "user" { "username or password" } else { "client_id or client_secret" };
            Err(DomainError::Unauthenticated(format!("{what} is wrong")))
        }
    };
    txn.commit().await?;
    outcome
}
