//! The OpenAPI document: the base (info, tags, security scheme, problem
//! schema), what every operation shares (its security, the standard problem
//! responses), and the route table that tells 405 from 404.

use crate::problem::{PROBLEM_CODES, PROBLEM_CONTENT_TYPE, Problem};
use crate::query_contract::{QueryParameter, ValueKind};
use jiuzhu_core::FieldError;
use serde_json::json;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "jiuzhu service-type social assistance API",
        description = "jiuzhu (救助): the system of record and integration hub for service-type social assistance (服务类社会救助): intake, needs assessment, matching, government purchase of services and evaluation.\n\nAll errors are `application/problem+json` (RFC 9457). Every operation's description names the permission it needs.\n\n**Text** in bodies, paths and queries may not contain U+0000 (PostgreSQL's text type cannot hold it): a body field with it is 422 `nul_character` naming the field; `%00` in a path or query is 400.\n\n**Lists** share one set of conventions. They answer `{\"items\": [...], \"next_cursor\": ...}` and take `limit` (1–500, default 50; more is 422, never silently capped), `cursor` (the previous page's `next_cursor`, with the same filters and order) and `order` (`asc`, the default, oldest first; `desc`, newest first; by creation). Paging is by key, never by offset, so pages stay stable while records are added; a cursor only continues the order that issued it (422 `cursor_invalid`). Filters are query parameters named after the field they match exactly (`status`, `service_code`, `category`, …); `region_code` matches that region's whole subtree and never widens the caller's own scope; `from`/`to` are half-open `[from, to)` instants in RFC 3339. A query parameter the operation does not declare is 400 `bad_query` naming it (`unknown_parameter`), never silently ignored; an unknown value of an enumerated filter is 400 `bad_query` (`unknown_value`); a value of the wrong form (a date, a number, a UUID) is 422 naming the parameter and what it must be. The event feed (`/events`) is the one exception: always oldest first, continued with `after`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    components(schemas(
        Problem,
        FieldError,
        // Enumerations used only in query parameters, which utoipa does not collect by itself.
        crate::extract::Reveal,
        jiuzhu_core::SortOrder,
        crate::routes::users::UserStatus,
        jiuzhu_intake::beneficiaries::BeneficiaryStatus,
        jiuzhu_platform::imports::ImportKind,
        crate::routes::catalogue::CatalogueFormat,
        crate::routes::exports::ExportFormat,
        jiuzhu_platform::export::Header,
        crate::routes::reports::SummaryFormat,
        jiuzhu_reports::timeseries::Metric,
        jiuzhu_platform::stats::Interval,
        jiuzhu_needs_assessment::needs::NeedStatus,
    )),
    modifiers(&BearerScheme),
    tags(
        (name = "system", description = "Health and readiness"),
        (name = "auth", description = "Tokens and the caller's identity"),
        (name = "users", description = "Staff accounts"),
        (name = "clients", description = "API clients of department systems and exchange jobs"),
        (name = "reference", description = "Regions, departments, roles and enumerations"),
        (name = "audit", description = "The hash-chained audit log"),
        (name = "events", description = "The event feed"),
        (name = "beneficiaries", description = "The service target list (服务对象清单)"),
        (name = "applications", description = "One-form applications (一表受理)"),
        (name = "referrals", description = "Transfers to departments (转办/转介)"),
        (name = "imports", description = "Bulk exchange as jobs"),
        (name = "discoveries", description = "Proactive discovery (主动发现) and department signals (动态监测)"),
        (name = "visits", description = "Village station visits (探访关爱)"),
        (name = "hotline", description = "The 12349 hotline"),
        (name = "assessment", description = "Needs assessment (需求评估) and the service needs list (服务需求清单)"),
        (name = "reports", description = "The pilot's figures (统计)"),
        (name = "webhooks", description = "Events pushed to subscribers' systems, signed and retried (事件推送)"),
        (name = "exports", description = "The published lists as CSV downloads"),
        (name = "registry", description = "Registry search for other departments (信息共享)"),
        (name = "matching", description = "The service project list (服务项目清单), providers (承接主体) and volunteers"),
        (name = "evaluation", description = "Evaluation of purchased projects (项目评估) and appeals"),
        (name = "orders", description = "Service orders (服务派单), deliveries, feedback and follow-ups"),
        (name = "procurement", description = "Government purchase of services (政府购买): funds under the 3% cap and projects"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some("A token from POST /api/v1/auth/token"))
            .build();
        components.security_schemes.insert("bearer".into(), RefOr::T(SecurityScheme::Http(scheme)));
    }
}

