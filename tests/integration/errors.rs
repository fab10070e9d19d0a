//! Every failure is an `application/problem+json` response.

use jiuzhu_tests::{spawn_app, spawn_app_with};
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
    // A literal route is its own resource, not a template's id.
    let admin = app.admin_token().await;
    let count = app.send(app.request(awc::http::Method::PATCH, "/api/v1/beneficiaries/count").bearer_auth(&admin), None).await;
    count.assert_problem(405, "method_not_allowed");
    assert_eq!(count.header("allow"), Some("GET"));
    let draft =
        app.send(app.request(awc::http::Method::DELETE, "/api/v1/procurement-projects/draft-from-needs").bearer_auth(&admin), None).await;
    draft.assert_problem(405, "method_not_allowed");
    assert_eq!(draft.header("allow"), Some("POST"));
    let bad_id = app.send(app.request(awc::http::Method::PATCH, "/api/v1/beneficiaries/not-a-uuid").bearer_auth(&admin), None).await;
    bad_id.assert_problem(400, "bad_path");
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
async fn whole_numbers_written_with_a_point_are_integers_and_huge_weights_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let default = app.get("/api/v1/evaluation-schemes/default", Some(&admin)).await.body;
    let mut scheme = json!({"name": "整数权重", "groups": default["groups"], "grades": default["grades"]});
    // JSON Schema counts 4000.0 as an integer; so does the server.
    scheme["groups"][0]["weight_bp"] = json!(scheme["groups"][0]["weight_bp"].as_u64().unwrap() as f64);
    let accepted = app.post_json("/api/v1/evaluation-schemes", Some(&admin), &scheme).await;
    assert_eq!(accepted.status, 201, "{}", accepted.text);
    // Weights whose sum passes u32::MAX are refused as a wrong sum, not a 500.
    for group in scheme["groups"].as_array_mut().unwrap() {
        group["weight_bp"] = json!(u32::MAX);
    }
    let refused = app.post_json("/api/v1/evaluation-schemes", Some(&admin), &scheme).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.body["errors"][0]["code"], "weights_sum", "{}", refused.text);
    let fractional = app
        .post_json(
            "/api/v1/evaluation-schemes",
            Some(&admin),
            &json!({"groups": [], "grades": {"excellent": 90.5, "good": 80, "pass": 60}}),
        )
        .await;
    fractional.assert_problem(422, "validation_failed");
    assert_eq!(fractional.body["errors"][0]["field"], "grades.excellent", "{}", fractional.text);
}

#[actix_web::test]
async fn text_with_u0000_is_refused_naming_where_it_came_in() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let body =
        json!({"username": "nul.user", "display_name": "a\u{0}b", "role": "auditor", "region_code": "640200", "password": "long-enough-1"});
    let refused = app.post_json("/api/v1/users", Some(&admin), &body).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(
        (refused.body["errors"][0]["field"].as_str(), refused.body["errors"][0]["code"].as_str()),
        (Some("display_name"), Some("nul_character"))
    );
    app.get("/api/v1/beneficiaries?name_prefix=%00", Some(&admin)).await.assert_problem(400, "bad_query");
    let in_a_value = app.get("/api/v1/needs?service_code=T-%00x", Some(&admin)).await;
    in_a_value.assert_problem(422, "validation_failed");
    assert_eq!(
        (in_a_value.body["errors"][0]["field"].as_str(), in_a_value.body["errors"][0]["code"].as_str()),
        (Some("service_code"), Some("nul_character")),
        "a declared parameter holding U+0000 is named, like any bad value: {}",
        in_a_value.text
    );
    app.get("/api/v1/services/a%00b", Some(&admin)).await.assert_problem(400, "bad_path");
    assert_eq!(
        app.get("/api/v1/users?limit=500", Some(&admin)).await.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["username"] == "nul.user")
            .count(),
        0
    );
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

/// An upload's limit is its own setting, apart from the JSON body limit.
#[actix_web::test]
async fn uploads_over_the_import_limit_are_a_413_problem() {
    let app = spawn_app_with(|c| c.import_limit_bytes = 1024 * 1024).await;
    let token = app.admin_token().await;
    let line = concat!(
        r#"{"name":"张秀兰","id_number":"11010519491231002X","region_code":"640202001001","#,
        r#""categories":[{"category":"marginal","valid_from":"2024-01-01"}]}"#,
        "\n"
    );
    let rows = line.repeat(1024 * 1024 / line.len() + 1);
    let request = app.request(awc::http::Method::POST, "/api/v1/imports?kind=beneficiaries").bearer_auth(&token);
    let reply = app.send(request, Some(("application/x-ndjson", rows.into_bytes()))).await;
    reply.assert_problem(413, "payload_too_large");
    let request = app.request(awc::http::Method::POST, "/api/v1/imports?kind=beneficiaries").bearer_auth(&token);
    let reply = app.send(request, Some(("application/x-ndjson", line.repeat(10).into_bytes()))).await;
    assert_eq!(reply.status, 202, "below the limit an upload is taken: {}", reply.text);
}

