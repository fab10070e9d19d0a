//! The authorisation matrix, generated from the committed spec and the
//! permission table: every operation is called as every role, and must
//! answer 403 exactly when the table denies the role the operation's
//! declared permission. No call may answer 500. An operation whose
//! description declares no permission the test understands fails it.

use jiuzhu_core::permission::role_has;
use jiuzhu_core::{Permission, Role};
use jiuzhu_tests::{TestApp, credit_code};
use serde_json::{Value, json};

/// Who may call an operation, as its description declares.
#[derive(Debug, Clone, PartialEq)]
enum Declared {
    /// `none (public)` or `any authenticated caller`.
    Anyone,
    /// One of these permissions (`a` or `a (and b …)` or `a (…) or b (…)`).
    AnyOf(Vec<Permission>),
    /// `the evaluated provider's account`.
    ProviderAccount,
}

fn declared(description: &str) -> Option<Declared> {
    let line = description.split("Permission:").nth(1)?.lines().next()?.trim();
    if line.starts_with("none (public)") || line.starts_with("any authenticated caller") {
        return Some(Declared::Anyone);
    }
    if line.starts_with("the evaluated provider's account") {
        return Some(Declared::ProviderAccount);
    }
    // The first `x:y`, and any introduced by "or"; `(and …)` adds conditions, not grants.
    let mut alternatives = Vec::new();
    let pieces: Vec<&str> = line.split('`').collect();
    for (i, code) in pieces.iter().enumerate().skip(1).step_by(2) {
        let before = pieces[i - 1];
        if i == 1 || before.ends_with(" or ") {
            alternatives.push(*Permission::ALL.iter().find(|p| p.code() == *code)?);
        }
    }
    (!alternatives.is_empty()).then_some(Declared::AnyOf(alternatives))
}

fn allowed(declared: &Declared, role: Role) -> bool {
    match declared {
        Declared::Anyone => true,
        Declared::AnyOf(permissions) => permissions.iter().any(|p| role_has(role, *p)),
        Declared::ProviderAccount => role == Role::Provider,
    }
}

/// Refusals beyond the permission table, each a documented business rule.
fn refused_beyond_the_table(method: &str, path: &str, role: Role) -> bool {
    match (method, path) {
        // Providers hold `order:write` but never rate their own service.
        ("post", "/api/v1/service-orders/{id}/feedback") => role == Role::Provider,
        // Evaluators hold `evaluation:manage`, but an appeal is decided by a
        // civil-affairs officer outside the evaluation group.
        ("post", "/api/v1/appeals/{id}/decide") => role == Role::Evaluator,
        _ => false,
    }
}

/// Follows a local `$ref` inside the spec.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(pointer) => spec.pointer(pointer.trim_start_matches('#')).unwrap_or(value),
        None => value,
    }
}

/// A value for a required query parameter: its example, its first enum
/// value, or a plausible one for its type.
fn sample(spec: &Value, parameter: &Value) -> String {
    let schema = resolve(spec, &parameter["schema"]);
    if let Some(example) = parameter.get("example").or_else(|| schema.get("example")) {
        return example.as_str().map(str::to_string).unwrap_or_else(|| example.to_string());
    }
    if let Some(first) = schema["enum"].get(0) {
        return first.as_str().unwrap_or_default().to_string();
    }
    match schema["format"].as_str() {
        Some("date") => "2025-01-01".into(),
        Some("date-time") => "2025-01-01T00:00:00Z".into(),
        _ => "1".into(),
    }
}

/// One request per operation: path parameters filled with ids that exist
/// nowhere, required query parameters sampled, the body from the spec's
/// example (so body validation passes and the permission check decides).
struct Call {
    method: awc::http::Method,
    path: String,
    content_type: Option<String>,
    body: Vec<u8>,
}

fn call_for(spec: &Value, path: &str, method: &str, operation: &Value) -> Call {
    let mut concrete = path.to_string();
    let mut query = Vec::new();
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        let parameter = resolve(spec, parameter);
        let name = parameter["name"].as_str().unwrap();
        match parameter["in"].as_str() {
            Some("path") => {
                let value = match (name, resolve(spec, &parameter["schema"])["type"].as_str()) {
                    ("code", _) => "640202".to_string(),
                    (_, Some("integer")) => "999".to_string(),
                    _ => uuid::Uuid::now_v7().to_string(),
                };
                concrete = concrete.replace(&format!("{{{name}}}"), &value);
            }
            Some("query") if parameter["required"] == true => query.push(format!("{name}={}", sample(spec, parameter))),
            _ => {}
        }
    }
    if !query.is_empty() {
        concrete = format!("{concrete}?{}", query.join("&"));
    }
    let (content_type, body) = match operation["requestBody"]["content"].as_object().and_then(|c| c.iter().next()) {
        Some((content_type, media)) => {
            let schema = resolve(spec, &media["schema"]);
            let example =
                media.get("example").or_else(|| schema.get("example")).or_else(|| schema["examples"].get(0)).cloned().unwrap_or(json!({}));
            let bytes = match example {
                Value::String(text) => text.into_bytes(),
                other => serde_json::to_vec(&other).unwrap(),
            };
            (Some(content_type.clone()), bytes)
        }
        None => (None, Vec::new()),
    };
    Call { method: method.to_uppercase().parse().unwrap(), path: concrete, content_type, body }
}