/// `(status, component name, description, example code, example detail)`.
const STANDARD_PROBLEMS: [(u16, &str, &str, &str, &str); 13] = [
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

fn problem_response(status: u16, description: &str, code: &str, detail: &str) -> Response {
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
fn idempotency_key_parameter() -> utoipa::openapi::path::Parameter {
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
fn operations(item: &utoipa::openapi::PathItem) -> impl Iterator<Item = &Operation> {
    [&item.get, &item.put, &item.post, &item.delete, &item.patch].into_iter().flatten()
}

/// Every operation, with whether it is a POST.
fn operations_mut(document: &mut Document) -> impl Iterator<Item = (bool, &mut Operation)> {
    document.paths.paths.values_mut().flat_map(|item| {
        [(false, &mut item.get), (false, &mut item.put), (true, &mut item.post), (false, &mut item.delete), (false, &mut item.patch)]
            .into_iter()
            .filter_map(|(is_post, op)| op.as_mut().map(|op| (is_post, op)))
    })
}

/// The operations anyone may call without a token; every other one needs
/// the bearer token, declared here rather than on each operation.
pub const PUBLIC_OPERATIONS: [&str; 6] =
    ["healthz", "readyz", "issueToken", "listEnums", "listPublicProcurementProjects", "listPublicEvaluations"];

/// Declares each operation's security: none for `PUBLIC_OPERATIONS`
/// (stated as `[]`, rather than left undeclared), the bearer token for the rest.
fn declare_security(document: &mut Document) {
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

/// The path of the resource an `If-Match` operation changes: the path
/// itself, or its parent when the last segment names an action
/// (`/discoveries/{id}/verify` changes `/discoveries/{id}`).
fn versioned_resource(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some((parent, last)) if !last.starts_with('{') && parent.ends_with('}') => parent,
        _ => path,
    }
}

/// Every read of a versioned resource answers its version as `ETag`
/// (`with_etag`), which its updates need as `If-Match`; this documents the
/// header on the 200 of each such GET, once, instead of on each operation.
fn document_etags(document: &mut Document) {
    let has_if_match = |operation: &Operation| {
        operation.parameters.as_ref().is_some_and(|ps| ps.iter().any(|p| matches!(p, RefOr::T(p) if p.name == "If-Match")))
    };
    let versioned: std::collections::BTreeSet<String> = document
        .paths
        .paths
        .iter()
        .filter(|(_, item)| operations(item).any(has_if_match))
        .map(|(path, _)| versioned_resource(path).to_string())
        .collect();
    for path in versioned {
        let Some(read) = document.paths.paths.get_mut(&path).and_then(|item| item.get.as_mut()) else { continue };
        let Some(RefOr::T(ok)) = read.responses.responses.get_mut("200") else { continue };
        ok.headers.entry("ETag".into()).or_insert_with(|| {
            RefOr::T(
                utoipa::openapi::HeaderBuilder::new()
                    .schema(Some(utoipa::openapi::schema::ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::String)))
                    .description(Some("The resource's version, quoted; send it as If-Match to change it"))
                    .build(),
            )
        });
    }
}

/// Two corrections to what utoipa derives, so responses validate against
/// their schemas: a flattened input struct keeps its `additionalProperties:
/// false` inside `allOf`, which then rejects the view's own fields; and a
/// serde-untagged enum becomes `oneOf`, which rejects a value (such as `[]`)
/// that fits more than one variant. `allOf` members lose the flag, and
/// `oneOf` without a discriminator becomes `anyOf`.
fn make_composition_honest(document: &mut Document) {
    use utoipa::openapi::schema::{AnyOf, Schema};
    let Some(components) = document.components.as_mut() else { return };
    for schema in components.schemas.values_mut() {
        let RefOr::T(schema) = schema else { continue };
        match schema {
            Schema::AllOf(all_of) => {
                for member in &mut all_of.items {
                    if let RefOr::T(Schema::Object(object)) = member {
                        object.additional_properties = None;
                    }
                }
            }
            Schema::OneOf(one_of) if one_of.discriminator.is_none() => {
                let mut any_of = AnyOf::new();
                any_of.items = std::mem::take(&mut one_of.items);
                any_of.description = one_of.description.take();
                any_of.example = one_of.example.take();
                any_of.examples = std::mem::take(&mut one_of.examples);
                *schema = Schema::AnyOf(any_of);
            }
            _ => {}
        }
    }
}

/// What `RegionCode::parse` accepts: 6 digits (province, city or county)
/// not starting `00`; 9 (township) or 12 (village) under a county (digits
/// 5-6 not `00`); a village under a township (digits 7-9 not `000`).
pub const REGION_CODE_PATTERN: &str =
    "^(0[1-9]|[1-9][0-9])[0-9]{2}([0-9]{2}|(0[1-9]|[1-9][0-9])([0-9]{3}|(00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})[0-9]{3}))$";

/// The three books of a contract share one input, whose `kind` each book
/// narrows (`contracts::allowed_kinds`). Each book's operation gets its own
/// copy of the schema, with `kind` as that book's values and the examples
/// that fit it, so the contract states what the server accepts.
fn narrow_book_kinds(document: &mut Document) {
    use jiuzhu_procurement::contracts::{Book, allowed_kinds};
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
    let Some(components) = document.components.as_mut() else { return };
    let Some(RefOr::T(Schema::Object(shared))) = components.schemas.remove("EntryInput") else { return };
    let books = [
        (Book::Ledger, "/api/v1/contracts/{id}/ledger", "LedgerEntryInput"),
        (Book::Supervision, "/api/v1/contracts/{id}/supervisions", "SupervisionInput"),
        (Book::Payment, "/api/v1/contracts/{id}/payments", "PaymentInput"),
    ];
    for (book, path, name) in books {
        let kinds = allowed_kinds(book);
        let mut schema = shared.clone();
        let kind = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(kinds.iter().copied()))
            .description(Some("What the entry records."));
        schema.properties.insert("kind".into(), RefOr::T(Schema::Object(kind.build())));
        schema.examples.retain(|example| example["kind"].as_str().is_some_and(|k| kinds.contains(&k)));
        components.schemas.insert(name.into(), RefOr::T(Schema::Object(schema)));
        if let Some(RefOr::T(body)) =
            document.paths.paths.get_mut(path).and_then(|item| item.post.as_mut()).and_then(|op| op.request_body.as_mut())
        {
            for content in body.content.values_mut() {
                let RefOr::T(content) = content else { continue };
                content.schema = Some(RefOr::Ref(Ref::from_schema_name(name)));
            }
        }
    }
}

/// OpenAPI links from each create to what can be done with what it made:
/// a `POST X` answering 201 links to every operation on `X/{id}` and below
/// (those whose only path parameter is `id`), passing the new record's `id`
/// and, where the operation takes `If-Match`, its `ETag`. Client generators
/// and the fuzzer's stateful phase follow them: create, read, update, act.
fn link_created_resources(document: &mut Document) {
    use utoipa::openapi::link::LinkBuilder;
    let only_id = |path: &str| path.matches('{').count() == 1;
    let mut targets: Vec<(String, String, bool)> = Vec::new();
    for (path, item) in &document.paths.paths {
        for operation in operations(item) {
            let takes_if_match = operation.parameters.iter().flatten().any(|p| matches!(p, RefOr::T(p) if p.name == "If-Match"));
            if let Some(id) = &operation.operation_id
                && only_id(path)
            {
                targets.push((path.clone(), id.clone(), takes_if_match));
            }
        }
    }
    for (path, item) in document.paths.paths.iter_mut() {
        let Some(created) = item.post.as_mut().and_then(|post| post.responses.responses.get_mut("201")) else { continue };
        let RefOr::T(created) = created else { continue };
        let record = format!("{path}/{{id}}");
        for (target, operation_id, takes_if_match) in &targets {
            if target != &record && !target.starts_with(&format!("{record}/")) {
                continue;
            }
            let mut link = LinkBuilder::new().operation_id(operation_id.clone()).parameter("id", "$response.body#/id");
            if *takes_if_match {
                link = link.parameter("header.If-Match", "$response.header.ETag");
            }
            created.links.insert(operation_id.clone(), RefOr::T(link.build()));
        }
    }
}

/// What `Idempotency-Key` accepts: 1 to 255 visible ASCII characters.
pub const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]{1,255}$";

