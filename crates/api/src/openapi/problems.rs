//! What every operation shares: its security requirement, the standard
//! problem responses (and the declared-once ones such as `InvalidTransition`),
//! the `Idempotency-Key` of authenticated POSTs, and the pass that adds them.

use super::*;
use crate::problem::{PROBLEM_CODES, PROBLEM_CONTENT_TYPE};
use serde_json::json;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, RefOr, Response, ResponseBuilder};

/// `(status, component name, description, example code, example detail)`.
pub(crate) const STANDARD_PROBLEMS: [(u16, &str, &str, &str, &str); 13] = [
    (
        400,
        "BadRequest",
        "The body is not JSON, or the query or path is malformed",
        "malformed_json",
        "body is not valid JSON: EOF while parsing an object",
    ),
    (401, "Unauthenticated", "No token, or a bad one", "unauthenticated", "an Authorization: Bearer token is required"),
    (403, "Forbidden", "The role lacks the permission", "forbidden", "permission user:write is required"),
    (404, "NotFound", "Missing, or outside the caller's region scope", "not_found", "not found"),
    (409, "Conflict", "A duplicate, or an action not allowed in the current state", "conflict", "a record with this key exists"),
    (412, "PreconditionFailed", "If-Match names a stale version", "version_stale", "the record has changed: current version is 3"),
    (413, "PayloadTooLarge", "The body is over the limit", "payload_too_large", "bodies are limited to 1048576 bytes"),
    (
        415,
        "UnsupportedMediaType",
        "The body is not application/json",
        "unsupported_media_type",
        "expected application/json, got text/plain",
    ),
    (
        422,
        "UnprocessableContent",
        "Fields or business rules are broken; `errors[]` names each field",
        "validation_failed",
        "1 field is invalid",
    ),
    (428, "PreconditionRequired", "If-Match is missing", "if_match_required", "If-Match is required"),
    (429, "TooManyRequests", "Too many requests; see Retry-After", "rate_limited", "too many requests; retry after 60 s"),
    (
        500,
        "InternalError",
        "The server failed; the body carries only the request id",
        "internal_error",
        "The server failed; quote the request_id when reporting it",
    ),
    (
        503,
        "Unavailable",
        "The database cannot be reached; nothing was changed. See Retry-After",
        "database_unavailable",
        "The database cannot be reached; nothing was changed. Retry after a few seconds",
    ),
];

pub(crate) fn problem_response(status: u16, description: &str, code: &str, detail: &str) -> Response {
    let mut example = json!({
        "type": "https://jiuzhu.example/problems/example",
        "title": description,
        "status": status,
        "detail": detail,
        "instance": "/api/v1/example",
        "code": code,
        "request_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11"
    });
    if status == 422 {
        example["errors"] = json!([{"field": "username", "code": "length", "message": "must be 1 to 64 characters"}]);
    }
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).example(Some(example)).build();
    ResponseBuilder::new().description(description).content(PROBLEM_CONTENT_TYPE, content).build()
}

/// `Idempotency-Key`, which every authenticated POST accepts.
pub(crate) fn idempotency_key_parameter() -> utoipa::openapi::path::Parameter {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(utoipa::openapi::Required::False)
        .description(Some("Makes a retry safe: the first 2xx response is replayed for 24 h; the same key with another body answers 422, and while the first is running 409."))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255))
                .pattern(Some(IDEMPOTENCY_KEY_PATTERN)),
        ))
        .build()
}

/// A path item's operations.
pub(crate) fn operations(item: &utoipa::openapi::PathItem) -> impl Iterator<Item = &Operation> {
    [&item.get, &item.put, &item.post, &item.delete, &item.patch].into_iter().flatten()
}

/// Every operation, with whether it is a POST.
pub(crate) fn operations_mut(document: &mut Document) -> impl Iterator<Item = (bool, &mut Operation)> {
    document.paths.paths.values_mut().flat_map(|item| {
        [(false, &mut item.get), (false, &mut item.put), (true, &mut item.post), (false, &mut item.delete), (false, &mut item.patch)]
            .into_iter()
            .filter_map(|(is_post, op)| op.as_mut().map(|op| (is_post, op)))
    })
}

/// The operations anyone may call without a token; every other one needs
/// the bearer token, declared here rather than on each operation.
pub const PUBLIC_OPERATIONS: [&str; 10] = [
    "healthz",
    "readyz",
    "issueToken",
    "listEnums",
    "listPublicProcurementProjects",
    "listPublicEvaluations",
    "getPublicProjectOcds",
    "getOcdsBidEvaluationExtension",
    "getOcdsBidEvaluationReleaseSchema",
    "getOcdsPublicationPolicy",
];

