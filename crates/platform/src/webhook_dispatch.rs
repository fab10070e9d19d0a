//! The webhook worker's database side: fanning new outbox events out into
//! deliveries, claiming the deliveries that are due (oldest first, one per
//! subject at a time, so a subject's events arrive in order), recording each
//! attempt and scheduling the next one with exponential backoff. The HTTP
//! side lives in the API crate; nothing here sends anything.

use crate::accounts;
use crate::db::Db;
use crate::entity::{event, webhook, webhook_attempt, webhook_delivery};
use crate::outbox::{self, EventView};
use crate::webhooks::{CANCELLED, FAILED, PENDING, SUCCEEDED};
use chrono::{DateTime, Utc};
use jiuzhu_core::{DomainError, id::new_id};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use std::time::Duration;

/// Events one webhook takes from the outbox per pass.
const FAN_OUT_BATCH: u64 = 500;
/// Longest error text kept per attempt.
const ERROR_TEXT_MAX: usize = 500;

/// How often and how patiently a delivery is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before a delivery is marked failed.
    pub max_attempts: u32,
    /// The wait after the first failure; it doubles with each further one.
    pub base: Duration,
    /// The longest wait between two attempts.
    pub cap: Duration,
}

impl RetryPolicy {
    /// The wait after the `failures`-th failed attempt: base · 2^(failures-1), at most `cap`.
    pub fn delay_after(&self, failures: u32) -> Duration {
        let exponent = failures.saturating_sub(1).min(30);
        self.base.saturating_mul(1u32 << exponent).min(self.cap)
    }
}

/// A claimed delivery with what the sender needs.
#[derive(Debug, Clone)]
pub struct Dispatch {
    pub delivery: webhook_delivery::Model,
    /// The claim's lease: the attempt is recorded only while it still holds.
    pub lease_until: DateTime<Utc>,
    pub url: String,
    pub secret: String,
}

/// What one HTTP attempt came to.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    pub attempted_at: DateTime<Utc>,
    /// The receiver's status, if it answered.
    pub status_code: Option<u16>,
    /// Set when the attempt failed: no answer, or a non-2xx one.
    pub error: Option<String>,
    pub duration: Duration,
}

impl AttemptOutcome {
    pub fn succeeded(&self) -> bool {
        self.error.is_none() && self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}

/// The audience a webhook carries: its owner's account as it is now, so a
/// demoted owner's webhooks narrow and a deactivated owner's stop at once.
async fn audience_now(conn: &impl ConnectionTrait, hook: &webhook::Model) -> Result<Option<Condition>, DomainError> {
    Ok(accounts::by_subject(conn, &hook.owner).await?.and_then(|session| outbox::audience(&session.actor)))
}

/// What a delivery carries: a feed event, or a message that is no feed
/// event (a DCI callback), sent as its body says.
#[derive(Debug, Clone)]
pub struct Message {
    /// Unique per webhook: a second delivery of the same id changes nothing.
    pub id: uuid::Uuid,
    pub event_type: String,
    pub subject_id: String,
    pub body: String,
    /// The feed position, or `webhooks::TEST_POSITION` for a message that is not in the feed.
    pub position: i64,
}

impl Message {
    pub fn of_event(event: &EventView) -> Result<Self, DomainError> {
        Ok(Self {
            id: event.id.parse().map_err(|_| DomainError::Internal(format!("event id {} is not a UUID", event.id)))?,
            event_type: event.event_type.clone(),
            subject_id: event.subject_id.clone(),
            body: jiuzhu_core::stored_json::to_column(event)?,
            position: event.position,
        })
    }
}

/// Inserts a pending delivery of `event` to `hook`, due now; a second
/// insert of the same event for the same webhook changes nothing.
pub async fn queue(
    conn: &impl ConnectionTrait,
    hook: &webhook::Model,
    event: &EventView,
    now: DateTime<Utc>,
    attempt_limit: u32,
) -> Result<webhook_delivery::Model, DomainError> {
    queue_message(conn, hook, Message::of_event(event)?, now, attempt_limit).await
}

/// Inserts a pending delivery of `message` to `hook`, due now, sent,
/// signed, retried and logged as every delivery is; a second insert of the
/// same message id for the same webhook changes nothing.
pub async fn queue_message(
    conn: &impl ConnectionTrait,
    hook: &webhook::Model,
    message: Message,
    now: DateTime<Utc>,
    attempt_limit: u32,
) -> Result<webhook_delivery::Model, DomainError> {
    let model = webhook_delivery::ActiveModel {
        id: Set(new_id()),
        webhook_id: Set(hook.id),
        event_id: Set(message.id),
        event_type: Set(message.event_type),
        subject_id: Set(message.subject_id),
        body: Set(message.body),
        status: Set(PENDING.into()),
        attempts: Set(0),
        attempt_limit: Set(attempt_limit.max(1) as i32),
        next_attempt_at: Set(Some(now)),
        lease_until: Set(None),
        last_status_code: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        delivered_at: Set(None),
        event_position: Set(message.position),
    };
    webhook_delivery::Entity::insert(model)
        .on_conflict(OnConflict::columns([webhook_delivery::Column::WebhookId, webhook_delivery::Column::EventId]).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::WebhookId.eq(hook.id))
        .filter(webhook_delivery::Column::EventId.eq(message.id))
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::Internal("a queued delivery vanished".into()))
}