/// What `If-Match` accepts: a version, quoted (`"3"`), weak (`W/"3"`) or bare.
pub const IF_MATCH_PATTERN: &str = "^(W/)?\"?[0-9]{1,18}\"?$";

/// Fields known by name carry what the server enforces, so a client (or a
/// fuzzer) knows a valid value: every region code (parameters, properties,
/// a new region's code, service regions) and `If-Match` their patterns,
/// event type lists theirs, and consent is `true`.
fn constrain_named_fields(document: &mut Document) {
    use utoipa::openapi::schema::Schema;
    let constrain = |schema: &mut RefOr<Schema>| {
        if let RefOr::T(Schema::Object(object)) = schema {
            object.pattern = Some(REGION_CODE_PATTERN.to_string());
        }
    };
    for (_, operation) in operations_mut(document) {
        for parameter in operation.parameters.iter_mut().flatten() {
            if let RefOr::T(parameter) = parameter
                && let Some(RefOr::T(Schema::Object(object))) = parameter.schema.as_mut()
            {
                match parameter.name.as_str() {
                    "region_code" | "parent" | "serves_region" => object.pattern = Some(REGION_CODE_PATTERN.to_string()),
                    "If-Match" => object.pattern = Some(IF_MATCH_PATTERN.to_string()),
                    _ => {}
                }
            }
        }
    }
    let Some(components) = document.components.as_mut() else { return };
    for (name, schema) in components.schemas.iter_mut() {
        let RefOr::T(Schema::Object(object)) = schema else { continue };
        if let Some(property) = object.properties.get_mut("region_code") {
            constrain(property);
        }
        // A new region's own code; a provider's service regions.
        if name == "CreateRegion"
            && let Some(property) = object.properties.get_mut("code")
        {
            constrain(property);
        }
        if let Some(RefOr::T(Schema::Array(regions))) = object.properties.get_mut("service_regions") {
            constrain_items(regions, REGION_CODE_PATTERN);
        }
        if let Some(RefOr::T(Schema::Array(types))) = object.properties.get_mut("event_types") {
            constrain_items(types, EVENT_TYPE_PATTERN);
        }
        // Consent is recorded only when given: `given` is `true`.
        if name == "Consent"
            && let Some(RefOr::T(Schema::Object(given))) = object.properties.get_mut("given")
        {
            given.enum_values = Some(vec![serde_json::json!(true)]);
        }
    }
}

