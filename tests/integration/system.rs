//! Health, readiness, request ids, the spec, Swagger UI and the synthetic data set.

use jiuzhu_tests::{spawn_app, spawn_app_with};

#[actix_web::test]
async fn healthz_and_readyz_answer_ok() {
    let app = spawn_app().await;
    let health = app.get("/healthz", None).await;
    assert_eq!((health.status, health.body["status"].as_str()), (200, Some("ok")));
    let ready = app.get("/readyz", None).await;
    assert_eq!((ready.status, ready.body["status"].as_str()), (200, Some("ok")));
}

#[actix_web::test]
async fn readyz_answers_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.db.clone().close().await.unwrap();
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, 503, "{}", ready.text);
    assert_eq!(ready.body["status"], "unavailable");
}

#[actix_web::test]
async fn request_ids_are_echoed_or_generated() {
    let app = spawn_app().await;
    let echoed = app.send(app.request(awc::http::Method::GET, "/healthz").insert_header(("X-Request-Id", "trace-abc.123")), None).await;
    assert_eq!(echoed.header("x-request-id"), Some("trace-abc.123"));
    let generated = app.get("/healthz", None).await;
    let id = generated.header("x-request-id").unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    let unsafe_id = app.send(app.request(awc::http::Method::GET, "/healthz").insert_header(("X-Request-Id", "<script>")), None).await;
    assert_ne!(unsafe_id.header("x-request-id"), Some("<script>"));
}

#[actix_web::test]
async fn openapi_json_is_openapi_3_1_with_bearer_security() {
    let app = spawn_app().await;
    let spec = app.get("/openapi.json", None).await;
    assert_eq!(spec.status, 200);
    assert_eq!(spec.body["openapi"], "3.1.0");
    assert_eq!(spec.body["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert!(spec.body["components"]["schemas"]["Problem"].is_object());
    assert!(spec.body["paths"]["/api/v1/auth/token"]["post"].is_object());
}

#[actix_web::test]
async fn docs_render_swagger_ui_from_vendored_assets() {
    let app = spawn_app().await;
    let without_slash = app.get("/docs", None).await;
    assert_eq!(without_slash.status, 200, "/docs leads to the UI");
    assert!(without_slash.text.contains("swagger-ui"));
    let page = app.get("/docs/", None).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("swagger-ui"), "{}", &page.text[..page.text.len().min(300)]);
    let script = app.get("/docs/swagger-ui-bundle.js", None).await;
    assert_eq!(script.status, 200);
    assert!(script.text.len() > 100_000, "the bundle is served from the binary");
    let initializer = app.get("/docs/swagger-initializer.js", None).await;
    assert!(initializer.text.contains("/openapi.json"), "{}", initializer.text);
}

#[actix_web::test]
async fn listed_browser_origins_get_cors_headers_and_others_do_not() {
    let app = spawn_app_with(|c| c.cors_origins = vec!["https://front.example.gov.cn".into()]).await;
    let preflight = app
        .send(
            app.request(awc::http::Method::OPTIONS, "/api/v1/beneficiaries")
                .insert_header(("Origin", "https://front.example.gov.cn"))
                .insert_header(("Access-Control-Request-Method", "POST"))
                .insert_header(("Access-Control-Request-Headers", "authorization, content-type, idempotency-key")),
            None,
        )
        .await;
    assert_eq!(preflight.status, 204, "{}", preflight.text);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("https://front.example.gov.cn"));
    assert!(preflight.header("access-control-allow-headers").unwrap().contains("Idempotency-Key"));
    let listed =
        app.send(app.request(awc::http::Method::GET, "/healthz").insert_header(("Origin", "https://front.example.gov.cn")), None).await;
    assert_eq!(listed.header("access-control-allow-origin"), Some("https://front.example.gov.cn"));
    assert!(listed.header("access-control-expose-headers").unwrap().contains("ETag"));
    let refused =
        app.send(app.request(awc::http::Method::GET, "/api/v1/me").insert_header(("Origin", "https://front.example.gov.cn")), None).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.header("access-control-allow-origin"), Some("https://front.example.gov.cn"), "errors are readable too");
    let other = app.send(app.request(awc::http::Method::GET, "/healthz").insert_header(("Origin", "https://evil.example")), None).await;
    assert_eq!(other.status, 200);
    assert_eq!(other.header("access-control-allow-origin"), None, "an unlisted origin gets no CORS headers");
    let other_preflight = app
        .send(
            app.request(awc::http::Method::OPTIONS, "/api/v1/beneficiaries")
                .insert_header(("Origin", "https://evil.example"))
                .insert_header(("Access-Control-Request-Method", "POST")),
            None,
        )
        .await;
    assert_eq!(other_preflight.header("access-control-allow-origin"), None);
}

#[actix_web::test]
async fn synthetic_data_reads_back_through_the_api_and_refuses_a_second_load() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let made = jiuzhu_api::synthetic::seed(&app.db, &jiuzhu_core::RegionCode::default_root(), 600, 5, jiuzhu_api::synthetic::base_time())
        .await
        .unwrap();
    assert_eq!((made.beneficiaries, made.providers), (600, 20));
    assert!(made.households > 50 && made.assessments > 150 && made.needs > made.assessments && made.orders > 0, "{made:?}");
    assert_eq!(app.get("/api/v1/beneficiaries/count", Some(&admin)).await.body["count"], 600);
    let people = app.get("/api/v1/beneficiaries?region_code=640205&limit=5", Some(&admin)).await;
    let first = &people.body["items"][0];
    assert!(first["region_code"].as_str().unwrap().starts_with("640205"), "{}", people.text);
    let person = app.get(&format!("/api/v1/beneficiaries/{}", first["id"].as_str().unwrap()), Some(&admin)).await;
    assert_eq!(person.status, 200, "{}", person.text);
    let orders = app.get("/api/v1/service-orders?limit=3", Some(&admin)).await;
    assert_eq!(orders.body["items"].as_array().unwrap().len(), 3, "{}", orders.text);
    let summary = app.get("/api/v1/needs/summary?region_code=640200&group_by=service", Some(&admin)).await;
    assert_eq!(summary.status, 200, "{}", summary.text);
    assert_eq!(app.get("/api/v1/audit-events/verify", Some(&admin)).await.body["valid"], true);
    let again = jiuzhu_api::synthetic::seed(&app.db, &jiuzhu_core::RegionCode::default_root(), 600, 5, jiuzhu_api::synthetic::base_time())
        .await
        .unwrap_err();
    assert!(matches!(again, jiuzhu_core::DomainError::Rule { code: "already_seeded", .. }), "{again:?}");
}