/// A webhook that takes messages of a type by name, as `named_receiver`
/// found it; other crates queue to it without reading the webhook table.
#[derive(Debug, Clone)]
pub struct Receiver(webhook::Model);

impl Receiver {
    /// The key its deliveries are signed with.
    pub fn secret(&self) -> &str {
        &self.0.secret
    }

    /// Queues `message` to this webhook (`queue_message`).
    pub async fn queue(
        &self,
        conn: &impl ConnectionTrait,
        message: Message,
        now: DateTime<Utc>,
        attempt_limit: u32,
    ) -> Result<webhook_delivery::Model, DomainError> {
        queue_message(conn, &self.0, message, now, attempt_limit).await
    }
}

/// The owner's live webhook at exactly `url` that takes `event_type` by
/// name: where a message that is no feed event is delivered.
pub async fn named_receiver(
    conn: &impl ConnectionTrait,
    owner: &str,
    url: &str,
    event_type: &str,
) -> Result<Option<Receiver>, DomainError> {
    let hooks = webhook::Entity::find()
        .filter(webhook::Column::Owner.eq(owner))
        .filter(webhook::Column::Url.eq(url))
        .filter(webhook::Column::DeletedAt.is_null())
        .all(conn)
        .await?;
    for hook in hooks {
        let types: Vec<String> = jiuzhu_core::stored_json::from_column("webhooks.event_types", &hook.event_types)?;
        if types.iter().any(|t| t == event_type) {
            return Ok(Some(Receiver(hook)));
        }
    }
    Ok(None)
}

/// Turns events in the feed past each webhook's cursor into deliveries, and
/// moves the cursor. Feed positions are never filled in behind one already
/// assigned (`relay`), so a cursor never passes an event still to come.
/// Returns how many deliveries were queued.
pub async fn fan_out(db: &Db, now: DateTime<Utc>, policy: &RetryPolicy) -> Result<usize, DomainError> {
    // One read of the newest position serves every webhook this pass; later
    // events wait for the next pass.
    let newest = outbox::newest_position(db.conn()).await?;
    if newest == 0 {
        return Ok(0);
    }
    let hooks = webhook::Entity::find().filter(webhook::Column::DeletedAt.is_null()).all(db.conn()).await?;
    let mut queued = 0;
    for hook in hooks {
        queued += fan_out_one(db, &hook, newest, now, policy).await?;
    }
    Ok(queued)
}

