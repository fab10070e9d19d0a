//! Idempotency keys: the first response to each (caller, key) is stored for
//! 24 hours. A replay gets that response; the same key with another body is
//! refused; a replay while the first is still running answers 409.
//!
//! The claim on a key is written by the request's first write transaction,
//! beside the use case's own rows (`claimed`, `Db::begin_write`), so a key
//! is held exactly when the write it guards has committed, and a claim
//! costs no commit of its own. A claim in flight holds a lease of
//! `IN_FLIGHT_LEASE_SECS` from the request's start: a retry after that
//! takes it over, so a key whose node died before storing its answer is
//! not stuck.

use crate::db::Db;
use crate::entity::idempotency_key;
use chrono::{DateTime, Duration, Utc};
use jiuzhu_core::DomainError;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use std::future::Future;
use std::sync::{Arc, Mutex};

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

/// What is on record for a key when a request arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is free: run the request under `claimed`, then `complete`
    /// or `release`.
    Fresh,
    Replay(StoredResponse),
    InFlight,
    /// The key was used with a different request.
    Mismatch,
}

/// Reads what is on record for a key. A record past its retention, or a
/// claim in flight past its lease with the same request, is removed
/// (compare-and-set on its time, so only one retry takes a key over) and
/// the key is free again.
pub async fn look_up(db: &Db, owner: &str, key: &str, request_hash: &str, now: DateTime<Utc>) -> Result<Claim, DomainError> {
    let id = (owner.to_string(), key.to_string());
    let Some(existing) = idempotency_key::Entity::find_by_id(id).one(db.conn()).await? else {
        return Ok(Claim::Fresh);
    };
    let expired = existing.created_at + Duration::hours(RETENTION_HOURS) < now;
    let lease_over = existing.state == IN_FLIGHT
        && existing.created_at + Duration::seconds(IN_FLIGHT_LEASE_SECS) < now
        && existing.request_hash == request_hash;
    if expired || lease_over {
        // The node that claimed it is gone, or the answer is too old to keep.
        let writer = db.autocommit().await;
        idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::Owner.eq(owner))
            .filter(idempotency_key::Column::Key.eq(key))
            .filter(idempotency_key::Column::CreatedAt.eq(existing.created_at))
            .exec(&*writer)
            .await?;
        return Ok(Claim::Fresh);
    }
    if existing.request_hash != request_hash {
        return Ok(Claim::Mismatch);
    }
    Ok(match (existing.state.as_str(), existing.response_status) {
        (DONE, Some(status)) => Claim::Replay(StoredResponse {
            status: u16::try_from(status).unwrap_or(500),
            body: existing.response_body.unwrap_or_default(),
            headers: match existing.response_headers {
                Some(stored) => jiuzhu_core::stored_json::from_column("idempotency_keys.response_headers", &stored)?,
                None => Vec::new(),
            },
        }),
        _ => Claim::InFlight,
    })
}

const IN_FLIGHT: &str = "in_flight";
const DONE: &str = "done";

/// The key a request runs under, until its first write transaction claims it.
#[derive(Debug, Clone)]
pub struct PendingClaim {
    pub owner: String,
    pub key: String,
    pub request_hash: String,
    pub at: DateTime<Utc>,
}

/// Where a request's claim stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimState {
    /// No write transaction has begun yet.
    Waiting,
    /// Written by a write transaction (which may still roll back).
    Written,
    /// Another request holds the key: the write transaction was refused.
    HeldElsewhere,
}

/// A request's claim, shared between the middleware that made it and the
/// write transaction that writes it.
#[derive(Debug, Clone)]
pub struct ClaimSlot(Arc<Mutex<(PendingClaim, ClaimState)>>);

impl ClaimSlot {
    pub fn new(claim: PendingClaim) -> Self {
        Self(Arc::new(Mutex::new((claim, ClaimState::Waiting))))
    }