#[actix_web::test]
async fn a_stalled_client_cannot_hold_a_connection() {
    use std::io::{Read, Write};
    let app = jiuzhu_tests::spawn_app_with(|config| config.client_request_timeout_ms = 300).await;
    let address = app.address.trim_start_matches("http://").to_string();
    let answer = actix_web::rt::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        // Half a request line, then silence.
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x").unwrap();
        let started = std::time::Instant::now();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        (String::from_utf8_lossy(&answer).to_string(), started.elapsed())
    })
    .await
    .unwrap();
    assert!(answer.1 < std::time::Duration::from_secs(5), "the server let go after {:?}", answer.1);
    assert!(answer.0.is_empty() || answer.0.starts_with("HTTP/1.1 408"), "{}", answer.0);
}

/// The body limit applies before the idempotency middleware buffers a body:
/// a declared 60 MiB body with an `Idempotency-Key` is refused at once,
/// without the server waiting for (and holding) a byte of it.
#[actix_web::test]
async fn an_idempotent_post_over_the_limit_is_refused_before_its_body_is_read() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let address = app.address.trim_start_matches("http://").to_string();
    let answer = actix_web::rt::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
        let head = format!(
            "POST /api/v1/beneficiaries HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\n\
             Idempotency-Key: big-body-1\r\nContent-Length: 62914560\r\n\r\n{{\"name\":"
        );
        stream.write_all(head.as_bytes()).unwrap();
        let mut answer = vec![0u8; 4096];
        let read = stream.read(&mut answer).unwrap_or(0);
        String::from_utf8_lossy(&answer[..read]).to_string()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "refused at once, not after reading: {answer:?}");
}

#[actix_web::test]
async fn a_body_with_a_key_twice_is_refused_naming_it() {
    let app = spawn_app().await;
    let body = br#"{"grant_type":"password","username":"admin","password":"x","username":"someone-else"}"#.to_vec();
    let reply = app.send(app.request(awc::http::Method::POST, "/api/v1/auth/token"), Some(("application/json", body))).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(
        (reply.body["errors"][0]["field"].as_str(), reply.body["errors"][0]["code"].as_str()),
        (Some("username"), Some("duplicate_key"))
    );
}

/// A problem answers in Chinese when `Accept-Language` prefers it, and says
/// which language it chose; the code, status and fields stay the same.
#[actix_web::test]
async fn problems_answer_in_the_language_the_caller_prefers() {
    let app = jiuzhu_tests::spawn_app().await;
    let admin = app.admin_token().await;
    let ask = |language: Option<&'static str>| {
        let mut request = app.request(awc::http::Method::POST, "/api/v1/users").bearer_auth(&admin);
        if let Some(language) = language {
            request = request.insert_header(("Accept-Language", language));
        }
        let body = serde_json::to_vec(&serde_json::json!({"username": "", "display_name": "x", "role": "auditor", "region_code": "640200", "password": "password-1234"})).unwrap();
        app.send(request, Some(("application/json", body)))
    };
    let zh = ask(Some("zh-CN,zh;q=0.9,en;q=0.8")).await;
    assert_eq!((zh.status, zh.body["code"].as_str()), (422, Some("validation_failed")), "{}", zh.text);
    assert_eq!((zh.body["title"].as_str(), zh.header("content-language")), (Some("请求校验未通过"), Some("zh-CN")), "{}", zh.text);
    assert!(zh.body["detail"].as_str().unwrap().contains("个字段不合格"), "{}", zh.text);
    assert_eq!(zh.body["errors"][0]["field"], "username");
    assert!(!zh.body["errors"][0]["message"].as_str().unwrap().is_ascii(), "{}", zh.text);
    assert!(zh.header("vary").is_some_and(|v| v.contains("Accept-Language")));
    let en = ask(None).await;
    assert_eq!((en.status, en.body["title"].as_str(), en.header("content-language")), (422, Some("Request validation failed"), Some("en")));
    let missing = app.request(awc::http::Method::GET, "/api/v1/needs/00000000-0000-0000-0000-000000000000").bearer_auth(&admin);
    let missing = app.send(missing.insert_header(("Accept-Language", "zh")), None).await;
    assert_eq!((missing.status, missing.body["detail"].as_str()), (404, Some("没有这条记录，或它不在您的辖区内")), "{}", missing.text);
}