/// Gives an array's string items a pattern (and at most 64 characters,
/// the longest code any of these lists holds).
fn constrain_items(array: &mut utoipa::openapi::schema::Array, pattern: &str) {
    use utoipa::openapi::schema::{ArrayItems, Schema};
    if let ArrayItems::RefOrSchema(item) = &mut array.items
        && let RefOr::T(Schema::Object(object)) = item.as_mut()
    {
        object.pattern = Some(pattern.to_string());
        object.max_length = Some(64);
    }
}

/// What a webhook's event type filter accepts: `resource.verb`, lower-case
/// letters and `_` (`referral.created`), at most 64 characters.
pub const EVENT_TYPE_PATTERN: &str = "^[a-z_]+\\.[a-z_]+$";

/// What `CitizenId::parse` reads before its date and checksum checks: 17
/// digits and a digit or `X` (either case), spaces around allowed.
pub const CITIZEN_ID_PATTERN: &str = "^\\s*[0-9]{17}[0-9Xx]\\s*$";

/// What `CreditCode::parse` reads before its checksum: 18 characters of
/// the GB 32100 alphabet (no I, O, S, V, Z; either case), digits 3-8 an
/// area code, spaces around allowed.
pub const CREDIT_CODE_PATTERN: &str = "^\\s*[0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]{10}\\s*$";

