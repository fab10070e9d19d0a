//! Webhooks: signed delivery to a receiver on 127.0.0.1, retries with
//! backoff and the delivery log, per-subject order, failure and manual
//! redelivery, scope, and the management endpoints' rules.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use jiuzhu_platform::hash::hmac_sha256_hex;
use jiuzhu_tests::{TestApp, spawn_app_with};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) const SECRET: &str = "receiver-shared-secret-0123";

/// What the receiver saw: headers of interest and the raw body.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) event_id: String,
    pub(crate) event_type: String,
    pub(crate) signature: String,
    pub(crate) body: String,
}

/// A receiver that answers 500 to its first `failures` requests, then 200.
pub(crate) struct Receiver {
    pub(crate) url: String,
    pub(crate) seen: Arc<Mutex<Vec<Received>>>,
}

pub(crate) fn start_receiver(failures: usize) -> Receiver {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (seen_by_server, count_by_server) = (seen.clone(), count.clone());
    let server = HttpServer::new(move || {
        let (seen, count) = (seen_by_server.clone(), count_by_server.clone());
        App::new().route(
            "/hook",
            web::post().to(move |req: HttpRequest, body: web::Bytes| {
                let (seen, count) = (seen.clone(), count.clone());
                async move {
                    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                    seen.lock().unwrap().push(Received {
                        event_id: header("x-jiuzhu-event-id"),
                        event_type: header("x-jiuzhu-event-type"),
                        signature: header("x-jiuzhu-signature"),
                        body: String::from_utf8_lossy(&body).to_string(),
                    });
                    if count.fetch_add(1, Ordering::SeqCst) < failures {
                        HttpResponse::InternalServerError().finish()
                    } else {
                        HttpResponse::Ok().finish()
                    }
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    Receiver { url, seen }
}

pub(crate) async fn fast_retrying_app() -> TestApp {
    spawn_app_with(|config| {
        config.webhook_backoff_base_ms = 50;
        config.webhook_poll_ms = 25;
        config.webhook_max_attempts = 4;
        config.webhook_timeout_ms = 2_000;
    })
    .await
}

pub(crate) async fn register(app: &TestApp, token: &str, url: &str, types: Value) -> Value {
    let reply = app.post_json("/api/v1/webhooks", Some(token), &json!({"url": url, "event_types": types, "secret": SECRET})).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert!(reply.body.get("secret").is_none(), "the secret is never returned");
    reply.body
}

/// Polls the delivery log until `done` holds for it (at most ten seconds).
pub(crate) async fn wait_for_log(app: &TestApp, token: &str, hook_id: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        let log = app.get(&format!("/api/v1/webhooks/{hook_id}/deliveries?order=desc"), Some(token)).await;
        assert_eq!(log.status, 200, "{}", log.text);
        if done(&log.body) {
            return log.body;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the delivery log never reached the expected state");
}

pub(crate) fn verify_signature(received: &Received) {
    let (t, v1) = received.signature.split_once(",v1=").expect("t=…,v1=…");
    let t = t.strip_prefix("t=").expect("t=");
    let now = jiuzhu_core::Clock::now(&jiuzhu_core::SystemClock).timestamp();
    assert!((now - t.parse::<i64>().unwrap()).abs() < 60, "the timestamp is current");
    assert_eq!(v1, hmac_sha256_hex(SECRET.as_bytes(), format!("{t}.{}", received.body).as_bytes()), "the signature verifies");
}

#[actix_web::test]
async fn a_receiver_failing_three_times_gets_the_signed_event_on_the_fourth_attempt_in_subject_order() {
    let app = fast_retrying_app().await;
    let admin = app.admin_token().await;
    let receiver = start_receiver(3);
    let hook = register(&app, &admin, &receiver.url, json!(["user.created", "user.updated"])).await;
    let hook_id = hook["id"].as_str().unwrap();
    // A department subscribing to everything may not receive staff events.
    let department = app.department_token(&admin, "education").await;
    let department_receiver = start_receiver(0);
    let department_hook = register(&app, &department, &department_receiver.url, json!([])).await;

    let user = app.add_user(&admin, "wang.li", "county_officer", "640202", json!({})).await;
    let user_id = user["id"].as_str().unwrap();
    let patched = app.patch_json(&format!("/api/v1/users/{user_id}"), &admin, &json!({"display_name": "王丽"}), Some("\"1\"")).await;
    assert_eq!(patched.status, 200, "{}", patched.text);

    let log = wait_for_log(&app, &admin, hook_id, |log| {
        let items = log["items"].as_array().unwrap();
        items.len() == 2 && items.iter().all(|d| d["status"] == "succeeded")
    })
    .await;
    // Newest first: the update, then the creation with its four attempts.
    let created = &log["items"][1];
    assert_eq!(created["event_type"], "user.created");
    assert_eq!(created["attempts"], 4);
    let statuses: Vec<i64> = created["attempt_log"].as_array().unwrap().iter().map(|a| a["status_code"].as_i64().unwrap()).collect();
    assert_eq!(statuses, [500, 500, 500, 200]);
    assert_eq!(created["attempt_log"][0]["error"], "the receiver answered 500");
    assert!(created["delivered_at"].is_string() && created["next_attempt_at"].is_null());
    assert_eq!(log["items"][0]["event_type"], "user.updated");
    assert_eq!(log["items"][0]["attempts"], 1);

    let seen = receiver.seen.lock().unwrap().clone();
    let types: Vec<&str> = seen.iter().map(|r| r.event_type.as_str()).collect();
    assert_eq!(
        types,
        ["user.created", "user.created", "user.created", "user.created", "user.updated"],
        "the update waits for the creation"
    );
    for received in &seen {
        verify_signature(received);
        let body: Value = serde_json::from_str(&received.body).unwrap();
        assert_eq!(body["id"], received.event_id.as_str(), "X-Jiuzhu-Event-Id names the event in the body");
        assert_eq!(body["subject_id"], user_id);
    }
    assert!(seen[..4].iter().all(|r| r.event_id == seen[0].event_id), "every attempt carries the same event id");
    assert_eq!(seen[0].event_id, created["event_id"].as_str().unwrap());

    let department_log =
        app.get(&format!("/api/v1/webhooks/{}/deliveries", department_hook["id"].as_str().unwrap()), Some(&department)).await;
    assert_eq!(department_log.body["items"], json!([]), "a department is not pushed staff events it could not read");
    assert!(department_receiver.seen.lock().unwrap().is_empty());
}

#[actix_web::test]
async fn an_unreachable_receiver_fails_after_the_limit_and_can_be_redelivered_by_hand() {
    let app = fast_retrying_app().await;
    let admin = app.admin_token().await;
    let dead_url = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", listener.local_addr().unwrap())
    };
    let hook = register(&app, &admin, &dead_url, json!([])).await;
    let hook_id = hook["id"].as_str().unwrap();
    let test = app.post_json(&format!("/api/v1/webhooks/{hook_id}/test"), Some(&admin), &json!({})).await;
    assert_eq!(test.status, 202, "{}", test.text);
    assert_eq!(test.body["event_type"], "webhook.test");
    let delivery_id = test.body["id"].as_str().unwrap().to_string();

    let log = wait_for_log(&app, &admin, hook_id, |log| log["items"][0]["status"] == "failed").await;
    let failed = &log["items"][0];
    assert_eq!(failed["attempts"], 4);
    assert!(failed["attempt_log"].as_array().unwrap().iter().all(|a| a["status_code"].is_null() && a["error"].is_string()));
    assert!(failed["next_attempt_at"].is_null());

    let retry_path = format!("/api/v1/webhooks/{hook_id}/deliveries/{delivery_id}/retry");
    let retried = app.post_json(&retry_path, Some(&admin), &json!({})).await;
    assert_eq!(retried.status, 202, "{}", retried.text);
    assert_eq!(retried.body["status"], "pending");
    assert_eq!(retried.body["attempt_limit"], 8);
    app.post_json(&retry_path, Some(&admin), &json!({})).await.assert_problem(409, "delivery_pending");

    // The worker takes it up again with the new attempts.
    let log = wait_for_log(&app, &admin, hook_id, |log| log["items"][0]["attempts"].as_i64() > Some(4)).await;
    assert!(log["items"][0]["attempts"].as_i64().unwrap() > 4);
    let audit = app.get("/api/v1/audit-events?action=webhook.delivery_retried", Some(&admin)).await;
    assert_eq!(audit.status, 200, "{}", audit.text);
}

#[actix_web::test]
async fn webhook_management_checks_input_ownership_permission_and_version() {
    let app = fast_retrying_app().await;
    let admin = app.admin_token().await;
    let bad = app.post_json("/api/v1/webhooks", Some(&admin), &json!({"url": "ftp://x/y", "secret": SECRET})).await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.body["errors"][0]["field"], "url");
    let short = app.post_json("/api/v1/webhooks", Some(&admin), &json!({"url": "https://a.example/h", "secret": "short"})).await;
    short.assert_problem(422, "validation_failed");
    assert_eq!(short.body["errors"][0]["field"], "secret");
    let types = app
        .post_json("/api/v1/webhooks", Some(&admin), &json!({"url": "https://a.example/h", "secret": SECRET, "event_types": ["Users"]}))
        .await;
    assert_eq!(types.body["errors"][0]["field"], "event_types[0]", "{}", types.text);

    let hook = register(&app, &admin, "https://a.example/h", json!(["user.created", "user.created"])).await;
    assert_eq!(hook["event_types"], json!(["user.created"]), "duplicates collapse");
    let id = hook["id"].as_str().unwrap();

    // Another subscriber cannot see or remove it; an auditor may not manage webhooks.
    let department = app.department_token(&admin, "education").await;
    app.get(&format!("/api/v1/webhooks/{id}"), Some(&department)).await.assert_problem(404, "not_found");
    assert_eq!(app.get("/api/v1/webhooks", Some(&department)).await.body["items"], json!([]));
    app.add_user(&admin, "audit.zhao", "auditor", "640200", json!({})).await;
    let auditor = app.login("audit.zhao", "password-1234").await;
    app.get("/api/v1/webhooks", Some(&auditor)).await.assert_problem(403, "forbidden");

    let delete = |version: Option<&'static str>| {
        let mut request = app.request(awc::http::Method::DELETE, &format!("/api/v1/webhooks/{id}")).bearer_auth(&admin);
        if let Some(version) = version {
            request = request.insert_header(("If-Match", version));
        }
        request
    };
    app.send(delete(None), None).await.assert_problem(428, "if_match_required");
    app.send(delete(Some("\"7\"")), None).await.assert_problem(412, "version_stale");
    assert_eq!(app.send(delete(Some("\"1\"")), None).await.status, 204);
    app.get(&format!("/api/v1/webhooks/{id}"), Some(&admin)).await.assert_problem(404, "not_found");
    let audit = app.get("/api/v1/audit-events?action=webhook.deleted", Some(&admin)).await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1, "{}", audit.text);
}

#[actix_web::test]
async fn https_receivers_are_reached_over_tls_and_never_in_clear_text() {
    let app = fast_retrying_app().await;
    let admin = app.admin_token().await;
    // A plain-HTTP receiver behind an https:// URL: the TLS handshake must fail,
    // so not a byte of the event reaches its handler.
    let receiver = start_receiver(0);
    let url = receiver.url.replace("http://", "https://");
    let hook = register(&app, &admin, &url, json!([])).await;
    let hook_id = hook["id"].as_str().unwrap();
    let test = app.post_json(&format!("/api/v1/webhooks/{hook_id}/test"), Some(&admin), &json!({})).await;
    assert_eq!(test.status, 202, "{}", test.text);
    let log = wait_for_log(&app, &admin, hook_id, |log| log["items"][0]["attempts"].as_i64() >= Some(1)).await;
    let attempt = &log["items"][0]["attempt_log"][0];
    assert!(attempt["status_code"].is_null(), "{attempt}");
    let error = attempt["error"].as_str().unwrap();
    assert_eq!(error, "TLS failure", "https is supported, and the socket's own error is not echoed");
    assert!(receiver.seen.lock().unwrap().is_empty(), "nothing was sent in clear text");
}

#[actix_web::test]
async fn webhooks_reach_only_public_targets_unless_the_operator_allows_a_network() {
    let app = spawn_app_with(|config| config.webhook_allowed_networks.clear()).await;
    let admin = app.admin_token().await;
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:8080/hook",
        "http://127.1/hook",
        "http://2130706433/hook",
        "http://0x7f000001/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[::1]:9000/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.1/hook",
        "http://localhost:9000/hook",
        "http://api.localhost/hook",
    ] {
        let refused = app.post_json("/api/v1/webhooks", Some(&admin), &json!({"url": url, "secret": SECRET})).await;
        refused.assert_problem(422, "validation_failed");
        assert_eq!(refused.body["errors"][0]["code"], "url_not_public", "{url}: {}", refused.text);
    }
    // A webhook whose URL points inside (stored before the rule, or under
    // another node's configuration) is judged again when it is sent.
    let receiver = start_receiver(0);
    let hook = app.post_json("/api/v1/webhooks", Some(&admin), &json!({"url": "https://hooks.example.com/x", "secret": SECRET})).await;
    assert_eq!(hook.status, 201, "{}", hook.text);
    let hook_id = hook.body["id"].as_str().unwrap();
    use jiuzhu_platform::entity::webhook;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let id: uuid::Uuid = hook_id.parse().unwrap();
    webhook::Entity::update_many()
        .col_expr(webhook::Column::Url, Expr::value(receiver.url.clone()))
        .filter(webhook::Column::Id.eq(id))
        .exec(app.db.conn())
        .await
        .unwrap();
    let test = app.post_json(&format!("/api/v1/webhooks/{hook_id}/test"), Some(&admin), &json!({})).await;
    assert_eq!(test.status, 202, "{}", test.text);
    let log = wait_for_log(&app, &admin, hook_id, |log| log["items"][0]["attempts"].as_i64() >= Some(1)).await;
    assert_eq!(log["items"][0]["attempt_log"][0]["error"], "target not allowed", "{log}");
    assert!(receiver.seen.lock().unwrap().is_empty(), "nothing reached the loopback receiver");
}

/// A subscription acts with its owner's account as it is now: once the
/// owner is deactivated nothing more is queued or sent.
#[actix_web::test]
async fn a_deactivated_owners_webhooks_stop() {
    use jiuzhu_platform::entity::webhook_delivery;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let app = fast_retrying_app().await;
    let admin = app.admin_token().await;
    let client = json!({"name": "交换作业", "role": "data_exchange", "region_code": "640200"});
    let (created, exchange) = app.client_token(&admin, &client).await;
    let receiver = start_receiver(0);
    let hook = register(&app, &exchange, &receiver.url, json!(["user.created"])).await;
    let hook_id: uuid::Uuid = hook["id"].as_str().unwrap().parse().unwrap();
    app.add_user(&admin, "before.stop", "village_worker", "640202", json!({})).await;
    wait_for_log(&app, &exchange, &hook_id.to_string(), |log| log["items"].as_array().unwrap().len() == 1).await;
    let client_id = created["client"]["id"].as_str().unwrap();
    let done =
        app.post_json_with(&format!("/api/v1/clients/{client_id}/deactivate"), Some(&admin), &json!({}), &[("If-Match", "\"1\"")]).await;
    assert_eq!(done.status, 200, "{}", done.text);
    app.add_user(&admin, "after.stop", "village_worker", "640202", json!({})).await;
    actix_web::rt::time::sleep(Duration::from_millis(800)).await;
    let queued =
        webhook_delivery::Entity::find().filter(webhook_delivery::Column::WebhookId.eq(hook_id)).count(app.db.conn()).await.unwrap();
    assert_eq!(queued, 1, "nothing is queued for a deactivated owner");
    assert_eq!(receiver.seen.lock().unwrap().len(), 1);
}

/// Stored JSON that no longer parses is an error the operator sees, never a
/// silent default: a subscription whose event types were corrupted does
/// not read as subscribed to nothing.
#[actix_web::test]
async fn a_webhook_with_corrupt_stored_event_types_is_an_error_not_an_empty_list() {
    use jiuzhu_platform::entity::webhook;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let app = jiuzhu_tests::spawn_app().await;
    let admin = app.admin_token().await;
    let hook = register(&app, &admin, "https://hooks.example.com/corrupt", json!(["user.created"])).await;
    let id: uuid::Uuid = hook["id"].as_str().unwrap().parse().unwrap();
    let read = app.get(&format!("/api/v1/webhooks/{id}"), Some(&admin)).await;
    assert_eq!((read.status, read.body["event_types"].clone()), (200, json!(["user.created"])), "{}", read.text);
    webhook::Entity::update_many()
        .col_expr(webhook::Column::EventTypes, Expr::value("[\"user.created\""))
        .filter(webhook::Column::Id.eq(id))
        .exec(app.db.conn())
        .await
        .unwrap();
    let corrupt = app.get(&format!("/api/v1/webhooks/{id}"), Some(&admin)).await;
    assert_eq!((corrupt.status, corrupt.body["code"].as_str()), (500, Some("internal_error")), "{}", corrupt.text);
    assert!(!corrupt.text.contains("webhooks.event_types"), "the cause goes to the log, not the client: {}", corrupt.text);
}
