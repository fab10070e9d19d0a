//! The bootstrap administrator logs in; bad credentials and tokens answer 401.

use jiuzhu_tests::{JWT_SECRET, spawn_app};
use serde_json::json;

#[actix_web::test]
async fn bootstrap_admin_logs_in_and_sees_itself() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["role"], "city_admin");
    assert_eq!(me.body["region_code"], "640200");
    assert_eq!((me.body["account"].as_str(), &me.body["user_id"]), (Some("user"), &me.body["subject"]), "a user's id is its user_id");
    let (_, client) = app.client_token(&token, &json!({"name": "民政数据交换", "role": "data_exchange", "region_code": "640202"})).await;
    let me = app.get("/api/v1/me", Some(&client)).await;
    assert_eq!((me.body["account"].as_str(), me.body.get("user_id")), (Some("api_client"), None), "{}", me.text);
}

#[actix_web::test]
async fn token_response_has_the_documented_shape() {
    let app = spawn_app().await;
    let reply = app
        .post_json("/api/v1/auth/token", None, &json!({"grant_type": "password", "username": "admin", "password": app.admin_password}))
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["expires_in"], 1800);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}

#[actix_web::test]
async fn wrong_password_is_401_with_www_authenticate() {
    let app = spawn_app().await;
    let reply =
        app.post_json("/api/v1/auth/token", None, &json!({"grant_type": "password", "username": "admin", "password": "not-it"})).await;
    reply.assert_problem(401, "unauthenticated");
    assert!(reply.header("www-authenticate").unwrap().starts_with("Bearer"));
    let nobody = app.post_json("/api/v1/auth/token", None, &json!({"grant_type": "password", "username": "ghost", "password": "x"})).await;
    nobody.assert_problem(401, "unauthenticated");
    assert_eq!(nobody.body["detail"], reply.body["detail"], "never reveal which part was wrong");
}

#[actix_web::test]
async fn missing_and_forged_tokens_are_401() {
    let app = spawn_app().await;
    app.get("/api/v1/me", None).await.assert_problem(401, "unauthenticated");
    app.get("/api/v1/me", Some("not.a.jwt")).await.assert_problem(401, "unauthenticated");
    let token = app.admin_token().await;
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    app.get("/api/v1/me", Some(&tampered)).await.assert_problem(401, "unauthenticated");
    assert!(!JWT_SECRET.is_empty());
}