async fn fan_out_one(db: &Db, hook: &webhook::Model, newest: i64, now: DateTime<Utc>, policy: &RetryPolicy) -> Result<usize, DomainError> {
    let from = hook.feed_position.unwrap_or(0);
    if from >= newest {
        return Ok(0);
    }
    let types: Vec<String> = jiuzhu_core::stored_json::from_column("webhooks.event_types", &hook.event_types)?;
    let audience = audience_now(db.conn(), hook).await?;
    let mut events = Vec::new();
    if let Some(audience) = audience {
        let mut query =
            event::Entity::find().filter(audience).filter(event::Column::Position.gt(from)).filter(event::Column::Position.lte(newest));
        if !types.is_empty() {
            query = query.filter(event::Column::EventType.is_in(types.clone()));
        }
        events = query.order_by_asc(event::Column::Position).limit(FAN_OUT_BATCH).all(db.conn()).await?;
    }
    // A full batch may leave more behind it; otherwise everything up to
    // `newest` has been seen.
    let cursor = if events.len() as u64 == FAN_OUT_BATCH { events.last().map(|e| e.position).unwrap_or(newest) } else { newest };
    let txn = db.begin_write().await?;
    let mut queued = 0;
    for event in events {
        queue(&*txn, hook, &EventView::from(event), now, policy.max_attempts).await?;
        queued += 1;
    }
    // Only the pass that still holds the old cursor moves it; a concurrent
    // node's duplicate deliveries were absorbed by the unique key.
    let mut update = webhook::Entity::update_many()
        .col_expr(webhook::Column::FeedPosition, Expr::value(Some(cursor)))
        .filter(webhook::Column::Id.eq(hook.id));
    update = match hook.feed_position {
        Some(old) => update.filter(webhook::Column::FeedPosition.eq(old)),
        None => update.filter(webhook::Column::FeedPosition.is_null()),
    };
    update.exec(&*txn).await?;
    txn.commit().await?;
    Ok(queued)
}

/// Claims up to `limit` due deliveries of live webhooks: pending, due by
/// now, not held by another worker, and with no earlier pending delivery of
/// the same subject to the same webhook. The claim holds for `lease`; a
/// worker that dies meanwhile leaves the delivery to the next one after it.
pub async fn claim_due(db: &Db, now: DateTime<Utc>, limit: u64, lease: Duration) -> Result<Vec<Dispatch>, DomainError> {
    use sea_orm::sea_query::ExprTrait;
    let no_earlier_pending_of_same_subject = Expr::cust(format!(
        "NOT EXISTS (SELECT 1 FROM webhook_deliveries AS earlier WHERE earlier.webhook_id = webhook_deliveries.webhook_id \
         AND earlier.subject_id = webhook_deliveries.subject_id AND earlier.status = '{PENDING}' \
         AND earlier.event_position < webhook_deliveries.event_position)"
    ));
    let candidates = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Status.eq(PENDING))
        .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
        .filter(webhook_delivery::Column::LeaseUntil.is_null().or(webhook_delivery::Column::LeaseUntil.lt(now)))
        .filter(no_earlier_pending_of_same_subject)
        .order_by_asc(webhook_delivery::Column::EventPosition)
        .limit(limit)
        .all(db.conn())
        .await?;
    let lease_until = jiuzhu_core::clock::to_micros(now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(2)));
    let mut claimed = Vec::with_capacity(candidates.len());
    for delivery in candidates {
        let txn = db.begin_write().await?;
        let taken = webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::LeaseUntil, Expr::value(Some(lease_until)))
            .filter(webhook_delivery::Column::Id.eq(delivery.id))
            .filter(webhook_delivery::Column::Status.eq(PENDING))
            .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
            .filter(webhook_delivery::Column::LeaseUntil.is_null().or(webhook_delivery::Column::LeaseUntil.lt(now)))
            .exec(&*txn)
            .await?
            .rows_affected
            == 1;
        let hook = webhook::Entity::find_by_id(delivery.webhook_id).filter(webhook::Column::DeletedAt.is_null()).one(&*txn).await?;
        let (Some(hook), true) = (hook, taken) else {
            txn.commit().await?;
            continue;
        };
        // Queued before its owner changed: sent only if the owner may still
        // read it (a test ping is no outbox event: an active owner gets it).
        let still_readable = match audience_now(&*txn, &hook).await? {
            Some(audience) => {
                event::Entity::find_by_id(delivery.event_id).filter(audience).one(&*txn).await?.is_some()
                    || event::Entity::find_by_id(delivery.event_id).one(&*txn).await?.is_none()
            }
            None => false,
        };
        if !still_readable {
            webhook_delivery::Entity::update_many()
                .col_expr(webhook_delivery::Column::Status, Expr::value(CANCELLED))
                .col_expr(webhook_delivery::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
                .col_expr(webhook_delivery::Column::LastError, Expr::value(Some("the owner may no longer receive this event")))
                .filter(webhook_delivery::Column::Id.eq(delivery.id))
                .exec(&*txn)
                .await?;
            txn.commit().await?;
            continue;
        }
        txn.commit().await?;
        claimed.push(Dispatch { delivery, lease_until, url: hook.url, secret: hook.secret });
    }
    Ok(claimed)
}

