//! The outermost middleware: assigns or echoes `X-Request-Id`, turns every
//! error (including panics and bare actix statuses) into a problem response
//! that carries the request path and id, and writes one access-log line.
//! The log line holds the path without its query string, so no personal
//! data from a query reaches the log.

use crate::problem::{ApiError, HttpFailure, Language, PROBLEM_CONTENT_TYPE, problem_kind};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError};
use futures_util::FutureExt;
use jiuzhu_core::{DomainError, FieldError};
use std::panic::AssertUnwindSafe;
use std::time::Instant;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, in the request's extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Accepts a caller's id when it is short and plain; otherwise makes one.
fn request_id_from(value: Option<&HeaderValue>) -> String {
    value
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
        .map(str::to_string)
        .unwrap_or_else(|| jiuzhu_core::id::new_id().to_string())
}

/// A JSON body a handler chose (a problem, or e.g. readiness detail) stays;
/// actix's bare or plain-text error bodies become problems.
fn has_json_body(response: &actix_web::HttpResponse<BoxBody>) -> bool {
    response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        let essence = v.split(';').next().unwrap_or("").trim();
        essence == "application/json" || essence == PROBLEM_CONTENT_TYPE
    })
}

pub async fn request_context(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<BoxBody>, Error> {
    let request_id = request_id_from(req.headers().get(&REQUEST_ID_HEADER));
    let language = Language::preferred(req.headers().get(actix_web::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let path = req.path().to_string();
    let method = req.method().to_string();
    let started = Instant::now();
    // U+0000 cannot be stored (PostgreSQL text refuses it), so a path or
    // query that decodes to it is refused before any handler reads it: a
    // path with 400, a declared parameter with 422 naming it, like any
    // other bad value (an unknown parameter is 400 first).
    let nul = |raw: &str| raw.contains("%00");
    let refused = if nul(req.uri().path()) {
        Some(ApiError::Http(HttpFailure::BadPath("the path may not contain %00".into())))
    } else {
        crate::query_contract::refusal(&req).or_else(|| {
            let pair = req.uri().query()?.split('&').find(|pair| nul(pair))?;
            let name = pair.split('=').next().filter(|name| !nul(name)).unwrap_or("query");
            let field = FieldError::new(name, jiuzhu_core::text::NUL_CODE, "may not contain U+0000 (%00)");
            Some(ApiError::Domain(jiuzhu_core::DomainError::Validation(vec![field])))
        })
    };

    let outcome = match refused {
        Some(error) => Ok(Err(error.into())),
        None => AssertUnwindSafe(next.call(req)).catch_unwind().await,
    };
    let render = |error: &ApiError| error.render_in(language, Some(path.clone()), Some(request_id.clone()));
    // Without the request (routing needs it unshared) a failed call can only
    // answer with an error; `InContext` renders it with the path and id.
    let failed = |error: ApiError| -> Result<ServiceResponse<BoxBody>, Error> {
        tracing::info!(target: "jiuzhu::access", request_id = %request_id, method = %method, path = %path, status = problem_kind(&error).status.as_u16(), "request");
        Err(InContext { error, language, instance: path.clone(), request_id: request_id.clone() }.into())
    };
    let mut response = match outcome {
        Err(_panic) => return failed(ApiError::Domain(DomainError::Internal(format!("handler panicked on {method} {path}")))),
        Ok(Err(error)) => {
            let api = error
                .as_error::<ApiError>()
                .cloned()
                .unwrap_or(ApiError::Http(HttpFailure::Status(error.as_response_error().status_code())));
            return failed(api);
        }
        Ok(Ok(response)) => {
            let response = response.map_into_boxed_body();
            let status = response.status();
            let api_error = response.response().error().and_then(|e| e.as_error::<ApiError>()).cloned();
            match api_error {
                Some(api) => response.into_response(render(&api)),
                None if status.as_u16() >= 400 && !has_json_body(response.response()) => {
                    let failure = ApiError::Http(HttpFailure::Status(status));
                    response.into_response(render(&failure))
                }
                None => response,
            }
        }
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    let status = response.status().as_u16();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(target: "jiuzhu::access", request_id = %request_id, method = %method, path = %path, status, elapsed_ms, "request");
    Ok(response)
}

/// An error that already knows its request's path and id.
#[derive(Debug)]
struct InContext {
    error: ApiError,
    language: Language,
    instance: String,
    request_id: String,
}

impl std::fmt::Display for InContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl ResponseError for InContext {
    fn status_code(&self) -> actix_web::http::StatusCode {
        problem_kind(&self.error).status
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        let mut response = self.error.render_in(self.language, Some(self.instance.clone()), Some(self.request_id.clone()));
        if let Ok(value) = HeaderValue::from_str(&self.request_id) {
            response.headers_mut().insert(REQUEST_ID_HEADER, value);
        }
        response
    }
}

/// The client's address, as the rate limits and the login lock-out key it:
/// the peer's, or the one a trusted proxy forwarded (`trusted_proxies`).
pub fn client_address(req: &actix_web::HttpRequest) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return String::new();
    };
    let Some(state) = req.app_data::<actix_web::web::Data<crate::state::AppState>>() else {
        return peer.to_string();
    };
    let values = |name: &str| -> Vec<&str> { req.headers().get_all(name).filter_map(|v| v.to_str().ok()).collect() };
    state.trusted_proxies.client(peer, &values("forwarded"), &values("x-forwarded-for")).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_plain_ids_and_replaces_odd_ones() {
        assert_eq!(request_id_from(Some(&HeaderValue::from_static("abc-123"))), "abc-123");
        let made = request_id_from(Some(&HeaderValue::from_static("has space")));
        assert_ne!(made, "has space");
        assert_eq!(made.len(), 36);
        assert_eq!(request_id_from(None).len(), 36);
        let long = "a".repeat(200);
        assert_ne!(request_id_from(Some(&HeaderValue::from_str(&long).unwrap())), long);
    }
}
