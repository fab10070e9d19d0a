//! The `Idempotency-Key` middleware: on any POST carrying the header, the
//! first successful (2xx) response is stored per caller and key for 24 h. A
//! replay gets that response (with `Idempotent-Replayed: true`); the same
//! key with another request answers 422; a replay while the first is still
//! running answers 409. Failed first attempts release the key, so a retry
//! runs again. The claim itself is written by the request's first write
//! transaction (`jiuzhu_platform::idempotency::claimed`).

use crate::auth::{TokenService, bearer_token};
use crate::json::BodyLimit;
use crate::middleware::RequestId;
use crate::problem::{ApiError, HttpFailure};
use crate::sessions::SessionCache;
use crate::state::AppState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use jiuzhu_core::{Actor, DomainError};
use jiuzhu_platform::audit::{Entry, Outcome, Who};
use jiuzhu_platform::hash::sha256_hex;
use jiuzhu_platform::idempotency::{self, Claim, ClaimSlot, ClaimState, MAX_KEY_LEN, PendingClaim, StoredResponse};
use jiuzhu_platform::record::audit_alone;

pub const HEADER: &str = "idempotency-key";
const REPLAYED: &str = "idempotent-replayed";
/// Headers worth replaying with the stored body.
const KEPT_HEADERS: [header::HeaderName; 3] = [header::LOCATION, header::ETAG, header::CONTENT_TYPE];
/// The body limit of the route a request goes to, applied before a byte is
/// buffered for fingerprinting: bulk uploads take `import_limit_bytes`,
/// every other body `body_limit_bytes`.
fn body_limit_of(req: &ServiceRequest) -> usize {
    if req.path() == "/api/v1/imports"
        && let Some(state) = req.app_data::<actix_web::web::Data<crate::state::AppState>>()
    {
        return state.settings.import_limit_bytes;
    }
    BodyLimit::of(req.app_data())
}

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_LEN && key.bytes().all(|b| b.is_ascii_graphic())
}

