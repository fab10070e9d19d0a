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
