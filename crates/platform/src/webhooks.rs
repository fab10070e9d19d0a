//! Webhook subscriptions and their delivery log: registering a URL for the
//! events its owner may read, removing it, sending a test event, listing
//! deliveries with every attempt, and redelivering by hand. The worker side
//! (fan-out, claiming, recording attempts) is in `webhook_dispatch`.

use crate::concurrency::expect_version;
use crate::db::Db;
use crate::entity::{webhook, webhook_attempt, webhook_delivery};
use crate::outbox::EventView;
use crate::paging::keyset;
use crate::record::{Change, authorize, record};
use chrono::{DateTime, Utc};
use jiuzhu_core::target::{Refusal, TargetPolicy};
use jiuzhu_core::{Context, DomainError, Page, PageRequest, Permission, id::new_id};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

jiuzhu_core::coded_enum! {
    /// Where a webhook delivery stands.
    pub enum DeliveryStatus as "delivery_status" {
        /// Waiting for its next attempt.
        Pending = "pending", "待投递", "Pending";
        Succeeded = "succeeded", "已送达", "Succeeded";
        /// Out of attempts.
        Failed = "failed", "投递失败", "Failed";
        /// The webhook was removed.
        Cancelled = "cancelled", "已取消", "Cancelled";
    }
}

/// The stored codes of the delivery states, for queries.
pub const PENDING: &str = DeliveryStatus::Pending.code();
pub const SUCCEEDED: &str = DeliveryStatus::Succeeded.code();
pub const FAILED: &str = DeliveryStatus::Failed.code();
pub const CANCELLED: &str = DeliveryStatus::Cancelled.code();

/// The event type of `POST /webhooks/{id}/test`.
pub const TEST_EVENT: &str = "webhook.test";
/// The position a test ping carries: it is not in the feed.
pub const TEST_POSITION: i64 = 0;

const MAX_EVENT_TYPES: usize = 50;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://edu.example.gov.cn/jiuzhu/events", "event_types": ["referral.created", "referral.reminded"], "secret": "4b1f0c2e9d7a4e5f8a6b3c1d2e0f9a8b", "description": "教育局学生资助系统"}))]
pub struct CreateWebhook {
    /// An absolute `http` or `https` URL that accepts `POST`.
    #[validate(length(min = 1, max = 2048))]
    #[schema(
        min_length = 1,
        max_length = 2048,
        pattern = r"^https?://[^/?#@:\s\x00-\x1f\x7f-\x9f][^/?#@\s\x00-\x1f\x7f-\x9f]*([/?#][^\s\x00-\x1f\x7f-\x9f]*)?$"
    )]
    pub url: String,
    /// Event types to deliver (`referral.created`, …); empty or absent: every type the owner may read.
    #[serde(default)]
    pub event_types: Vec<String>,
    /// The HMAC-SHA256 key for `X-Jiuzhu-Signature`: 16 to 256 characters. Never shown again.
    #[validate(length(min = 16, max = 256))]
    #[schema(min_length = 16, max_length = 256)]
    pub secret: String,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "url": "https://edu.example.gov.cn/jiuzhu/events", "event_types": ["referral.created"], "description": "教育局学生资助系统", "region_code": "640200", "version": 1, "created_at": "2026-03-01T08:00:00Z"}))]
pub struct WebhookView {
    pub id: Uuid,
    pub url: String,
    /// Empty: every type the owner may read.
    pub event_types: Vec<String>,
    pub description: String,
    /// The owner's region when it registered: the webhook carries events its owner could read then.
    pub region_code: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<webhook::Model> for WebhookView {
    type Error = DomainError;

    fn try_from(m: webhook::Model) -> Result<Self, DomainError> {
        Ok(Self {
            id: m.id,
            url: m.url,
            event_types: jiuzhu_core::stored_json::from_column("webhooks.event_types", &m.event_types)?,
            description: m.description,
            region_code: m.region_code,
            version: m.version,
            created_at: m.created_at,
        })
    }
}

/// One HTTP attempt of a delivery.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookAttemptView {
    /// 1 for the first attempt.
    pub number: i32,
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status; `null` when no answer came (refused, timed out).
    pub status_code: Option<i32>,
    /// Why the attempt failed, when it did.
    pub error: Option<String>,
    pub duration_ms: i32,
}

impl From<webhook_attempt::Model> for WebhookAttemptView {
    fn from(m: webhook_attempt::Model) -> Self {
        Self { number: m.number, attempted_at: m.attempted_at, status_code: m.status_code, error: m.error, duration_ms: m.duration_ms }
    }
}

