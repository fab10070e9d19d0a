//! `/dci/registry/sync/search`, `/dci/registry/sync/txn/status` and their
//! asynchronous `/dci/registry/search` and `/dci/registry/txn/status`: the
//! DCI social registry API 1.0.0 for department systems built to it, beside
//! jiuzhu's own `/registry/search`. Every message is answered in the spec's
//! envelope: HTTP 200 for a well-formed one (refused requests and rules the
//! schema cannot state answered `rjct` inside), HTTP 400 with header status
//! `rjct` and its reason for one that breaks the schema. Transport faults
//! (token, permission, size, media type, JSON that does not parse) answer as
//! every other operation.

use crate::extract::Ctx;
use crate::json::ValidJson;
use crate::problem::ApiError;
use crate::problem::Problem;
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};
use jiuzhu_needs_assessment::dci::{self, Ack, Disposition, Reply, SearchAnswer, SearchEnvelope, TxnStatusAnswer, TxnStatusEnvelope};
use serde::Deserialize;
use serde::Serialize;
use serde_json::Value;
use utoipa_actix_web::service_config::ServiceConfig;

/// Any JSON object: the envelope is read (and refused) by the DCI rules, not by serde.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Message(Value);

impl validator::Validate for Message {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

/// The HTTP status of how the message was taken.
fn answer<T: Serialize>(reply: Reply<T>) -> HttpResponse {
    let mut response = match reply.disposition {
        Disposition::Answered => HttpResponse::Ok(),
        Disposition::Acknowledged => HttpResponse::Accepted(),
        Disposition::Malformed => HttpResponse::BadRequest(),
        Disposition::NoReceiver => HttpResponse::Conflict(),
    };
    response.json(reply.answer)
}

/// Attempts per callback: as many as any webhook delivery gets.
fn attempts(state: &AppState) -> u32 {
    state.settings.webhook_policy().max_attempts
}

/// DCI registry search (synchronous)
///
/// The DCI social registry `sync/search`: up to 100 requests per message,
/// each answered on its own with `succ` and the records found (as
/// `spdci:Member`, or `spdci:Group` households with `response_entity:
/// Group`) or `rjct` with its reason code. Queries: `idtype-value`
/// (NationalID/UIN), `predicate` and `expression` on `region_code`,
/// `category`, `group`, `status`; pages by `page_size`/`page_number` with
/// `total_count`. Only people in the caller's region are found; ID numbers
/// and names are masked; each request needs `authorize.purpose.text` (or
/// `consent`'s), recorded in its audit row. A refused message (version,
/// action, timestamp, count, repeated `message_id`) answers header status
/// `rjct` with its `status_reason_code`; one that breaks the schema (a
/// missing or mistyped field, more than 100 requests) answers the same with
/// HTTP 400. See `docs/registry-search.md`.
///
/// Permission: `registry:search` (department and data_exchange clients, city_admin).
#[utoipa::path(
    tag = "dci",
    operation_id = "dciSyncSearch",
    request_body(content = SearchEnvelope, content_type = "application/json"),
    responses(
        (status = 200, description = "The on-search answer; `header.status` is `succ`, or `rjct` for a refused message", body = SearchAnswer),
        (status = 400, description = "The message breaks the schema: header status `rjct` naming the field; or the body is not JSON (a problem)",
            content((SearchAnswer = "application/json"), (Problem = "application/problem+json")))
    )
)]
#[post("/dci/registry/sync/search")]
pub async fn sync_search(state: web::Data<AppState>, Ctx(ctx): Ctx, body: ValidJson<Message>) -> Result<HttpResponse, ApiError> {
    Ok(answer(dci::sync_search(&state.db, &ctx, &state.settings.dci_registry_id, &body.0.0).await?))
}

