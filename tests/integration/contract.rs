//! The committed contract matches the code, and every operation carries
//! what API.md promises.

use jiuzhu_api::server::{openapi_document, openapi_json};

#[test]
fn committed_spec_matches_the_generated_one() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json")).unwrap_or_default();
    let generated = openapi_json().unwrap();
    assert!(committed == generated, "openapi/openapi.json is out of date with the code: run `make openapi` and commit the result");
}

#[test]
fn every_operation_has_summary_permission_tag_id_and_problems() {
    let document = serde_json::to_value(openapi_document()).unwrap();
    let paths = document["paths"].as_object().unwrap();
    assert!(!paths.is_empty());
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            assert!(operation["summary"].as_str().is_some_and(|s| !s.is_empty()), "{name}: summary");
            assert!(
                operation["description"].as_str().is_some_and(|d| d.contains("Permission:")),
                "{name}: description must name the permission"
            );
            assert!(operation["operationId"].is_string(), "{name}: operationId");
            assert!(operation["tags"].as_array().is_some_and(|t| !t.is_empty()), "{name}: tag");
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.contains_key("500"), "{name}: 500 problem");
            let has_body = operation.get("requestBody").is_some();
            if has_body {
                for status in ["400", "415", "422"] {
                    assert!(responses.contains_key(status), "{name}: {status} problem");
                }
                let content = operation["requestBody"]["content"].as_object().unwrap();
                assert!(content.values().all(|media| !media["schema"].is_null()), "{name}: request schema");
                let has_example = |media: &serde_json::Value| {
                    let schema = match media["schema"]["$ref"].as_str() {
                        Some(pointer) => document.pointer(pointer.trim_start_matches('#')).unwrap_or(&serde_json::Value::Null),
                        None => &media["schema"],
                    };
                    media.get("example").is_some() || schema.get("example").is_some() || schema.get("examples").is_some()
                };
                assert!(content.values().all(has_example), "{name}: request example");
            }
            let security = operation["security"].as_array().unwrap_or_else(|| panic!("{name}: security declared, [] when public"));
            if !security.is_empty() {
                assert!(responses.contains_key("401") && responses.contains_key("403"), "{name}: 401/403");
            }
            if !matches!(path.as_str(), "/healthz" | "/readyz") {
                assert!(responses.contains_key("429"), "{name}: 429 from the rate limiter");
            }
        }
    }
}

/// The spec's security is declared in one place (`PUBLIC_OPERATIONS`), apart
/// from the handlers that check tokens; this holds the two together: every
/// GET the spec calls secured refuses a caller without a token, and every
/// one it calls public answers one.
#[actix_web::test]
async fn the_declared_security_is_what_the_server_does() {
    let app = jiuzhu_tests::spawn_app().await;
    let document = serde_json::to_value(openapi_document()).unwrap();
    let any_id = "0190a6f0-0000-7000-8000-000000000000";
    let mut checked = (0, 0);
    for (path, item) in document["paths"].as_object().unwrap() {
        let Some(operation) = item.get("get") else { continue };
        let concrete: String =
            path.split('/').map(|segment| if segment.starts_with('{') { any_id } else { segment }).collect::<Vec<_>>().join("/");
        let reply = app.get(&concrete, None).await;
        if operation["security"].as_array().unwrap().is_empty() {
            assert_ne!(reply.status, 401, "GET {path} is declared public: {}", reply.text);
            checked.0 += 1;
        } else {
            reply.assert_problem(401, "unauthenticated");
            checked.1 += 1;
        }
    }
    assert_eq!(checked.0, 9, "public GETs: the two probes, the enumerations, the two public lists and the four OCDS publications");
    assert!(checked.1 > 50, "{checked:?}");
}