/// One event owed to a webhook and how its delivery went.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "0192f4a5-0000-7000-8000-00000000d001", "event_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11", "event_type": "referral.created", "subject_id": "0192f4a4-0000-7000-8000-000000000002", "status": "succeeded", "attempts": 4, "attempt_limit": 15, "next_attempt_at": null, "last_status_code": 200, "last_error": null, "created_at": "2026-03-01T08:00:00Z", "delivered_at": "2026-03-01T08:00:07Z", "attempt_log": [{"number": 1, "attempted_at": "2026-03-01T08:00:00Z", "status_code": 500, "error": "the receiver answered 500", "duration_ms": 12}, {"number": 4, "attempted_at": "2026-03-01T08:00:07Z", "status_code": 200, "error": null, "duration_ms": 9}]}))]
pub struct WebhookDeliveryView {
    pub id: Uuid,
    /// Also sent as `X-Jiuzhu-Event-Id`; the same on every attempt.
    pub event_id: Uuid,
    pub event_type: String,
    pub subject_id: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// Attempts allowed before the delivery fails; a manual retry raises it.
    pub attempt_limit: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// Every attempt, oldest first.
    pub attempt_log: Vec<WebhookAttemptView>,
}

impl WebhookDeliveryView {
    fn new(m: webhook_delivery::Model, attempt_log: Vec<WebhookAttemptView>) -> Result<Self, DomainError> {
        Ok(Self {
            id: m.id,
            event_id: m.event_id,
            event_type: m.event_type,
            subject_id: m.subject_id,
            status: jiuzhu_core::codes::parse_code(&m.status)?,
            attempts: m.attempts,
            attempt_limit: m.attempt_limit,
            next_attempt_at: m.next_attempt_at,
            last_status_code: m.last_status_code,
            last_error: m.last_error,
            created_at: m.created_at,
            delivered_at: m.delivered_at,
            attempt_log,
        })
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilter {
    /// Only deliveries in this state.
    pub status: Option<DeliveryStatus>,
}

/// The authority of an `http(s)` URL: what lies between the scheme and the path.
fn authority(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    Some(rest.split(['/', '?', '#']).next().unwrap_or(""))
}

/// The host of an `http(s)` URL's authority, without port; a bracketed
/// IPv6 address keeps its brackets.
pub fn url_host(url: &str) -> Option<&str> {
    let host_port = authority(url)?.rsplit('@').next().unwrap_or("");
    if host_port.starts_with('[') {
        return host_port.find(']').map(|end| &host_port[..=end]);
    }
    Some(match host_port.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => host_port,
    })
}

/// A receiver URL: `http(s)`, a host, no credentials, and a target the
/// policy allows (public, or in an allowed network).
fn valid_url(url: &str, targets: &TargetPolicy) -> Result<(), DomainError> {
    let bad = |message: &str| DomainError::field("url", "url_invalid", message.to_string());
    let authority = authority(url).ok_or_else(|| bad("the URL must start with https:// or http://"))?;
    if authority.contains('@') {
        return Err(bad("the URL must not carry credentials; the signature authenticates jiuzhu"));
    }
    let host = url_host(url).unwrap_or("");
    if host.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("the URL needs a host and no spaces"));
    }
    match targets.check_host(host) {
        Ok(()) => Ok(()),
        Err(Refusal::Malformed) => Err(bad("the URL's host is neither a name nor an address")),
        Err(Refusal::NotPublic(why)) => Err(DomainError::field(
            "url",
            "url_not_public",
            format!("{why}: receivers must be on the public internet or in a network the operator allows"),
        )),
    }
}

fn valid_event_types(types: &[String]) -> Result<(), DomainError> {
    if types.len() > MAX_EVENT_TYPES {
        return Err(DomainError::field("event_types", "too_many", format!("at most {MAX_EVENT_TYPES} event types")));
    }
    for (i, t) in types.iter().enumerate() {
        let well_formed = t.len() <= 64
            && t.split_once('.').is_some_and(|(resource, verb)| {
                let part = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                part(resource) && part(verb)
            });
        if !well_formed {
            return Err(DomainError::field(
                format!("event_types[{i}]"),
                "event_type_invalid",
                "an event type looks like `referral.created`",
            ));
        }
    }
    Ok(())
}

/// The caller's own live webhook; anyone else's is not found.
async fn owned(conn: &impl ConnectionTrait, ctx: &Context, id: Uuid) -> Result<webhook::Model, DomainError> {
    webhook::Entity::find_by_id(id)
        .filter(webhook::Column::Owner.eq(ctx.actor.subject.clone()))
        .filter(webhook::Column::DeletedAt.is_null())
        .one(conn)
        .await?
        .ok_or(DomainError::NotFound)
}