/// Records an attempt and decides what follows: done, another try after
/// the backoff, or failed once the attempt limit is reached. Only while the
/// claim's lease holds: a worker that overran it (and whose delivery another
/// worker has taken over) records nothing. Returns whether it recorded.
pub async fn record_attempt(db: &Db, dispatch: &Dispatch, outcome: &AttemptOutcome, policy: &RetryPolicy) -> Result<bool, DomainError> {
    let delivery = &dispatch.delivery;
    let number = delivery.attempts + 1;
    let error = outcome.error.as_ref().map(|e| e.chars().take(ERROR_TEXT_MAX).collect::<String>());
    let mut model: webhook_delivery::ActiveModel = delivery.clone().into();
    model.attempts = Set(number);
    model.lease_until = Set(None);
    model.last_status_code = Set(outcome.status_code.map(i32::from));
    model.last_error = Set(error.clone());
    if outcome.succeeded() {
        model.status = Set(SUCCEEDED.into());
        model.next_attempt_at = Set(None);
        model.delivered_at = Set(Some(outcome.attempted_at));
    } else if number >= delivery.attempt_limit {
        model.status = Set(FAILED.into());
        model.next_attempt_at = Set(None);
    } else {
        let wait = policy.delay_after(u32::try_from(number).unwrap_or(u32::MAX));
        let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
        model.next_attempt_at = Set(Some(outcome.attempted_at + wait));
    }
    let txn = db.begin_write().await?;
    let still_held = webhook_delivery::Entity::update_many()
        .set(model)
        .filter(webhook_delivery::Column::Id.eq(delivery.id))
        .filter(webhook_delivery::Column::Status.eq(PENDING))
        .filter(webhook_delivery::Column::LeaseUntil.eq(dispatch.lease_until))
        .exec(&*txn)
        .await?
        .rows_affected
        == 1;
    if still_held {
        webhook_attempt::ActiveModel {
            id: Set(new_id()),
            delivery_id: Set(delivery.id),
            number: Set(number),
            attempted_at: Set(outcome.attempted_at),
            status_code: Set(outcome.status_code.map(i32::from)),
            error: Set(error),
            duration_ms: Set(i32::try_from(outcome.duration.as_millis()).unwrap_or(i32::MAX)),
        }
        .insert(&*txn)
        .await?;
    }
    txn.commit().await?;
    Ok(still_held)
}

/// The `X-Jiuzhu-Signature` value for `body` sent at unix time `t`:
/// `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mac = crate::hash::hmac_sha256_hex(secret.as_bytes(), format!("{t}.{body}").as_bytes());
    format!("t={t},v1={mac}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy = RetryPolicy { max_attempts: 15, base: Duration::from_secs(1), cap: Duration::from_secs(900) };

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let waits: Vec<u64> = (1..=12).map(|n| POLICY.delay_after(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
        assert_eq!(POLICY.delay_after(u32::MAX), Duration::from_secs(900));
    }

    #[test]
    fn the_default_policy_outlasts_an_hour_long_outage() {
        let patience: Duration = (1..POLICY.max_attempts).map(|n| POLICY.delay_after(n)).sum();
        assert!(patience > Duration::from_secs(3600), "retries span only {patience:?}");
    }

    #[test]
    fn signature_is_hmac_of_timestamp_dot_body() {
        let sig = signature("s3cret-s3cret-s3cret", 1_700_000_000, r#"{"id":"1"}"#);
        let expected = crate::hash::hmac_sha256_hex(b"s3cret-s3cret-s3cret", br#"1700000000.{"id":"1"}"#);
        assert_eq!(sig, format!("t=1700000000,v1={expected}"));
        assert_ne!(sig, signature("s3cret-s3cret-s3cret", 1_700_000_001, r#"{"id":"1"}"#));
    }

    #[test]
    fn only_2xx_answers_succeed() {
        let outcome = |status: Option<u16>, error: Option<&str>| AttemptOutcome {
            attempted_at: DateTime::<Utc>::UNIX_EPOCH,
            status_code: status,
            error: error.map(str::to_string),
            duration: Duration::ZERO,
        };
        assert!(outcome(Some(200), None).succeeded());
        assert!(outcome(Some(204), None).succeeded());
        assert!(!outcome(Some(500), Some("the receiver answered 500")).succeeded());
        assert!(!outcome(Some(301), Some("redirects are not followed")).succeeded());
        assert!(!outcome(None, Some("connection refused")).succeeded());
    }
}
