//! Every failure is an `application/problem+json` response.

use jiuzhu_tests::spawn_app;
use serde_json::json;

#[actix_web::test]
async fn unknown_route_is_a_404_problem() {
    let app = spawn_app().await;
    let reply = app.get("/api/v1/no-such-thing", None).await;
    reply.assert_problem(404, "route_not_found");
    assert_eq!(reply.body["instance"], "/api/v1/no-such-thing");
}

#[actix_web::test]
async fn wrong_method_is_a_405_problem_with_allow() {
    let app = spawn_app().await;
    let reply = app.send(app.request(awc::http::Method::DELETE, "/api/v1/auth/token"), None).await;
    reply.assert_problem(405, "method_not_allowed");
    assert_eq!(reply.header("allow"), Some("POST"));
}

#[actix_web::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let request = app.request(awc::http::Method::POST, "/api/v1/auth/token");
    let reply = app.send(request, Some(("application/json", b"{\"grant_type\": \"password\", ".to_vec()))).await;
    reply.assert_problem(400, "malformed_json");
}

#[actix_web::test]
async fn wrong_content_type_is_a_415_problem() {
    let app = spawn_app().await;
    let request = app.request(awc::http::Method::POST, "/api/v1/auth/token");
    let reply = app.send(request, Some(("text/plain", b"username=admin".to_vec()))).await;
    reply.assert_problem(415, "unsupported_media_type");
    let missing = app.send(app.request(awc::http::Method::POST, "/api/v1/auth/token"), None).await;
    missing.assert_problem(415, "unsupported_media_type");
}

#[actix_web::test]
async fn invalid_fields_are_a_422_problem_naming_each_field() {
    let app = spawn_app().await;
    let reply =
        app.post_json("/api/v1/auth/token", None, &json!({"grant_type": "password", "username": "", "password": "x".repeat(300)})).await;
    reply.assert_problem(422, "validation_failed");
    let fields: Vec<(&str, &str)> =
        reply.body["errors"].as_array().unwrap().iter().map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap())).collect();
    assert_eq!(fields, [("password", "length"), ("username", "length")]);
    assert_eq!(reply.body["detail"], "2 fields are invalid");
}

#[actix_web::test]
async fn unknown_missing_and_mistyped_fields_are_422() {
    let app = spawn_app().await;
    let unknown = app
        .post_json("/api/v1/auth/token", None, &json!({"grant_type": "password", "username": "a", "password": "b", "role": "city_admin"}))
        .await;
    unknown.assert_problem(422, "validation_failed");
    assert_eq!(unknown.body["errors"][0]["field"], "role");
    assert_eq!(unknown.body["errors"][0]["code"], "unknown_field");
    let missing = app.post_json("/api/v1/auth/token", None, &json!({"grant_type": "password", "username": "a"})).await;
    missing.assert_problem(422, "validation_failed");
    assert_eq!(missing.body["errors"][0]["field"], "password");
    assert_eq!(missing.body["errors"][0]["code"], "required");
    let mistyped = app.post_json("/api/v1/auth/token", None, &json!({"grant_type": "magic", "username": "a", "password": "b"})).await;
    mistyped.assert_problem(422, "validation_failed");
    assert_eq!(mistyped.body["errors"][0]["field"], "grant_type");
}

#[actix_web::test]
async fn bodies_over_the_limit_are_a_413_problem() {
    let app = spawn_app().await;
    let huge = format!("{{\"grant_type\":\"password\",\"username\":\"a\",\"password\":\"{}\"}}", "x".repeat(1024 * 1024 + 10));
    let request = app.request(awc::http::Method::POST, "/api/v1/auth/token");
    let reply = app.send(request, Some(("application/json", huge.into_bytes()))).await;
    reply.assert_problem(413, "payload_too_large");
}