/// A token for each of the nine roles, all within county 640202 or the city.
async fn tokens(app: &TestApp) -> Vec<(Role, String)> {
    let admin = app.admin_token().await;
    app.add_region(&admin, "640202001", "甲街道").await;
    app.add_region(&admin, "640202001001", "甲社区").await;
    let provider = app
        .post_json(
            "/api/v1/providers",
            Some(&admin),
            &json!({"name": "机构", "credit_code": credit_code(71), "org_type": "social_organization", "service_codes": ["meals"],
                "service_regions": ["640202"], "monthly_capacity": {"meals": 100}, "contact": {"name": "联系人"}}),
        )
        .await;
    assert_eq!(provider.status, 201, "{}", provider.text);
    let mut tokens = vec![(Role::CityAdmin, admin.clone())];
    for (role, username, region, extra) in [
        (Role::CountyOfficer, "m.county", "640202", json!({})),
        (Role::TownshipOfficer, "m.township", "640202001", json!({})),
        (Role::VillageWorker, "m.village", "640202001001", json!({})),
        (Role::Evaluator, "m.evaluator", "640202", json!({})),
        (Role::Auditor, "m.auditor", "640202", json!({})),
        (Role::Provider, "m.provider", "640202", json!({"provider_id": provider.body["id"]})),
    ] {
        app.add_user(&admin, username, role.code(), region, extra).await;
        tokens.push((role, app.login(username, "password-1234").await));
    }
    tokens.push((Role::Department, app.department_token(&admin, "education").await));
    let exchange = app
        .post_json("/api/v1/clients", Some(&admin), &json!({"name": "交换作业", "role": "data_exchange", "region_code": "640202"}))
        .await;
    let grant = json!({"grant_type": "client_credentials", "client_id": exchange.body["client"]["client_id"], "client_secret": exchange.body["client_secret"]});
    let token = app.post_json("/api/v1/auth/token", None, &grant).await;
    tokens.push((Role::DataExchange, token.body["access_token"].as_str().unwrap().to_string()));
    tokens
}

#[actix_web::test]
async fn every_operation_answers_every_role_as_the_permission_table_says() {
    let app = spawn_app_with_generous_limits().await;
    let tokens = tokens(&app).await;
    assert_eq!(tokens.len(), 9, "one token per role");
    let spec: Value = serde_json::from_str(&jiuzhu_api::server::openapi_json().unwrap()).unwrap();
    let mut cells = 0;
    let mut mismatches = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if !["get", "post", "patch", "put", "delete"].contains(&method.as_str()) {
                continue;
            }
            let description = operation["description"].as_str().unwrap_or_default();
            let declared = declared(description).unwrap_or_else(|| panic!("{method} {path} declares no permission the matrix understands"));
            for (role, token) in &tokens {
                let call = call_for(&spec, path, method, operation);
                let mut request = app.request(call.method.clone(), &call.path).bearer_auth(token).insert_header(("If-Match", "\"1\""));
                if method == "post" {
                    request = request.insert_header(("Idempotency-Key", uuid::Uuid::now_v7().to_string()));
                }
                let reply = app.send(request, call.content_type.as_deref().map(|ct| (ct, call.body.clone()))).await;
                cells += 1;
                assert_ne!(reply.status, 500, "{method} {path} as {role:?} crashed: {}", reply.text);
                let expect_refusal = !allowed(&declared, *role) || refused_beyond_the_table(method, path, *role);
                if expect_refusal != (reply.status == 403) {
                    mismatches.push(format!(
                        "{method} {path} as {}: {} (expected {}) {}",
                        role.code(),
                        reply.status,
                        if expect_refusal { "403" } else { "not 403" },
                        reply.text.chars().take(300).collect::<String>()
                    ));
                }
            }
        }
    }
    assert!(cells > 1000, "{cells} cells");
    assert!(mismatches.is_empty(), "{} of {cells} cells disagree with the permission table:\n{}", mismatches.len(), mismatches.join("\n"));
    println!("authorisation matrix: {cells} cells, all as the table says");
}

/// The matrix makes over a thousand calls with one token per role; the
/// per-token rate limit is for production traffic, not for this test.
async fn spawn_app_with_generous_limits() -> TestApp {
    jiuzhu_tests::spawn_app_with(|config| {
        config.rate_limit_per_token = 100_000;
        config.rate_limit_per_ip = 100_000;
    })
    .await
}

#[test]
fn declarations_parse_as_the_descriptions_word_them() {
    assert_eq!(declared("x\n\nPermission: none (public)."), Some(Declared::Anyone));
    assert_eq!(declared("Permission: `user:read` (and `pii:reveal` to reveal)."), Some(Declared::AnyOf(vec![Permission::UserRead])));
    assert_eq!(
        declared("Permission: `referral:respond` (departments) or `application:read` (staff)."),
        Some(Declared::AnyOf(vec![Permission::ReferralRespond, Permission::ApplicationRead]))
    );
    assert_eq!(declared("Permission: `no:such`."), None);
    assert_eq!(declared("no line at all"), None);
}