/// What `Phone::parse` accepts: a mainland mobile (`1[3-9]` and 9 digits)
/// or a landline with its area code (`0[1-9]` and 8 to 10 digits),
/// optionally after `+86` or `0086`, with spaces and hyphens anywhere.
pub const PHONE_PATTERN: &str =
    "^[ -]*(\\+[ -]*8[ -]*6[ -]*|0[ -]*0[ -]*8[ -]*6[ -]*)?(1[ -]*[3-9]([ -]*[0-9]){9}|0[ -]*[1-9]([ -]*[0-9]){8,10})[ -]*$";

/// Every `$ref` target in `value` (`#/components/schemas/Name`, …).
fn references(value: &serde_json::Value, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", serde_json::Value::String(target)) => found.push(target.clone()),
                    _ => references(inner, found),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|inner| references(inner, found)),
        _ => {}
    }
}

/// Component schemas reachable from `roots` through `$ref`s.
fn reachable_schemas(document: &Document, roots: Vec<serde_json::Value>) -> std::collections::BTreeSet<String> {
    let schema_names = |value: &serde_json::Value| {
        let mut targets = Vec::new();
        references(value, &mut targets);
        targets.into_iter().filter_map(|t| t.strip_prefix("#/components/schemas/").map(str::to_string)).collect::<Vec<_>>()
    };
    let schemas = document.components.as_ref().map(|c| &c.schemas);
    let mut seen = std::collections::BTreeSet::new();
    let mut pending: Vec<String> = roots.iter().flat_map(schema_names).collect();
    while let Some(name) = pending.pop() {
        if seen.insert(name.clone())
            && let Some(schema) = schemas.and_then(|s| s.get(&name))
        {
            pending.extend(schema_names(&serde_json::to_value(schema).unwrap_or_default()));
        }
    }
    seen
}

/// ID numbers, credit codes and phone numbers in request bodies carry the
/// pattern the server reads them with, and the groups a request may set
/// leave out those derived from the ID number. Only schemas that no
/// response uses: responses mask ID numbers (`110105********002X`) and
/// phones, and list derived groups.
fn constrain_inputs(document: &mut Document) {
    use utoipa::openapi::schema::{ArrayItems, ObjectBuilder, Schema, Type};
    let (mut requests, mut responses) = (Vec::new(), Vec::new());
    for item in document.paths.paths.values() {
        for operation in operations(item) {
            requests.push(serde_json::to_value(&operation.request_body).unwrap_or_default());
            responses.push(serde_json::to_value(&operation.responses).unwrap_or_default());
        }
    }
    let inputs = reachable_schemas(document, requests);
    let outputs = reachable_schemas(document, responses);
    let Some(components) = document.components.as_mut() else { return };
    for name in inputs.difference(&outputs) {
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name) else { continue };
        let identifiers = [
            ("id_number", CITIZEN_ID_PATTERN),
            ("credit_code", CREDIT_CODE_PATTERN),
            ("phone", PHONE_PATTERN),
            ("caller_phone", PHONE_PATTERN),
        ];
        for (property, pattern) in identifiers {
            if let Some(RefOr::T(Schema::Object(field))) = object.properties.get_mut(property) {
                field.pattern = Some(pattern.to_string());
            }
        }
        if let Some(RefOr::T(Schema::Array(groups))) = object.properties.get_mut("groups")
            && matches!(&groups.items, ArrayItems::RefOrSchema(item) if matches!(item.as_ref(), RefOr::Ref(r) if r.ref_location.ends_with("/Group")))
        {
            use jiuzhu_intake::beneficiaries::Group;
            let settable = Group::ALL.into_iter().filter(|g| !g.is_derived()).map(Group::code);
            let item = ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(settable))
                .description(Some("A group that is set; `elderly`, `minor` and `woman` follow from the ID number."));
            groups.items = ArrayItems::RefOrSchema(Box::new(RefOr::T(Schema::Object(item.build()))));
        }
    }
}

