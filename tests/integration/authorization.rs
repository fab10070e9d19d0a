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

/// Records of every kind in county A (大武口区 640202), made by its officer;
/// returns their ids.
async fn county_a_records(app: &TestApp, admin: &str, officer: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let keep = |ids: &mut Vec<String>, reply: &jiuzhu_tests::Reply| {
        assert!(reply.status < 300, "{}", reply.text);
        ids.push(reply.body["id"].as_str().unwrap().to_string());
        reply.body.clone()
    };
    let person = keep(
        &mut ids,
        &app.post_json(
            "/api/v1/beneficiaries",
            Some(officer),
            &json!({"name": "张秀兰", "id_number": jiuzhu_tests::id_born("1944-03-01", 1), "region_code": "640202001001", "phone": "13912345678",
                "categories": [{"category": "subsistence_allowance", "valid_from": "2024-01-01"}]}),
        )
        .await,
    );
    let person_id = person["id"].as_str().unwrap().to_string();
    keep(
        &mut ids,
        &app.post_json("/api/v1/households", Some(officer), &json!({"head_beneficiary_id": person_id, "address": "甲社区1号"})).await,
    );
    let application = keep(
        &mut ids,
        &app.post_json(
            "/api/v1/applications",
            Some(officer),
            &json!({"channel": "walk_in", "beneficiary_id": person_id, "consent": {"given": true, "date": "2025-03-01", "method": "written"},
                "items": [{"kind": "service", "service_code": "meals"}, {"kind": "transfer", "matter": "medical_assistance", "description": "住院自付费用较高"}]}),
        )
        .await,
    );
    let path = format!("/api/v1/applications/{}/accept", application["id"].as_str().unwrap());
    assert_eq!(app.post_json_with(&path, Some(officer), &json!({}), &[("If-Match", "\"1\"")]).await.status, 200);
    keep(
        &mut ids,
        &app.post_json(
            "/api/v1/assessments",
            Some(officer),
            &json!({"beneficiary_id": person_id, "assessed_on": "2025-03-05", "scores": jiuzhu_tests::scores(&[("disability", 2), ("family_structure", 2)])}),
        )
        .await,
    );
    let (project, contract, _provider) = app.contracted_project(admin, 72).await;
    ids.extend([project, contract.clone()]);
    let order = app
        .post_json(
            "/api/v1/service-orders",
            Some(admin),
            &json!({"beneficiary_id": person_id, "service_code": "meals", "provider_id": _provider, "contract_id": contract, "scheduled_for": "2025-04-02", "quantity": 3}),
        )
        .await;
    keep(&mut ids, &order);
    for list in ["/api/v1/referrals", "/api/v1/needs", "/api/v1/fund-accounts", "/api/v1/visits", "/api/v1/discoveries"] {
        let page = app.get(&format!("{list}?limit=500"), Some(admin)).await;
        ids.extend(page.body["items"].as_array().into_iter().flatten().filter_map(|item| item["id"].as_str().map(str::to_string)));
    }
    ids
}

#[actix_web::test]
async fn nothing_of_one_county_reaches_any_role_of_another() {
    let app = spawn_app_with_generous_limits().await;
    let tokens = tokens(&app).await;
    let admin = &tokens[0].1;
    let officer_a = &tokens.iter().find(|(role, _)| *role == Role::CountyOfficer).unwrap().1;
    let a_ids = county_a_records(&app, admin, officer_a).await;
    assert!(a_ids.len() >= 10, "records of many kinds: {a_ids:?}");

    // Every staff role, placed in county B (惠农区 640205) and below it.
    app.add_region(admin, "640205100", "红果子镇").await;
    app.add_region(admin, "640205100201", "红果子村").await;
    let mut others = Vec::new();
    for (role, username, region) in [
        ("county_officer", "b.county", "640205"),
        ("township_officer", "b.township", "640205100"),
        ("village_worker", "b.village", "640205100201"),
        ("evaluator", "b.evaluator", "640205"),
        ("auditor", "b.auditor", "640205"),
    ] {
        app.add_user(admin, username, role, region, json!({})).await;
        others.push((username, app.login(username, "password-1234").await));
    }

    let spec: Value = serde_json::from_str(&jiuzhu_api::server::openapi_json().unwrap()).unwrap();
    let (mut probes, mut leaks, mut seen_at_home) = (0, Vec::new(), 0);
    for (path, item) in spec["paths"].as_object().unwrap() {
        let Some(operation) = item.get("get") else { continue };
        let public = operation["security"].as_array().is_some_and(Vec::is_empty);
        let path_parameters: Vec<&Value> = operation["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "path").collect();
        if public || path.starts_with("/api/v1/reports/") {
            continue; // public lists publish on purpose; reports are aggregates
        }
        match path_parameters.as_slice() {
            // Every id of county A in every id-taking read.
            [only] if only["schema"]["format"] == "uuid" => {
                let name = only["name"].as_str().unwrap();
                for id in &a_ids {
                    // The control: county A's own officer does see its records.
                    if app.get(&path.replace(&format!("{{{name}}}"), id), Some(officer_a)).await.status == 200 {
                        seen_at_home += 1;
                    }
                    for (who, token) in &others {
                        let reply = app.get(&path.replace(&format!("{{{name}}}"), id), Some(token)).await;
                        probes += 1;
                        if reply.status == 200 {
                            leaks.push(format!("GET {path} as {who} answered 200 for {id}"));
                        }
                    }
                }
            }
            // Every list, export, count and feed: none may mention county A's records.
            [] => {
                for (who, token) in &others {
                    let query = if path.contains("/exports/") || path == "/api/v1/events" { "" } else { "?limit=500" };
                    let reply = app.get(&format!("{path}{query}"), Some(token)).await;
                    probes += 1;
                    if let Some(id) = a_ids.iter().find(|id| reply.text.contains(id.as_str())) {
                        leaks.push(format!("GET {path} as {who} mentions {id}"));
                    }
                    if reply.text.contains("13912345678") || reply.text.contains(&jiuzhu_tests::id_born("1944-03-01", 1)) {
                        leaks.push(format!("GET {path} as {who} shows county A's personal data"));
                    }
                }
            }
            _ => {}
        }
    }
    // The registry search too: a person of county A is not found from county B.
    let search = json!({"query_type": "id_numbers", "ids": [jiuzhu_tests::id_born("1944-03-01", 1)], "purpose": "跨区核查"});
    for (who, token) in &others {
        let reply = app.post_json("/api/v1/registry/search", Some(token), &search).await;
        probes += 1;
        if reply.status == 200 && reply.body["results"][0]["status"] != "not_found" {
            leaks.push(format!("registry search as {who} found county A's person"));
        }
    }
    assert!(probes > 500, "{probes} probes");
    assert!(seen_at_home >= 8, "the probes reach real records: county A's officer reads {seen_at_home} of them");
    assert!(leaks.is_empty(), "{} leaks in {probes} cross-area probes:\n{}", leaks.len(), leaks.join("\n"));
    println!("cross-area probes: {probes}, leaks: 0 (county A's officer reads {seen_at_home} of the same records)");
}
