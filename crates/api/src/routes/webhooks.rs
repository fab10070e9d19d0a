//! `/webhooks`: subscriptions that push events to a department's or
//! provider's system, their delivery log and manual redelivery.

use crate::extract::{Ctx, IfMatch, ListQuery, created, with_etag};
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, web};
use jiuzhu_core::Page;
use jiuzhu_platform::webhooks::{self, CreateWebhook, DeliveryFilter, WebhookDeliveryView, WebhookView};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Register a webhook
///
/// jiuzhu POSTs each event the caller could read from `GET /events` (the
/// same scope: region subtree, department or provider), of the listed
/// types, to `url`, oldest first and in order per subject. Events published
/// after registration are delivered; earlier ones are in `GET /events`.
///
/// Each delivery carries `X-Jiuzhu-Event-Id` (the event id: de-duplicate on
/// it), `X-Jiuzhu-Event-Type`, `X-Jiuzhu-Delivery-Id` and
/// `X-Jiuzhu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
/// Verify the signature over the raw body and reject old `t` values. Any
/// 2xx answer is success; anything else (or no answer within the timeout)
/// is retried with exponential backoff until the attempt limit, then the
/// delivery is `failed` and can be retried by hand.
///
/// Permission: `webhook:manage`.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "createWebhook",
    request_body(content = CreateWebhook, content_type = "application/json"),
    responses((status = 201, description = "Registered; the secret is never shown again", body = WebhookView,
        headers(("Location" = String, description = "URL of the webhook"), ("ETag" = String, description = "Its version"))))
)]
#[post("/webhooks")]
pub async fn create_webhook(state: web::Data<AppState>, Ctx(ctx): Ctx, body: ValidJson<CreateWebhook>) -> Result<HttpResponse, ApiError> {
    let hook = webhooks::create(&state.db, &ctx, &state.webhook_targets, body.0).await?;
    Ok(created(format!("/api/v1/webhooks/{}", hook.id), hook.version, &hook))
}

/// List your webhooks
///
/// The caller's own webhooks, by id.
///
/// Permission: `webhook:manage`.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "listWebhooks",
    params(ListQuery),
    responses((status = 200, description = "One page", body = Page<WebhookView>))
)]
#[get("/webhooks")]
pub async fn list_webhooks(state: web::Data<AppState>, Ctx(ctx): Ctx, list: web::Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(webhooks::list(&state.db, &ctx, list.page()?).await?))
}

/// Get a webhook
///
/// Only the caller's own webhooks are found.
///
/// Permission: `webhook:manage`.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "getWebhook",
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "The webhook", body = WebhookView, headers(("ETag" = String, description = "Its version"))),
        (status = 404, description = "No such webhook of the caller's"),
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let hook = webhooks::get(&state.db, &ctx, *id).await?;
    Ok(with_etag(StatusCode::OK, hook.version, &hook))
}

/// Remove a webhook
///
/// Nothing more is delivered; deliveries still waiting become `cancelled`.
/// Needs `If-Match`.
///
/// Permission: `webhook:manage`.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "deleteWebhook",
    params(("id" = Uuid, Path, description = "Webhook id"), IfMatch),
    responses((status = 204, description = "Removed"), (status = 404, description = "No such webhook of the caller's"))
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    webhooks::delete(&state.db, &ctx, *id, if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send a test event
///
/// Queues a `webhook.test` event for this webhook only. It is signed,
/// logged and retried like any other; watch it in the delivery log.
///
/// Permission: `webhook:manage`.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "testWebhook",
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 202, description = "Queued", body = WebhookDeliveryView),
        (status = 404, description = "No such webhook of the caller's"),
    )
)]
#[post("/webhooks/{id}/test")]
pub async fn test_webhook(state: web::Data<AppState>, Ctx(ctx): Ctx, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let delivery = webhooks::send_test(&state.db, &ctx, *id, state.settings.webhook_max_attempts).await?;
    Ok(HttpResponse::Accepted().json(delivery))
}

/// List a webhook's deliveries
///
/// Oldest first (`order=desc` for newest first), each with its status, next
/// attempt and every attempt made (time, receiver's status code, error,
/// duration).
///
/// Permission: `webhook:manage`.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "listWebhookDeliveries",
    params(("id" = Uuid, Path, description = "Webhook id"), DeliveryFilter, ListQuery),
    responses(
        (status = 200, description = "One page", body = Page<WebhookDeliveryView>),
        (status = 404, description = "No such webhook of the caller's"),
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    id: web::Path<Uuid>,
    filter: web::Query<DeliveryFilter>,
    list: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(webhooks::deliveries(&state.db, &ctx, *id, filter.into_inner(), list.page()?).await?))
}

/// Redeliver an event
///
/// Sends a `failed` (or `succeeded`, if your system lost it) delivery again
/// with the same event id and a fresh set of attempts. A `pending` delivery
/// answers 409 `delivery_pending`: the worker is still trying it.
///
/// Permission: `webhook:manage`.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "retryWebhookDelivery",
    params(("id" = Uuid, Path, description = "Webhook id"), ("delivery_id" = Uuid, Path, description = "Delivery id")),
    responses(
        (status = 202, description = "Queued again", body = WebhookDeliveryView),
        (status = 404, description = "No such delivery of the caller's webhook"),
        (status = 409, description = "Still pending"),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/retry")]
pub async fn retry_webhook_delivery(
    state: web::Data<AppState>,
    Ctx(ctx): Ctx,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery_id) = path.into_inner();
    let delivery = webhooks::retry(&state.db, &ctx, id, delivery_id, state.settings.webhook_max_attempts).await?;
    Ok(HttpResponse::Accepted().json(delivery))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(delete_webhook)
        .service(test_webhook)
        .service(list_webhook_deliveries)
        .service(retry_webhook_delivery);
}