/// Registers a webhook; its URL must be a target `targets` allows.
pub async fn create(db: &Db, ctx: &Context, targets: &TargetPolicy, input: CreateWebhook) -> Result<WebhookView, DomainError> {
    authorize(db, ctx, Permission::WebhookManage).await?;
    valid_url(&input.url, targets)?;
    valid_event_types(&input.event_types)?;
    let mut event_types = input.event_types;
    event_types.sort();
    event_types.dedup();
    // The webhook starts after every event committed before it: those are
    // numbered first, and the newest position becomes its cursor.
    crate::relay::drain(db).await?;
    let txn = db.begin_write().await?;
    let id = new_id();
    let change = Change::audited("webhook.created", "webhook", id, ctx.actor.region.as_str())
        .with_detail(serde_json::json!({"url": input.url, "event_types": event_types}));
    record(&*txn, ctx, change).await?;
    let newest = crate::outbox::newest_position(&*txn).await?;
    let model = webhook::ActiveModel {
        id: Set(id),
        owner: Set(ctx.actor.subject.clone()),
        owner_role: Set(ctx.actor.role.code().to_string()),
        region_code: Set(ctx.actor.region.to_string()),
        department: Set(ctx.actor.department.clone()),
        provider_id: Set(ctx.actor.provider_id),
        url: Set(input.url),
        event_types: Set(serde_json::Value::from(event_types).to_string()),
        secret: Set(input.secret),
        description: Set(input.description.unwrap_or_default()),
        feed_position: Set(Some(newest)),
        version: Set(1),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
        deleted_at: Set(None),
    }
    .insert(&*txn)
    .await?;
    txn.commit().await?;
    model.try_into()
}

/// The caller's webhooks, by id.
pub async fn list(db: &Db, ctx: &Context, page: PageRequest) -> Result<Page<WebhookView>, DomainError> {
    authorize(db, ctx, Permission::WebhookManage).await?;
    let query =
        webhook::Entity::find().filter(webhook::Column::Owner.eq(ctx.actor.subject.clone())).filter(webhook::Column::DeletedAt.is_null());
    let rows = keyset::<_, Uuid>(query, webhook::Column::Id, &page)?.all(db.conn()).await?;
    page.into_page(rows, |r| r.id.to_string()).try_map(WebhookView::try_from)
}

pub async fn get(db: &Db, ctx: &Context, id: Uuid) -> Result<WebhookView, DomainError> {
    authorize(db, ctx, Permission::WebhookManage).await?;
    owned(db.conn(), ctx, id).await?.try_into()
}

/// Removes the webhook; deliveries still waiting are cancelled, the log stays.
pub async fn delete(db: &Db, ctx: &Context, id: Uuid, if_match: Option<i64>) -> Result<(), DomainError> {
    authorize(db, ctx, Permission::WebhookManage).await?;
    let txn = db.begin_write().await?;
    let current = owned(&*txn, ctx, id).await?;
    expect_version(if_match, current.version)?;
    let mut model: webhook::ActiveModel = current.clone().into();
    model.deleted_at = Set(Some(ctx.now));
    model.version = Set(current.version + 1);
    model.updated_at = Set(ctx.now);
    model.update(&*txn).await?;
    let cancelled = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Status, Expr::value(CANCELLED))
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(webhook_delivery::Column::WebhookId.eq(id))
        .filter(webhook_delivery::Column::Status.eq(PENDING))
        .exec(&*txn)
        .await?
        .rows_affected;
    let change = Change::audited("webhook.deleted", "webhook", id, &current.region_code)
        .with_detail(serde_json::json!({"cancelled_deliveries": cancelled}));
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    Ok(())
}

/// Queues a `webhook.test` event for this webhook only; the worker sends it
/// like any other, signed and retried.
pub async fn send_test(db: &Db, ctx: &Context, id: Uuid, attempt_limit: u32) -> Result<WebhookDeliveryView, DomainError> {
    authorize(db, ctx, Permission::WebhookManage).await?;
    let txn = db.begin_write().await?;
    let hook = owned(&*txn, ctx, id).await?;
    let event = EventView {
        id: new_id().to_string(),
        position: TEST_POSITION,
        event_type: TEST_EVENT.into(),
        occurred_at: ctx.now,
        region_code: hook.region_code.clone(),
        subject_id: hook.id.to_string(),
        data: serde_json::json!({"message": "jiuzhu webhook test", "webhook_id": hook.id}),
    };
    let delivery = crate::webhook_dispatch::queue(&*txn, &hook, &event, ctx.now, attempt_limit).await?;
    let change =
        Change::audited("webhook.tested", "webhook", id, &hook.region_code).with_detail(serde_json::json!({"delivery_id": delivery.id}));
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    WebhookDeliveryView::new(delivery, vec![])
}

