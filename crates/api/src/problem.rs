//! Problem responses (RFC 9457). `ApiError` wraps a `DomainError` or an HTTP
//! failure, and `problem_kind` is the one table from error to status, type,
//! title and code. Internal causes go to the log, never to the client.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use jiuzhu_core::{DomainError, FieldError};
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";
pub const PROBLEM_TYPE_BASE: &str = "https://jiuzhu.example/problems/";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "https://jiuzhu.example/problems/validation",
    "title": "Request validation failed",
    "status": 422,
    "detail": "1 field is invalid",
    "instance": "/api/v1/auth/token",
    "code": "validation_failed",
    "request_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11",
    "errors": [{"field": "username", "code": "length", "message": "must be 1 to 64 characters"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The request path the problem occurred on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// A stable machine-readable code, listed in the spec.
    pub code: String,
    /// The `X-Request-Id` of the request, to quote when asking for help.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Per-field reasons, for validation failures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For 409 duplicates: the existing record the caller can see.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<String>,
    /// The figures behind a broken rule, e.g. `{"cap_fen", "committed_fen", "requested_fen"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

/// The language of a problem's title and detail: English unless the
/// caller's `Accept-Language` prefers Chinese (`zh`, `zh-CN`, `zh-Hans`…).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Language {
    #[default]
    English,
    Chinese,
}

impl Language {
    /// The language `Accept-Language` ranks highest among the two offered
    /// (ties go to the one listed first); English when it names neither.
    pub fn preferred(accept_language: Option<&str>) -> Self {
        let mut best: Option<(f32, Language)> = None;
        for range in accept_language.unwrap_or("").split(',') {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let quality = parts.filter_map(|p| p.trim().strip_prefix("q=")).find_map(|q| q.trim().parse::<f32>().ok()).unwrap_or(1.0);
            let language = if tag == "zh" || tag.starts_with("zh-") {
                Language::Chinese
            } else if tag == "en" || tag.starts_with("en-") || tag == "*" {
                Language::English
            } else {
                continue;
            };
            if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, language));
            }
        }
        best.map(|(_, language)| language).unwrap_or_default()
    }

    /// The `Content-Language` of a problem in this language.
    pub fn tag(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Chinese => "zh-CN",
        }
    }
}

/// Failures that arise in HTTP handling before any use case runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpFailure {
    MalformedBody(String),
    UnsupportedMediaType(String),
    PayloadTooLarge(usize),
    BadQuery(Vec<FieldError>),
    BadPath(String),
    BadHeader(String),
    RouteNotFound,
    MethodNotAllowed(Vec<String>),
    Status(StatusCode),
}

#[derive(Debug, Clone)]
pub enum ApiError {
    Domain(DomainError),
    Http(HttpFailure),
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        Self::Domain(err)
    }
}

impl From<HttpFailure> for ApiError {
    fn from(err: HttpFailure) -> Self {
        Self::Http(err)
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Domain(err.into())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Domain(e) => write!(f, "{e}"),
            Self::Http(e) => write!(f, "{e:?}"),
        }
    }
}

/// The static part of a problem: `(status, type slug, title, code)`.
pub struct ProblemKind {
    pub status: StatusCode,
    pub slug: &'static str,
    pub title: &'static str,
    pub code: &'static str,
}

const fn kind(status: StatusCode, slug: &'static str, title: &'static str, code: &'static str) -> ProblemKind {
    ProblemKind { status, slug, title, code }
}