/// A download that is not text (a workbook) is declared as bytes, `string`
/// with `format: binary`, so that generated clients hand it over as a file
/// instead of decoding it as text.
fn declare_files_binary(response: &mut Response) {
    declare_binary(response.content.iter_mut());
}

/// Media types that are not text nor JSON carry bytes: `string` with
/// `format: binary`, so that generators hand over a file, not a text.
fn declare_binary<'a>(contents: impl IntoIterator<Item = (&'a String, &'a mut RefOr<utoipa::openapi::Content>)>) {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    for (media_type, content) in contents {
        let is_text = media_type.starts_with("text/") || media_type.contains("json");
        if let (false, RefOr::T(content)) = (is_text, content) {
            let bytes = ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)));
            content.schema = Some(RefOr::T(bytes.into()));
        }
    }
}

/// Makes each `Page_X` schema refer to the component `X` for its items
/// instead of holding its own inline copy, so that a generated client has one
/// model per resource, and a page's items carry every constraint the
/// component has (the copies lost the ones added after generation).
pub fn pages_refer_to_their_items(document: &mut Document) {
    use utoipa::openapi::schema::{ArrayItems, Schema};
    let Some(components) = document.components.as_mut() else { return };
    let names: Vec<String> = components.schemas.keys().cloned().collect();
    for (name, schema) in components.schemas.iter_mut() {
        let Some(item) = name.strip_prefix("Page_").filter(|item| names.iter().any(|n| n == item)) else { continue };
        let RefOr::T(Schema::Object(page)) = schema else { continue };
        if let Some(RefOr::T(Schema::Array(items))) = page.properties.get_mut("items") {
            items.items = ArrayItems::RefOrSchema(Box::new(RefOr::Ref(Ref::from_schema_name(item))));
        }
    }
}

/// A documented path: its segments, and each method with its query parameters.
#[derive(Debug, Clone, Default)]
struct Route {
    segments: Vec<String>,
    methods: Vec<(String, Vec<QueryParameter>)>,
}

impl Route {
    fn matches(&self, wanted: &[&str]) -> bool {
        self.segments.len() == wanted.len()
            && self.segments.iter().zip(wanted).all(|(s, w)| (s.starts_with('{') && !w.is_empty()) || s == w)
    }

    /// How many segments are literal: the most literal route decides.
    fn literal_segments(&self) -> usize {
        self.segments.iter().filter(|s| !s.starts_with('{')).count()
    }
}