    pub fn state(&self) -> ClaimState {
        self.0.lock().map(|slot| slot.1.clone()).unwrap_or(ClaimState::Waiting)
    }

    fn set(&self, state: ClaimState) {
        if let Ok(mut slot) = self.0.lock() {
            slot.1 = state;
        }
    }

    /// The claim to write, once: the first write transaction takes it.
    fn take_waiting(&self) -> Option<PendingClaim> {
        let mut slot = self.0.lock().ok()?;
        (slot.1 == ClaimState::Waiting).then(|| {
            slot.1 = ClaimState::Written;
            slot.0.clone()
        })
    }
}

tokio::task_local! {
    static REQUEST_CLAIM: ClaimSlot;
}

/// Runs a request's handler with its claim pending: the first write
/// transaction the handler begins writes the claim (see `Db::begin_write`).
pub async fn claimed<F: Future>(slot: ClaimSlot, handler: F) -> F::Output {
    REQUEST_CLAIM.scope(slot, handler).await
}

/// Writes the pending claim of the running request, if any, into a write
/// transaction that has just begun. The claim waits behind another
/// uncommitted claim on the same key; when the key is held (committed or
/// not), the transaction must not go on: `KeyHeldElsewhere`.
pub(crate) async fn write_pending(txn: &impl ConnectionTrait) -> Result<(), DbErr> {
    let Ok(slot) = REQUEST_CLAIM.try_with(ClaimSlot::clone) else {
        return Ok(());
    };
    let Some(claim) = slot.take_waiting() else {
        return Ok(());
    };
    let inserted = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
        owner: Set(claim.owner),
        key: Set(claim.key),
        request_hash: Set(claim.request_hash),
        state: Set(IN_FLIGHT.into()),
        response_status: Set(None),
        response_body: Set(None),
        response_headers: Set(None),
        created_at: Set(claim.at),
    })
    .on_conflict(OnConflict::columns([idempotency_key::Column::Owner, idempotency_key::Column::Key]).do_nothing().to_owned())
    .exec_without_returning(txn)
    .await?;
    if inserted == 1 {
        return Ok(());
    }
    slot.set(ClaimState::HeldElsewhere);
    Err(DbErr::Custom(jiuzhu_core::error::KEY_HELD_ELSEWHERE.into()))
}

/// Stores the first response: on the claim its write made, or as a new
/// record when the request wrote nothing under it.
pub async fn complete(db: &Db, claim: &PendingClaim, response: &StoredResponse) -> Result<(), DomainError> {
    let headers = jiuzhu_core::stored_json::to_column(&response.headers)?;
    let record = idempotency_key::ActiveModel {
        owner: Set(claim.owner.clone()),
        key: Set(claim.key.clone()),
        request_hash: Set(claim.request_hash.clone()),
        state: Set(DONE.into()),
        response_status: Set(Some(i32::from(response.status))),
        response_body: Set(Some(response.body.clone())),
        response_headers: Set(Some(headers)),
        created_at: Set(claim.at),
    };
    use idempotency_key::Column;
    let answered = OnConflict::columns([Column::Owner, Column::Key])
        .update_columns([Column::State, Column::ResponseStatus, Column::ResponseBody, Column::ResponseHeaders])
        .to_owned();
    let writer = db.autocommit().await;
    idempotency_key::Entity::insert(record).on_conflict(answered).exec_without_returning(&*writer).await?;
    Ok(())
}

/// Forgets the claim of a request that failed, so the caller can retry.
/// (When its write transaction rolled back there is nothing to forget.)
pub async fn release(db: &Db, claim: &PendingClaim) -> Result<(), DomainError> {
    let writer = db.autocommit().await;
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::Owner.eq(claim.owner.as_str()))
        .filter(idempotency_key::Column::Key.eq(claim.key.as_str()))
        .filter(idempotency_key::Column::State.eq(IN_FLIGHT))
        .exec(&*writer)
        .await?;
    Ok(())
}