/// The one table from error to problem.
pub fn problem_kind(error: &ApiError) -> ProblemKind {
    use DomainError as D;
    use HttpFailure as H;
    match error {
        ApiError::Domain(D::Validation(_)) => {
            kind(StatusCode::UNPROCESSABLE_ENTITY, "validation", "Request validation failed", "validation_failed")
        }
        ApiError::Domain(D::Rule { code, .. }) | ApiError::Domain(D::RuleWithDetails { code, .. }) => {
            kind(StatusCode::UNPROCESSABLE_ENTITY, "business-rule", "A business rule was broken", code)
        }
        ApiError::Domain(D::NotFound) => kind(StatusCode::NOT_FOUND, "not-found", "Resource not found", "not_found"),
        ApiError::Domain(D::Unauthenticated(_)) => {
            kind(StatusCode::UNAUTHORIZED, "unauthenticated", "Authentication required", "unauthenticated")
        }
        ApiError::Domain(D::Forbidden { .. }) => kind(StatusCode::FORBIDDEN, "forbidden", "Permission denied", "forbidden"),
        ApiError::Domain(D::Conflict { code, .. }) => kind(StatusCode::CONFLICT, "conflict", "Conflict with the current state", code),
        ApiError::Domain(D::PreconditionRequired) => {
            kind(StatusCode::PRECONDITION_REQUIRED, "precondition-required", "If-Match is required", "if_match_required")
        }
        ApiError::Domain(D::PreconditionFailed { .. }) => {
            kind(StatusCode::PRECONDITION_FAILED, "precondition-failed", "The record has changed", "version_stale")
        }
        ApiError::Domain(D::TooManyRequests { .. }) => {
            kind(StatusCode::TOO_MANY_REQUESTS, "too-many-requests", "Too many requests", "rate_limited")
        }
        ApiError::Domain(D::DatabaseUnavailable(_)) => {
            kind(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "The service is temporarily unavailable", "database_unavailable")
        }
        ApiError::Domain(D::Internal(_)) => kind(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal server error", "internal_error"),
        ApiError::Http(H::MalformedBody(_)) => {
            kind(StatusCode::BAD_REQUEST, "malformed-body", "The body is not valid JSON", "malformed_json")
        }
        ApiError::Http(H::UnsupportedMediaType(_)) => {
            kind(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Unsupported media type", "unsupported_media_type")
        }
        ApiError::Http(H::PayloadTooLarge(_)) => {
            kind(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", "The body is too large", "payload_too_large")
        }
        ApiError::Http(H::BadQuery(_)) => kind(StatusCode::BAD_REQUEST, "bad-query", "The query string is invalid", "bad_query"),
        ApiError::Http(H::BadPath(_)) => kind(StatusCode::BAD_REQUEST, "bad-path", "A path parameter is invalid", "bad_path"),
        ApiError::Http(H::BadHeader(_)) => kind(StatusCode::BAD_REQUEST, "bad-header", "A header is invalid", "bad_header"),
        ApiError::Http(H::RouteNotFound) => kind(StatusCode::NOT_FOUND, "not-found", "Resource not found", "route_not_found"),
        ApiError::Http(H::MethodNotAllowed(_)) => {
            kind(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", "Method not allowed", "method_not_allowed")
        }
        ApiError::Http(H::Status(status)) => kind(*status, "http", "HTTP error", "http_error"),
    }
}

/// Every stable `code` a problem can carry, for the spec.
pub const PROBLEM_CODES: &[&str] = &[
    "validation_failed",
    "not_found",
    "route_not_found",
    "unauthenticated",
    "forbidden",
    "if_match_required",
    "version_stale",
    "rate_limited",
    "internal_error",
    "database_unavailable",
    "malformed_json",
    "unsupported_media_type",
    "payload_too_large",
    "bad_query",
    "bad_path",
    "bad_header",
    "method_not_allowed",
];

impl ApiError {
    pub fn problem(&self, instance: Option<String>, request_id: Option<String>) -> Problem {
        self.problem_in(Language::English, instance, request_id)
    }

    /// The problem document with its title, detail and field messages in `language`.
    pub fn problem_in(&self, language: Language, instance: Option<String>, request_id: Option<String>) -> Problem {
        let mut problem = self.problem_en(instance, request_id);
        if language == Language::Chinese {
            let kind = problem_kind(self);
            if let Some(title) = crate::problem_zh::title(kind.slug) {
                problem.title = title.to_string();
            }
            problem.detail = match self {
                ApiError::Domain(DomainError::Validation(fields)) => format!("{} 个字段不合格，逐项原因见 errors", fields.len()),
                _ => crate::problem_zh::detail(kind.code).map(str::to_string).unwrap_or(problem.detail),
            };
            for field in &mut problem.errors {
                if let Some(text) = crate::problem_zh::detail(&field.code) {
                    field.message = text.to_string();
                }
            }
        }
        problem
    }

    fn problem_en(&self, instance: Option<String>, request_id: Option<String>) -> Problem {
        let kind = problem_kind(self);
        let details = match self {
            ApiError::Domain(DomainError::RuleWithDetails { details, .. }) => Some(details.clone()),
            _ => None,
        };
        let (detail, errors, existing_id) = match self {
            ApiError::Domain(DomainError::Validation(fields)) => {
                let n = fields.len();
                (format!("{n} field{} invalid", if n == 1 { " is" } else { "s are" }), fields.clone(), None)
            }
            ApiError::Domain(DomainError::Internal(_)) => {
                ("The server failed; quote the request_id when reporting it".to_string(), vec![], None)
            }
            ApiError::Domain(DomainError::DatabaseUnavailable(_)) => {
                ("The database cannot be reached; nothing was changed. Retry after a few seconds".to_string(), vec![], None)
            }
            ApiError::Domain(DomainError::Conflict { message, existing_id, .. }) => (message.clone(), vec![], existing_id.clone()),
            ApiError::Domain(other) => (other.to_string(), vec![], None),
            ApiError::Http(HttpFailure::BadQuery(fields)) => ("The query string could not be read".to_string(), fields.clone(), None),
            ApiError::Http(HttpFailure::MalformedBody(reason)) => (reason.clone(), vec![], None),
            ApiError::Http(HttpFailure::UnsupportedMediaType(got)) => (format!("expected application/json, got {got}"), vec![], None),
            ApiError::Http(HttpFailure::PayloadTooLarge(limit)) => (format!("bodies are limited to {limit} bytes"), vec![], None),
            ApiError::Http(HttpFailure::BadPath(reason)) | ApiError::Http(HttpFailure::BadHeader(reason)) => (reason.clone(), vec![], None),
            ApiError::Http(HttpFailure::RouteNotFound) => ("No such route".to_string(), vec![], None),
            ApiError::Http(HttpFailure::MethodNotAllowed(allowed)) => (format!("allowed methods: {}", allowed.join(", ")), vec![], None),
            ApiError::Http(HttpFailure::Status(status)) => (status.canonical_reason().unwrap_or("error").to_string(), vec![], None),
        };
        Problem {
            problem_type: format!("{PROBLEM_TYPE_BASE}{}", kind.slug),
            title: kind.title.to_string(),
            status: kind.status.as_u16(),
            detail,
            instance,
            code: kind.code.to_string(),
            request_id,
            errors,
            existing_id,
            details,
        }
    }

    /// Renders the response, with the request's path and id when known.
    pub fn render(&self, instance: Option<String>, request_id: Option<String>) -> HttpResponse {
        self.render_in(Language::English, instance, request_id)
    }

    /// Renders the response in `language` (`Content-Language`; it varies by `Accept-Language`).
    pub fn render_in(&self, language: Language, instance: Option<String>, request_id: Option<String>) -> HttpResponse {
        match self {
            ApiError::Domain(DomainError::Internal(cause)) => {
                tracing::error!(request_id = request_id.as_deref().unwrap_or("-"), cause = %cause, "internal error");
            }
            ApiError::Domain(DomainError::DatabaseUnavailable(cause)) => {
                tracing::warn!(request_id = request_id.as_deref().unwrap_or("-"), cause = %cause, "database unavailable");
            }
            _ => {}
        }
        let problem = self.problem_in(language, instance, request_id);
        let mut response = HttpResponse::build(problem_kind(self).status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_CONTENT_TYPE)));
        response.insert_header((header::CONTENT_LANGUAGE, HeaderValue::from_static(language.tag())));
        response.insert_header((header::VARY, HeaderValue::from_static("Accept-Language")));
        match self {
            ApiError::Domain(DomainError::Unauthenticated(_)) => {
                response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"jiuzhu\"")));
            }
            ApiError::Domain(DomainError::TooManyRequests { retry_after_secs }) => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::Domain(DomainError::DatabaseUnavailable(_)) => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            ApiError::Http(HttpFailure::MethodNotAllowed(allowed)) => {
                response.insert_header((header::ALLOW, allowed.join(", ")));
            }
            _ => {}
        }
        let body = serde_json::to_vec(&problem).unwrap_or_else(|_| b"{}".to_vec());
        response.body(body)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        problem_kind(self).status
    }

    /// Rendered without request context here; the problem middleware
    /// re-renders it with the path and request id.
    fn error_response(&self) -> HttpResponse {
        self.render(None, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_is_the_highest_ranked_of_chinese_and_english() {
        use Language::{Chinese, English};
        assert_eq!(Language::preferred(None), English);
        assert_eq!(Language::preferred(Some("zh-CN,zh;q=0.9,en;q=0.8")), Chinese);
        assert_eq!(Language::preferred(Some("en-US,en;q=0.9,zh-CN;q=0.8")), English);
        assert_eq!(Language::preferred(Some("fr, zh-Hans;q=0.5")), Chinese, "an unoffered language is passed over");
        assert_eq!(Language::preferred(Some("zh;q=0, en;q=0.1")), English, "q=0 refuses a language");
        assert_eq!(Language::preferred(Some("de, fr")), English);
        assert_eq!(Language::preferred(Some("ZH-tw")), Chinese);
        assert_eq!(Language::preferred(Some("zh;q=0.5, *;q=0.9")), English);
    }

    #[test]
    fn a_chinese_problem_has_its_title_detail_and_field_messages_in_chinese() {
        let rule = ApiError::Domain(DomainError::rule("provider_barred", "this provider is barred until 2027-01-01"));
        let zh = rule.problem_in(Language::Chinese, None, None);
        assert_eq!((zh.title.as_str(), zh.code.as_str()), ("违反业务规则", "provider_barred"));
        assert_eq!(zh.detail, "该服务机构处于取消承接资格期内，不接受新订单");
        assert_eq!(rule.problem_in(Language::English, None, None).detail, "this provider is barred until 2027-01-01");
        let invalid = ApiError::Domain(DomainError::Validation(vec![FieldError::new("name", "required", "name is required")]));
        let zh = invalid.problem_in(Language::Chinese, None, None);
        assert_eq!((zh.detail.as_str(), zh.errors[0].message.as_str()), ("1 个字段不合格，逐项原因见 errors", "必填项缺失"));
        let unknown = ApiError::Domain(DomainError::rule("a_code_without_text", "kept in English"));
        assert_eq!(unknown.problem_in(Language::Chinese, None, None).detail, "kept in English");
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let problem = ApiError::Domain(DomainError::Internal("password=hunter2 at db.rs:12".into())).problem(None, Some("r1".into()));
        let body = serde_json::to_string(&problem).unwrap();
        assert_eq!(problem.status, 500);
        assert!(!body.contains("hunter2") && !body.contains("db.rs"), "{body}");
    }

    #[test]
    fn every_table_code_is_listed() {
        let samples = [
            ApiError::Domain(DomainError::NotFound),
            ApiError::Domain(DomainError::PreconditionRequired),
            ApiError::Domain(DomainError::PreconditionFailed { current: 2 }),
            ApiError::Domain(DomainError::TooManyRequests { retry_after_secs: 1 }),
            ApiError::Http(HttpFailure::MalformedBody(String::new())),
            ApiError::Http(HttpFailure::MethodNotAllowed(vec![])),
            ApiError::Http(HttpFailure::PayloadTooLarge(1)),
            ApiError::Domain(DomainError::DatabaseUnavailable(String::new())),
        ];
        for sample in samples {
            assert!(PROBLEM_CODES.contains(&problem_kind(&sample).code));
        }
    }

    #[test]
    fn an_outage_answers_503_with_retry_after_and_hides_its_cause() {
        let response = ApiError::Domain(DomainError::DatabaseUnavailable("pool timed out at 10.0.0.5".into())).render(None, None);
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("5"));
        let problem = ApiError::Domain(DomainError::DatabaseUnavailable("10.0.0.5".into())).problem(None, None);
        assert!(!problem.detail.contains("10.0.0.5"));
        assert_eq!(problem.code, "database_unavailable");
    }

    #[test]
    fn validation_detail_counts_fields() {
        let err = ApiError::Domain(DomainError::Validation(vec![FieldError::new("a", "x", "y"), FieldError::new("b", "x", "y")]));
        let problem = err.problem(Some("/p".into()), None);
        assert_eq!(problem.detail, "2 fields are invalid");
        assert_eq!(problem.errors.len(), 2);
        assert_eq!(problem.status, 422);
    }
}