/// DCI transaction status (synchronous)
///
/// The DCI social registry `sync/txn/status`: the answer one of the
/// caller's search transactions was given, found by `transaction_id`,
/// `correlation_id` or `reference_id_list` (then only those requests).
/// Another caller's transaction, or none, answers header status `rjct`.
/// Only `txn_type: search` is served.
///
/// Permission: `registry:search` (department and data_exchange clients, city_admin).
#[utoipa::path(
    tag = "dci",
    operation_id = "dciSyncTxnStatus",
    request_body(content = TxnStatusEnvelope, content_type = "application/json"),
    responses(
        (status = 200, description = "The txn-on-status answer; `header.status` is `succ`, or `rjct` when refused or unknown", body = TxnStatusAnswer),
        (status = 400, description = "The message breaks the schema: header status `rjct` naming the field; or the body is not JSON (a problem)",
            content((TxnStatusAnswer = "application/json"), (Problem = "application/problem+json")))
    )
)]
#[post("/dci/registry/sync/txn/status")]
pub async fn sync_txn_status(state: web::Data<AppState>, Ctx(ctx): Ctx, body: ValidJson<Message>) -> Result<HttpResponse, ApiError> {
    Ok(answer(dci::sync_txn_status(&state.db, &ctx, &state.settings.dci_registry_id, &body.0.0).await?))
}

/// DCI registry search (asynchronous)
///
/// The DCI social registry `search`: the message is read as
/// `sync/search` reads it and acknowledged at once (202, `ack_status:
/// ACK`, with the `correlation_id`); the on-search answer is then POSTed to
/// `header.sender_uri` as a DCI envelope, signed, retried and logged like
/// every webhook delivery. `sender_uri` must be the URL of one of the
/// caller's own webhooks taking the event type `dci.on_search` (registered
/// with `POST /webhooks`, which holds the URL to the same target rules);
/// otherwise 409 `ERR` `err.sender_uri.invalid`. A message that breaks the
/// schema answers 400 `ERR` (`err.request.bad`, or
/// `err.version.not_supported`). The envelope's `signature` is the
/// webhook signature (`t=…,v1=…`) of the header's JSON followed by the
/// message's, with the webhook's secret.
///
/// Permission: `registry:search` (department and data_exchange clients, city_admin).
#[utoipa::path(
    tag = "dci",
    operation_id = "dciSearch",
    request_body(content = SearchEnvelope, content_type = "application/json"),
    responses(
        (status = 202, description = "Taken: the on-search answer follows at `sender_uri`", body = Ack),
        (status = 400, description = "The message breaks the schema (`ERR`); or the body is not JSON (a problem)",
            content((Ack = "application/json"), (Problem = "application/problem+json"))),
        (status = 409, description = "`sender_uri` is missing or no webhook of the caller's taking `dci.on_search` (`ERR`); or a repeated Idempotency-Key (a problem)",
            content((Ack = "application/json"), (Problem = "application/problem+json")))
    )
)]
#[post("/dci/registry/search")]
pub async fn search(state: web::Data<AppState>, Ctx(ctx): Ctx, body: ValidJson<Message>) -> Result<HttpResponse, ApiError> {
    Ok(answer(dci::search(&state.db, &ctx, &state.settings.dci_registry_id, attempts(&state), &body.0.0).await?))
}

/// DCI transaction status (asynchronous)
///
/// The DCI social registry `txn/status`: read as `sync/txn/status` reads
/// it, acknowledged at once (202), and answered as a txn-on-status
/// envelope at `header.sender_uri`, which must be one of the caller's
/// webhooks taking `dci.txn_on_status` (409 `ERR` otherwise). Delivered,
/// signed, retried and logged like every webhook delivery.
///
/// Permission: `registry:search` (department and data_exchange clients, city_admin).
#[utoipa::path(
    tag = "dci",
    operation_id = "dciTxnStatus",
    request_body(content = TxnStatusEnvelope, content_type = "application/json"),
    responses(
        (status = 202, description = "Taken: the txn-on-status answer follows at `sender_uri`", body = Ack),
        (status = 400, description = "The message breaks the schema (`ERR`); or the body is not JSON (a problem)",
            content((Ack = "application/json"), (Problem = "application/problem+json"))),
        (status = 409, description = "`sender_uri` is missing or no webhook of the caller's taking `dci.txn_on_status` (`ERR`); or a repeated Idempotency-Key (a problem)",
            content((Ack = "application/json"), (Problem = "application/problem+json")))
    )
)]
#[post("/dci/registry/txn/status")]
pub async fn txn_status(state: web::Data<AppState>, Ctx(ctx): Ctx, body: ValidJson<Message>) -> Result<HttpResponse, ApiError> {
    Ok(answer(dci::txn_status(&state.db, &ctx, &state.settings.dci_registry_id, attempts(&state), &body.0.0).await?))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(sync_search).service(sync_txn_status).service(search).service(txn_status);
}
