//! Logging in: the password grant (with the lock-out rule) and the client
//! credentials grant. Every attempt, good or bad, is audited.

use crate::accounts::Session;
use crate::audit::{Entry, Outcome, Who};
use crate::db::Db;
use crate::record::audit_alone;
use crate::users::CITY_REGION;
use crate::{clients, login_throttle, users};
use chrono::{DateTime, Utc};
use jiuzhu_core::DomainError;

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

/// The account a successful grant authenticates, with the stamp its token carries.
pub async fn login(db: &Db, request_id: &str, now: DateTime<Utc>, grant: Grant<'_>) -> Result<Session, DomainError> {
    let who = |subject: &str, role: &str| Who { subject: subject.into(), role: role.into(), request_id: request_id.into(), at: now };
    match grant {
        Grant::Password { username, password } => {
            login_throttle::check(db.conn(), username, now).await?;
            match users::authenticate(db.conn(), username, password).await? {
                Some(user) => {
                    let txn = db.begin_write().await?;
                    login_throttle::clear(&*txn, username).await?;
                    let entry = login_entry("user", &user.id.to_string(), &user.region_code, Outcome::Success);
                    crate::audit::append(&*txn, &who(&user.id.to_string(), &user.role), entry).await?;
                    txn.commit().await?;
                    Session::of_user(&user)
                }
                None => {
                    let txn = db.begin_write().await?;
                    login_throttle::record_failure(&*txn, username, now).await?;
                    crate::audit::append(&*txn, &who(username, "anonymous"), login_entry("user", username, CITY_REGION, Outcome::Failure))
                        .await?;
                    txn.commit().await?;
                    Err(DomainError::Unauthenticated("username or password is wrong".into()))
                }
            }
        }
        Grant::ClientCredentials { client_id, client_secret } => match clients::authenticate(db.conn(), client_id, client_secret).await? {
            Some(client) => {
                audit_alone(
                    db,
                    &who(&client.id.to_string(), &client.role),
                    login_entry("api_client", client_id, &client.region_code, Outcome::Success),
                )
                .await?;
                Session::of_client(&client)
            }
            None => {
                audit_alone(db, &who(client_id, "anonymous"), login_entry("api_client", client_id, CITY_REGION, Outcome::Failure)).await?;
                Err(DomainError::Unauthenticated("client_id or client_secret is wrong".into()))
            }
        },
    }
}