/// The webhook's deliveries in the asked order, each with its attempts.
pub async fn deliveries(
    db: &Db,
    ctx: &Context,
    id: Uuid,
    filter: DeliveryFilter,
    page: PageRequest,
) -> Result<Page<WebhookDeliveryView>, DomainError> {
    authorize(db, ctx, Permission::WebhookManage).await?;
    owned(db.conn(), ctx, id).await?;
    let mut query = webhook_delivery::Entity::find().filter(webhook_delivery::Column::WebhookId.eq(id));
    if let Some(status) = filter.status {
        query = query.filter(webhook_delivery::Column::Status.eq(status.code()));
    }
    let rows = keyset::<_, Uuid>(query, webhook_delivery::Column::Id, &page)?.all(db.conn()).await?;
    let page = page.into_page(rows, |r| r.id.to_string());
    let ids: Vec<Uuid> = page.items.iter().map(|d| d.id).collect();
    let mut attempts = webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::DeliveryId.is_in(ids))
        .order_by_asc(webhook_attempt::Column::Number)
        .all(db.conn())
        .await?;
    page.try_map(|delivery| {
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut attempts).into_iter().partition(|a| a.delivery_id == delivery.id);
        attempts = rest;
        WebhookDeliveryView::new(delivery, mine.into_iter().map(WebhookAttemptView::from).collect())
    })
}

/// Sends a finished delivery again (failed, or succeeded but lost by the
/// receiver), with a fresh set of attempts and the same event id.
pub async fn retry(db: &Db, ctx: &Context, id: Uuid, delivery_id: Uuid, attempt_limit: u32) -> Result<WebhookDeliveryView, DomainError> {
    authorize(db, ctx, Permission::WebhookManage).await?;
    let txn = db.begin_write().await?;
    let hook = owned(&*txn, ctx, id).await?;
    let delivery = webhook_delivery::Entity::find_by_id(delivery_id)
        .filter(webhook_delivery::Column::WebhookId.eq(hook.id))
        .one(&*txn)
        .await?
        .ok_or(DomainError::NotFound)?;
    if delivery.status == PENDING {
        return Err(DomainError::conflict("delivery_pending", "the delivery is still pending; the worker will try it again by itself"));
    }
    let mut model: webhook_delivery::ActiveModel = delivery.clone().into();
    model.status = Set(PENDING.into());
    model.attempt_limit = Set(delivery.attempts.saturating_add(attempt_limit as i32));
    model.next_attempt_at = Set(Some(ctx.now));
    model.lease_until = Set(None);
    let updated = model.update(&*txn).await?;
    let change = Change::audited("webhook.delivery_retried", "webhook", id, &hook.region_code)
        .with_detail(serde_json::json!({"delivery_id": delivery_id, "previous_status": delivery.status}));
    record(&*txn, ctx, change).await?;
    txn.commit().await?;
    let log = webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::DeliveryId.eq(delivery_id))
        .order_by_asc(webhook_attempt::Column::Number)
        .all(db.conn())
        .await?;
    WebhookDeliveryView::new(updated, log.into_iter().map(WebhookAttemptView::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_need_a_scheme_and_host_and_no_credentials() {
        let public = TargetPolicy::default();
        assert!(valid_url("https://edu.example.gov.cn/hook", &public).is_ok());
        assert!(valid_url("http://8.8.8.8:9000/x?y=1", &public).is_ok());
        for bad in [
            "ftp://x/y",
            "https://",
            "https:///path",
            "https://:80/",
            "https://user:pw@host/",
            "https://a b/",
            "edu.example",
            "http://999.1.1.1/",
        ] {
            assert!(valid_url(bad, &public).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn urls_must_reach_public_or_allowed_targets() {
        let public = TargetPolicy::default();
        for inside in [
            "http://127.0.0.1:9000/x",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::ffff:127.0.0.1]/",
            "http://2130706433/",
            "http://localhost:80/",
            "https://10.0.0.8/",
        ] {
            let err = valid_url(inside, &public).unwrap_err();
            assert!(format!("{err:?}").contains("url_not_public"), "{inside}: {err:?}");
        }
        let intranet = TargetPolicy::allowing(&["10.0.0.0/8".into()]).unwrap();
        assert!(valid_url("https://10.0.0.8/hook", &intranet).is_ok());
        assert_eq!(url_host("http://[::1]:8080/x"), Some("[::1]"));
        assert_eq!(url_host("https://a.example:443"), Some("a.example"));
    }

    #[test]
    fn event_types_are_resource_dot_verb() {
        assert!(valid_event_types(&["referral.created".into(), "service_order.completed".into()]).is_ok());
        let err = valid_event_types(&["referral.created".into(), "Referral".into()]).unwrap_err();
        assert!(format!("{err:?}").contains("event_types[1]"));
        assert!(valid_event_types(&vec!["a.b".to_string(); 51]).is_err());
    }
}
