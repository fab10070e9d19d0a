//! Idempotency keys: the first response to each (caller, key) is stored for
//! 24 hours. A replay gets that response; the same key with another body is
//! refused; a replay while the first is still running answers 409. A claim
//! in flight holds a lease of `IN_FLIGHT_LEASE_SECS`: a retry after that
//! takes it over, so a key whose node died mid-request is not stuck.

use crate::db::Db;
use crate::entity::idempotency_key;
use chrono::{DateTime, Duration, Utc};
use jiuzhu_core::DomainError;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

pub const RETENTION_HOURS: i64 = 24;
pub const MAX_KEY_LEN: usize = 255;
/// How long a claim in flight is held for its request; longer than any
/// request runs (uploads stream to a file and answer 202).
pub const IN_FLIGHT_LEASE_SECS: i64 = 300;

/// A stored response to replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
    /// `(name, value)` pairs worth replaying: Location, ETag, Content-Type.
    pub headers: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new: run the request, then `complete` or `release`.
    Fresh,
    Replay(StoredResponse),
    InFlight,
    /// The key was used with a different request.
    Mismatch,
}

/// Claims a key for a request fingerprint.
pub async fn claim(db: &Db, owner: &str, key: &str, request_hash: &str, now: DateTime<Utc>) -> Result<Claim, DomainError> {
    for _ in 0..2 {
        let txn = db.begin_write().await?;
        // A claim lost in a crash only lets a retry run again; the use case's
        // own durable commit flushes the claim with it.
        db.defer_flush(&txn).await?;
        let inserted = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
            owner: Set(owner.to_string()),
            key: Set(key.to_string()),
            request_hash: Set(request_hash.to_string()),
            state: Set("in_flight".into()),
            response_status: Set(None),
            response_body: Set(None),
            response_headers: Set(None),
            created_at: Set(now),
        })
        .on_conflict(OnConflict::columns([idempotency_key::Column::Owner, idempotency_key::Column::Key]).do_nothing().to_owned())
        .exec_without_returning(&*txn)
        .await?;
        if inserted == 1 {
            txn.commit().await?;
            return Ok(Claim::Fresh);
        }
        let existing = idempotency_key::Entity::find_by_id((owner.to_string(), key.to_string())).one(&*txn).await?;
        let Some(existing) = existing else {
            txn.commit().await?;
            continue;
        };
        if existing.created_at + Duration::hours(RETENTION_HOURS) < now {
            idempotency_key::Entity::delete_by_id((owner.to_string(), key.to_string())).exec(&*txn).await?;
            txn.commit().await?;
            continue;
        }
        let lease_over = existing.state == "in_flight" && existing.created_at + Duration::seconds(IN_FLIGHT_LEASE_SECS) < now;
        if lease_over && existing.request_hash == request_hash {
            // The node that claimed it is gone: this retry takes the key over
            // (compare-and-set on the claim's time, so only one retry does).
            idempotency_key::Entity::delete_many()
                .filter(idempotency_key::Column::Owner.eq(owner))
                .filter(idempotency_key::Column::Key.eq(key))
                .filter(idempotency_key::Column::State.eq("in_flight"))
                .filter(idempotency_key::Column::CreatedAt.eq(existing.created_at))
                .exec(&*txn)
                .await?;
            txn.commit().await?;
            continue;
        }
        txn.commit().await?;
        if existing.request_hash != request_hash {
            return Ok(Claim::Mismatch);
        }
        return Ok(match (existing.state.as_str(), existing.response_status) {
            ("done", Some(status)) => Claim::Replay(StoredResponse {
                status: u16::try_from(status).unwrap_or(500),
                body: existing.response_body.unwrap_or_default(),
                headers: existing.response_headers.and_then(|h| serde_json::from_str(&h).ok()).unwrap_or_default(),
            }),
            _ => Claim::InFlight,
        });
    }
    // Twice the key was held, then released before it could be read: other
    // requests with this key are running and failing right now. This one
    // waits its turn like any request that meets a key in flight (409).
    Ok(Claim::InFlight)
}

/// Stores the first response.
pub async fn complete(db: &Db, owner: &str, key: &str, response: &StoredResponse) -> Result<(), DomainError> {
    let txn = db.begin_write().await?;
    let headers = serde_json::to_string(&response.headers).map_err(|e| DomainError::Internal(e.to_string()))?;
    idempotency_key::ActiveModel {
        owner: Set(owner.to_string()),
        key: Set(key.to_string()),
        state: Set("done".into()),
        response_status: Set(Some(i32::from(response.status))),
        response_body: Set(Some(response.body.clone())),
        response_headers: Set(Some(headers)),
        ..Default::default()
    }
    .update(&*txn)
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Forgets a claim whose request failed on our side, so the caller can retry.
pub async fn release(db: &Db, owner: &str, key: &str) -> Result<(), DomainError> {
    let txn = db.begin_write().await?;
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::Owner.eq(owner))
        .filter(idempotency_key::Column::Key.eq(key))
        .filter(idempotency_key::Column::State.eq("in_flight"))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    Ok(())
}