/// A query is held to the operation's declared parameters: an unknown one
/// is refused (it used to be ignored, so a misspelt filter returned every
/// row), and a malformed value is 422 naming the parameter (it used to be a
/// 400 about a field called `query`).
#[actix_web::test]
async fn query_parameters_are_held_to_the_contract() {
    let app = jiuzhu_tests::spawn_app().await;
    let admin = app.admin_token().await;
    let misspelt = app.get("/api/v1/needs?beneficiary=0190a6f0-0000-7000-8000-000000000000", Some(&admin)).await;
    misspelt.assert_problem(400, "bad_query");
    assert_eq!(
        (misspelt.body["errors"][0]["field"].as_str(), misspelt.body["errors"][0]["code"].as_str()),
        (Some("beneficiary"), Some("unknown_parameter"))
    );
    assert!(misspelt.body["errors"][0]["message"].as_str().unwrap().contains("beneficiary_id"), "names what it takes: {}", misspelt.text);
    let bare_date = app.get("/api/v1/reports/pilot-summary?from=2025-01-01", Some(&admin)).await;
    bare_date.assert_problem(422, "validation_failed");
    assert_eq!(
        (bare_date.body["errors"][0]["field"].as_str(), bare_date.body["errors"][0]["code"].as_str()),
        (Some("from"), Some("not_a_date_time"))
    );
    let sideways = app.get("/api/v1/users?order=sideways&limit=ten", Some(&admin)).await;
    sideways.assert_problem(400, "bad_query");
    let fields: Vec<&str> = sideways.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["order", "limit"], "every finding at once: {}", sideways.text);
    app.get("/api/v1/me?verbose=1", Some(&admin)).await.assert_problem(400, "bad_query");
    let fine = app.get("/api/v1/reports/pilot-summary?from=2025-01-01T00:00:00%2B08:00", Some(&admin)).await;
    assert_eq!(fine.status, 200, "{}", fine.text);
}

/// Workbooks are declared as bytes, so generated clients keep them whole.
#[test]
fn downloads_that_are_not_text_are_declared_binary() {
    let document = serde_json::to_value(openapi_document()).unwrap();
    let mut workbooks = 0;
    for item in document["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            for response in operation["responses"].as_object().into_iter().flatten().map(|(_, r)| r) {
                for (media_type, content) in response["content"].as_object().into_iter().flatten() {
                    if media_type.contains("spreadsheetml") {
                        workbooks += 1;
                        assert_eq!(
                            (content["schema"]["type"].as_str(), content["schema"]["format"].as_str()),
                            (Some("string"), Some("binary"))
                        );
                    }
                }
            }
        }
    }
    assert_eq!(workbooks, 3, "the three published lists");
}

/// A page's items are its resource's component, not a copy of it: a
/// generated client gets one model per resource.
#[test]
fn pages_refer_to_their_item_component() {
    let document = serde_json::to_value(openapi_document()).unwrap();
    let schemas = document["components"]["schemas"].as_object().unwrap();
    let pages: Vec<&String> = schemas.keys().filter(|name| name.starts_with("Page_")).collect();
    assert!(pages.len() > 20, "{pages:?}");
    for name in pages {
        let reference = schemas[name]["properties"]["items"]["items"]["$ref"].as_str();
        let item = name.trim_start_matches("Page_");
        assert_eq!(reference, Some(format!("#/components/schemas/{item}").as_str()), "{name}");
    }
}

#[actix_web::test]
async fn lists_run_both_ways_and_a_cursor_keeps_its_order() {
    let app = jiuzhu_tests::spawn_app().await;
    let admin = app.admin_token().await;
    for name in ["a.one", "b.two", "c.three"] {
        app.add_user(&admin, name, "county_officer", "640202", serde_json::json!({})).await;
    }
    let walk = |order: &'static str| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let mut seen = Vec::new();
            let mut path = format!("/api/v1/users?limit=1&order={order}");
            loop {
                let page = app.get(&path, Some(&admin)).await;
                assert_eq!(page.status, 200, "{}", page.text);
                seen.extend(page.body["items"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap().to_string()));
                match page.body["next_cursor"].as_str() {
                    Some(cursor) => path = format!("/api/v1/users?limit=1&order={order}&cursor={cursor}"),
                    None => break seen,
                }
            }
        }
    };
    let oldest_first = walk("asc").await;
    let mut newest_first = walk("desc").await;
    assert_eq!(oldest_first.len(), 4, "the administrator and three users");
    newest_first.reverse();
    assert_eq!(oldest_first, newest_first, "desc is asc reversed, page by page");

    let first = app.get("/api/v1/users?limit=1&order=desc", Some(&admin)).await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let mixed = app.get(&format!("/api/v1/users?limit=1&cursor={cursor}"), Some(&admin)).await;
    mixed.assert_problem(422, "validation_failed");
    assert_eq!(mixed.body["errors"][0]["code"], "cursor_invalid", "a descending cursor cannot continue an ascending walk");
    app.get("/api/v1/users?order=sideways", Some(&admin)).await.assert_problem(400, "bad_query");
}