/// Declares each operation's security: none for `PUBLIC_OPERATIONS`
/// (stated as `[]`, rather than left undeclared), the bearer token for the rest.
pub(crate) fn declare_security(document: &mut Document) {
    for (_, operation) in operations_mut(document) {
        let public = operation.operation_id.as_deref().is_some_and(|id| PUBLIC_OPERATIONS.contains(&id));
        operation.security = Some(if public { Vec::new() } else { vec![SecurityRequirement::new("bearer", Vec::<String>::new())] });
    }
}

/// Gives every operation the problem responses it can produce: 500 always;
/// 400/413/415/422 with a body; 422 with query parameters; 401/403 when secured; 404/412/428 with
/// `If-Match`; 409/422 and `Idempotency-Key` on authenticated POSTs. A problem status an
/// operation declared itself keeps its description and gains the body.
pub fn standardise_problems(document: &mut Document) {
    declare_security(document);
    let components = document.components.get_or_insert_with(Default::default);
    for (status, name, description, code, detail) in STANDARD_PROBLEMS {
        components.responses.insert(name.into(), RefOr::T(problem_response(status, description, code, detail)));
    }
    let reference = |status: u16| {
        STANDARD_PROBLEMS.iter().find(|p| p.0 == status).map(|p| RefOr::Ref(Ref::new(format!("#/components/responses/{}", p.1))))
    };
    for (is_post, operation) in operations_mut(document) {
        // Any request may carry a query the operation does not take.
        let mut wanted = vec![500, 400];
        if operation.request_body.is_some() {
            wanted.extend([400, 413, 415, 422]);
        }
        if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
            wanted.extend([401, 403]);
        }
        // Every request but the health probes passes the rate limiter, and
        // may meet a database outage.
        if !operation.tags.as_ref().is_some_and(|tags| tags.iter().any(|t| t == "system")) {
            wanted.extend([429, 503]);
        }
        if operation.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
            wanted.extend([400]);
        }
        // Query values that parse but break a rule (a limit over 500, a
        // malformed region code, a stale cursor) answer 422 naming the field.
        if operation
            .parameters
            .as_ref()
            .is_some_and(|ps| ps.iter().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query)))
        {
            wanted.extend([422]);
        }
        let has_if_match =
            operation.parameters.as_ref().is_some_and(|ps| ps.iter().any(|p| matches!(p, RefOr::T(p) if p.name == "If-Match")));
        if has_if_match {
            wanted.extend([404, 412, 428]);
        }
        if is_post && wanted.contains(&401) {
            operation.parameters.get_or_insert_with(Vec::new).push(RefOr::T(idempotency_key_parameter()));
            wanted.extend([409, 422]);
        }
        if let Some(RefOr::T(body)) = operation.request_body.as_mut() {
            declare_binary(body.content.iter_mut());
        }
        for (status, response) in operation.responses.responses.iter_mut() {
            if let RefOr::T(declared) = response {
                declare_files_binary(declared);
            }
            let Ok(code) = status.parse::<u16>() else { continue };
            if let RefOr::T(declared) = response
                && code >= 400
                && declared.content.is_empty()
            {
                let standard = STANDARD_PROBLEMS.iter().find(|p| p.0 == code);
                let (example_code, detail) = standard.map(|p| (p.3, p.4)).unwrap_or(("http_error", "error"));
                let mut replacement = problem_response(code, &declared.description, example_code, detail);
                replacement.headers = std::mem::take(&mut declared.headers);
                *declared = replacement;
            }
        }
        for status in wanted {
            if let Some(reference) = reference(status) {
                operation.responses.responses.entry(status.to_string()).or_insert(reference);
            }
        }
    }
    document_etags(document);
    make_composition_honest(document);
    constrain_named_fields(document);
    narrow_book_kinds(document);
    constrain_inputs(document);
    link_created_resources(document);
    crate::routes::auth::state_grant_requirements(document);
    document.servers = Some(vec![utoipa::openapi::server::Server::new("/")]);
    document.info.version = env!("CARGO_PKG_VERSION").to_string();
    let codes = PROBLEM_CODES.join(", ");
    let description = document.info.description.get_or_insert_with(String::new);
    description.push_str(&format!("\n\nStable problem codes: {codes}, plus the business-rule codes each operation documents."));
}

/// The 409 of a step the record's status does not allow (`invalid_transition`),
/// declared once: an operation lists `InvalidTransition` in its `responses`,
/// and `standardise_problems` gives it the problem body like any other.
pub struct InvalidTransition;

impl utoipa::IntoResponses for InvalidTransition {
    fn responses() -> std::collections::BTreeMap<String, RefOr<Response>> {
        let response = ResponseBuilder::new().description("Not allowed in the current status (`invalid_transition`)").build();
        [("409".to_string(), RefOr::T(response))].into()
    }
}