/// The documented routes: the methods each path accepts (to answer 405 with
/// `Allow`) and the query parameters each operation takes (to refuse others).
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    pub fn from_document(document: &Document) -> Self {
        let json = serde_json::to_value(document).unwrap_or_default();
        let mut routes = Vec::new();
        for (path, item) in json["paths"].as_object().into_iter().flatten() {
            let segments = path.trim_matches('/').split('/').map(str::to_string).collect();
            let methods = ["get", "put", "post", "delete", "patch"]
                .into_iter()
                .filter(|method| item[*method].is_object())
                .map(|method| {
                    let parameters = item[method]["parameters"].as_array().into_iter().flatten();
                    let query = parameters
                        .filter(|p| p["in"] == "query")
                        .filter_map(|p| {
                            let name = p["name"].as_str()?.to_string();
                            Some(QueryParameter { name, kind: ValueKind::of_schema(&p["schema"], &json) })
                        })
                        .collect();
                    (method.to_ascii_uppercase(), query)
                })
                .collect();
            routes.push(Route { segments, methods });
        }
        Self { routes }
    }

    fn matching<'a>(&'a self, path: &str) -> Vec<&'a Route> {
        let wanted: Vec<&str> = path.trim_matches('/').split('/').collect();
        let matching: Vec<&Route> = self.routes.iter().filter(|route| route.matches(&wanted)).collect();
        let most_literal = matching.iter().map(|route| route.literal_segments()).max().unwrap_or(0);
        matching.into_iter().filter(|route| route.literal_segments() == most_literal).collect()
    }

    /// The methods a path allows, or `None` when no route has this path.
    /// The most literal route decides: `/beneficiaries/count` is its own
    /// resource, not `/beneficiaries/{id}` with the id `count`.
    pub fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let mut allowed: Vec<String> =
            self.matching(path).into_iter().flat_map(|route| route.methods.iter().map(|(method, _)| method.clone())).collect();
        allowed.sort();
        allowed.dedup();
        (!allowed.is_empty()).then_some(allowed)
    }

    /// The query parameters of the operation a request reaches, or `None`
    /// when no documented operation answers it.
    pub fn query_parameters(&self, method: &str, path: &str) -> Option<&[QueryParameter]> {
        self.matching(path)
            .into_iter()
            .flat_map(|route| route.methods.iter())
            .find(|(declared, _)| declared == method)
            .map(|(_, parameters)| parameters.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts that `pattern` matches exactly the samples `parses` accepts.
    fn pattern_agrees_with_parser(pattern: &str, samples: &[&str], parses: impl Fn(&str) -> bool) {
        let pattern = regex_lite::Regex::new(pattern).unwrap();
        for sample in samples {
            let parsed = parses(sample);
            assert_eq!(pattern.is_match(sample), parsed, "{sample:?}: the parser says {parsed}");
        }
    }

    #[test]
    fn the_region_code_pattern_accepts_exactly_what_the_parser_accepts() {
        let region = |s: &str| jiuzhu_core::RegionCode::parse(s).is_ok();
        pattern_agrees_with_parser(
            REGION_CODE_PATTERN,
            &[
                "640200",
                "640202",
                "110000",
                "010000",
                "000000",
                "006402",
                "640202001",
                "640202000",
                "640200001",
                "640202001001",
                "640202000001",
                "640200001001",
                "64020200100",
                "6402020010011",
                "64020a",
                "",
                "640202999999",
            ],
            region,
        );
        // Every 6-digit prefix class, and townships and villages under each.
        let mut generated = Vec::new();
        for head in ["00", "01", "09", "10", "64", "99"] {
            for county in ["00", "01", "10", "99"] {
                for tail in ["", "000", "001", "100", "000000", "000001", "001000", "999999"] {
                    generated.push(format!("{head}02{county}{tail}"));
                }
            }
        }
        pattern_agrees_with_parser(REGION_CODE_PATTERN, &generated.iter().map(String::as_str).collect::<Vec<_>>(), region);
    }

    #[test]
    fn the_identifier_patterns_admit_what_the_parsers_read() {
        let citizen = regex_lite::Regex::new(CITIZEN_ID_PATTERN).unwrap();
        let credit = regex_lite::Regex::new(CREDIT_CODE_PATTERN).unwrap();
        for valid in ["11010519491231002X", "11010519491231002x", " 440524188001010014 "] {
            assert!(citizen.is_match(valid) && jiuzhu_core::CitizenId::parse(valid).is_ok(), "{valid}");
        }
        for refused in ["1101051949123100", "1101051949123100XX", "A1010519491231002X", "110105194912310Y2X", "11010519491231002Y"] {
            assert!(!citizen.is_match(refused) && jiuzhu_core::CitizenId::parse(refused).is_err(), "{refused}");
        }
        for valid in ["91350100M000100Y43", "91350100m000100y43"] {
            assert!(credit.is_match(valid) && jiuzhu_core::credit_code::CreditCode::parse(valid).is_ok(), "{valid}");
        }
        for refused in ["91350100M000100Y4", "9135010OM000100Y43", "91350100I000100Y43", "913501A0M000100Y43"] {
            assert!(!credit.is_match(refused) && jiuzhu_core::credit_code::CreditCode::parse(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn the_phone_pattern_accepts_exactly_what_the_parser_accepts() {
        let samples = [
            "13912345678",
            "139-1234-5678",
            "139 1234 5678",
            "+8613912345678",
            "+86 139 1234 5678",
            "008613912345678",
            "0951-1234567",
            "09511234567",
            "010-12345678",
            "0101234567890",
            "12912345678",
            "1391234567",
            "139123456789",
            "0012345678",
            "8613912345678",
            "+86-0951-1234567",
            "",
            "abc",
            "1391234567x",
            "+8-6 13912345678",
            "0 0 8 6 13912345678",
        ];
        pattern_agrees_with_parser(PHONE_PATTERN, &samples, |s| jiuzhu_core::phone::Phone::parse(s).is_ok());
    }

    #[test]
    fn the_idempotency_key_pattern_is_visible_ascii() {
        let pattern = regex_lite::Regex::new(IDEMPOTENCY_KEY_PATTERN).unwrap();
        let visible: String = (0x21u8..=0x7e).map(char::from).collect();
        assert!(pattern.is_match(&visible) && pattern.is_match("a") && pattern.is_match(&"k".repeat(255)));
        for refused in ["", " ", "a b", "ключ", "\t", &"k".repeat(256)] {
            assert!(!pattern.is_match(refused), "{refused:?}");
        }
    }

    #[test]
    fn route_table_matches_templates() {
        let mut document = ApiDoc::openapi();
        let mut item = utoipa::openapi::PathItem::default();
        item.get = Some(Operation::default());
        item.patch = Some(Operation::default());
        document.paths.paths.insert("/api/v1/users/{id}".into(), item);
        let table = RouteTable::from_document(&document);
        assert_eq!(table.allowed("/api/v1/users/42"), Some(vec!["GET".to_string(), "PATCH".to_string()]));
        assert_eq!(table.allowed("/api/v1/users"), None);
        assert_eq!(table.allowed("/api/v1/users/42/extra"), None);
        let mut count = utoipa::openapi::PathItem::default();
        count.get = Some(Operation::default());
        document.paths.paths.insert("/api/v1/users/count".into(), count);
        let table = RouteTable::from_document(&document);
        assert_eq!(table.allowed("/api/v1/users/count"), Some(vec!["GET".to_string()]), "the literal route decides");
        assert_eq!(table.allowed("/api/v1/users/43"), Some(vec!["GET".to_string(), "PATCH".to_string()]));
    }

    #[test]
    fn an_action_changes_the_resource_it_is_under() {
        assert_eq!(versioned_resource("/api/v1/discoveries/{id}/verify"), "/api/v1/discoveries/{id}");
        assert_eq!(versioned_resource("/api/v1/users/{id}"), "/api/v1/users/{id}");
        assert_eq!(versioned_resource("/api/v1/users/count"), "/api/v1/users/count");
    }

    #[test]
    fn every_read_of_a_versioned_resource_documents_its_etag() {
        let document = serde_json::to_value(crate::server::openapi_document()).unwrap();
        let paths = document["paths"].as_object().unwrap();
        let mut checked = 0;
        for (path, item) in paths {
            let changed_by_if_match = paths.iter().any(|(other, item)| {
                versioned_resource(other) == path
                    && item
                        .as_object()
                        .unwrap()
                        .values()
                        .any(|op| op["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["name"] == "If-Match")))
            });
            if changed_by_if_match && item.get("get").is_some() {
                assert!(item["get"]["responses"]["200"]["headers"].get("ETag").is_some(), "GET {path} does not document its ETag");
                checked += 1;
            }
        }
        assert!(checked >= 17, "only {checked} versioned reads");
        assert!(paths["/api/v1/discoveries/{id}"]["get"]["responses"]["200"]["headers"].get("ETag").is_some());
    }

    #[test]
    fn every_reference_in_the_contract_resolves() {
        let document = serde_json::to_value(crate::server::openapi_document()).unwrap();
        let mut found = Vec::new();
        references(&document, &mut found);
        assert!(found.len() > 100);
        let unresolved: Vec<&String> = found
            .iter()
            .filter(|target| {
                let pointer = target.strip_prefix('#').unwrap_or(target);
                document.pointer(pointer).is_none()
            })
            .collect();
        assert!(unresolved.is_empty(), "unresolved: {unresolved:?}");
    }
}