pub async fn idempotency(mut req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(raw_key) = req.headers().get(HEADER).cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if req.method() != Method::POST {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let key = raw_key.to_str().unwrap_or("").to_string();
    if !valid_key(&key) {
        return Err(
            ApiError::Http(HttpFailure::BadHeader(format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters"))).into()
        );
    }
    // The owner is the authenticated caller, as its account allows now;
    // without one the handler answers 401 and there is nothing to remember.
    let verified = match (req.app_data::<web::Data<TokenService>>(), bearer(&req)) {
        (Some(tokens), Some(token)) => tokens.verify(&token).ok(),
        _ => None,
    };
    let (Some(verified), Some(state), Some(sessions)) =
        (verified, req.app_data::<web::Data<AppState>>().cloned(), req.app_data::<web::Data<SessionCache>>().cloned())
    else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let Ok(actor) = sessions.admit(&state.db, &verified).await else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let owner = actor.subject.clone();

    let body = read_payload(&mut req).await?;
    let fingerprint = sha256_hex(&[req.method().as_str().as_bytes(), req.path().as_bytes(), req.query_string().as_bytes(), &body]);
    let now = state.clock.now();
    let on_record = idempotency::look_up(&state.db, &owner, &key, &fingerprint, now).await.map_err(ApiError::from)?;
    if let Some(answer) = answer_on_record(&state, req.request(), &actor, on_record).await? {
        return Ok(req.into_response(answer));
    }
    let (_, mut payload) = actix_http::h1::Payload::create(true);
    payload.unread_data(body);
    req.set_payload(payload.into());

    let claim = PendingClaim { owner, key, request_hash: fingerprint, at: now };
    let slot = ClaimSlot::new(claim.clone());
    let outcome = idempotency::claimed(slot.clone(), next.call(req)).await;
    let written = match slot.state() {
        ClaimState::HeldElsewhere => return held_elsewhere(&state, &actor, &claim, outcome).await,
        state => state == ClaimState::Written,
    };
    let response = match outcome {
        Ok(response) if response.status().is_success() => response.map_into_boxed_body(),
        failed => {
            if written {
                idempotency::release(&state.db, &claim).await.map_err(ApiError::from)?;
            }
            return failed.map(ServiceResponse::map_into_boxed_body);
        }
    };
    let (request, response) = response.into_parts();
    let status = response.status();
    let headers: Vec<(String, String)> = KEPT_HEADERS
        .iter()
        .filter_map(|name| response.headers().get(name).and_then(|v| v.to_str().ok()).map(|v| (name.as_str().to_string(), v.to_string())))
        .collect();
    let (head, body) = response.into_parts();
    let bytes =
        actix_web::body::to_bytes(body).await.map_err(|_| ApiError::Domain(DomainError::Internal("response body unreadable".into())))?;
    let stored = StoredResponse { status: status.as_u16(), body: String::from_utf8_lossy(&bytes).to_string(), headers };
    idempotency::complete(&state.db, &claim, &stored).await.map_err(ApiError::from)?;
    Ok(ServiceResponse::new(request, head.set_body(BoxBody::new(bytes))))
}

/// Another request with this key wrote first, so the handler's write was
/// refused: that request's answer, once stored, is this one's too.
async fn held_elsewhere<B: MessageBody + 'static>(
    state: &AppState,
    actor: &Actor,
    claim: &PendingClaim,
    outcome: Result<ServiceResponse<B>, Error>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let (request, refusal) = outcome?.map_into_boxed_body().into_parts();
    let on_record =
        idempotency::look_up(&state.db, &claim.owner, &claim.key, &claim.request_hash, claim.at).await.map_err(ApiError::from)?;
    Ok(match answer_on_record(state, &request, actor, on_record).await {
        Ok(Some(answer)) => ServiceResponse::new(request, answer),
        Ok(None) => ServiceResponse::new(request, refusal),
        Err(problem) => return Err(problem.into()),
    })
}

/// The answer a key's record gives without running the request: the stored
/// response (a replay, audited: it discloses again what the first answer
/// disclosed), 409 while the first is in flight, 422 for another request;
/// `None` when the key is free.
async fn answer_on_record(
    state: &AppState,
    request: &HttpRequest,
    actor: &Actor,
    on_record: Claim,
) -> Result<Option<HttpResponse>, ApiError> {
    match on_record {
        Claim::Fresh => Ok(None),
        Claim::Replay(stored) => {
            let request_id = request.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
            let who = Who { subject: actor.subject.clone(), role: actor.role.code().to_string(), request_id, at: state.clock.now() };
            let entry = Entry {
                action: "request.replayed".into(),
                entity_type: "request".into(),
                entity_id: Some(request.path().to_string()),
                region_code: actor.region.to_string(),
                outcome: Outcome::Success,
                detail: serde_json::json!({"status": stored.status}),
            };
            audit_alone(&state.db, &who, entry).await?;
            Ok(Some(replay(stored)))
        }
        Claim::InFlight => Err(ApiError::Domain(DomainError::conflict(
            "idempotency_key_in_flight",
            "a request with this Idempotency-Key is still being processed",
        ))),
        Claim::Mismatch => {
            Err(ApiError::Domain(DomainError::rule("idempotency_key_reused", "this Idempotency-Key was used with a different request")))
        }
    }
}

fn bearer(req: &ServiceRequest) -> Option<String> {
    bearer_token(req.request()).ok().map(str::to_string)
}

async fn read_payload(req: &mut ServiceRequest) -> Result<web::Bytes, ApiError> {
    let limit = body_limit_of(req);
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::Http(HttpFailure::PayloadTooLarge(limit)));
    }
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::Http(HttpFailure::MalformedBody(format!("body could not be read: {e}"))))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::Http(HttpFailure::PayloadTooLarge(limit)));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn replay(stored: StoredResponse) -> HttpResponse {
    let mut response = HttpResponse::build(StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK));
    for (name, value) in stored.headers {
        response.insert_header((name, value));
    }
    response.insert_header((REPLAYED, "true"));
    response.body(stored.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_bounded_visible_ascii() {
        assert!(valid_key("order-2025-03-01-0001"));
        assert!(!valid_key(""));
        assert!(!valid_key("has space"));
        assert!(!valid_key(&"k".repeat(256)));
        assert!(valid_key(&"k".repeat(255)));
    }
}
