//! Identity and access: token rejection, grants, lock-out, permissions,
//! region isolation, masking, audit, idempotency, concurrency and limits.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiuzhu_tests::{JWT_SECRET, TestApp, logs, spawn_app, spawn_app_with};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn claims(overrides: Value) -> Value {
    let now = unix_now();
    let base = json!({"sub": "someone", "role": "city_admin", "region_code": "640200", "iss": "jiuzhu", "aud": "jiuzhu-api",
        "exp": now + 600, "nbf": now - 10, "iat": now - 10, "jti": "t1"});
    with(base, overrides)
}

fn sign(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret.as_bytes()).unwrap()).unwrap()
}

/// The administrator's claims, so that a token signed with them names a real account.
async fn admin_claims(app: &TestApp) -> Value {
    let me = app.get("/api/v1/me", Some(&app.admin_token().await)).await;
    claims(json!({"sub": me.body["subject"], "sst": 0}))
}

/// `base` with each member of `overrides` set, or removed when it is null.
fn with(mut base: Value, overrides: Value) -> Value {
    for (k, v) in overrides.as_object().unwrap() {
        if v.is_null() {
            base.as_object_mut().unwrap().remove(k);
        } else {
            base[k] = v.clone();
        }
    }
    base
}

#[actix_web::test]
async fn forged_expired_and_malformed_tokens_are_401() {
    let app = spawn_app().await;
    let admin = admin_claims(&app).await;
    let claims = |overrides: Value| with(admin.clone(), overrides);
    let good = sign(&claims(json!({})), JWT_SECRET);
    assert_eq!(app.get("/api/v1/me", Some(&good)).await.status, 200, "the control token works");
    let now = unix_now();
    let alg_none =
        format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#), URL_SAFE_NO_PAD.encode(claims(json!({})).to_string()));
    let cases = [
        ("expired", sign(&claims(json!({"exp": now - 3600})), JWT_SECRET)),
        ("another key", sign(&claims(json!({})), "another-secret-that-is-long-enough-000000")),
        ("alg none", alg_none),
        ("wrong aud", sign(&claims(json!({"aud": "someone-else"})), JWT_SECRET)),
        ("wrong iss", sign(&claims(json!({"iss": "evil"})), JWT_SECRET)),
        ("missing exp", sign(&claims(json!({"exp": null})), JWT_SECRET)),
        ("string exp", sign(&claims(json!({"exp": (now + 600).to_string()})), JWT_SECRET)),
        ("missing sub", sign(&claims(json!({"sub": null})), JWT_SECRET)),
        ("not yet valid", sign(&claims(json!({"nbf": now + 3600})), JWT_SECRET)),
        ("unknown role", sign(&claims(json!({"role": "root"})), JWT_SECRET)),
        ("no security stamp", sign(&claims(json!({"sst": null})), JWT_SECRET)),
        ("an older security stamp", sign(&claims(json!({"sst": -1})), JWT_SECRET)),
        ("no such account", sign(&claims(json!({"sub": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11"})), JWT_SECRET)),
        ("a subject that is no id", sign(&claims(json!({"sub": "someone"})), JWT_SECRET)),
    ];
    for (name, token) in cases {
        let reply = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!(reply.status, 401, "{name}: {}", reply.text);
        reply.assert_problem(401, "unauthenticated");
    }
}

#[actix_web::test]
async fn me_lists_the_roles_permissions_and_roles_shows_the_table() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let me = app.get("/api/v1/me", Some(&admin)).await;
    assert!(me.body["permissions"].as_array().unwrap().iter().any(|p| p == "audit:read"));
    let roles = app.get("/api/v1/roles", Some(&admin)).await;
    assert!(roles.body["next_cursor"].is_null(), "one page, in the list envelope: {}", roles.text);
    let worker = roles.body["items"].as_array().unwrap().iter().find(|r| r["role"] == "village_worker").unwrap();
    assert!(!worker["permissions"].as_array().unwrap().iter().any(|p| p == "user:write"));
    let enums = app.get("/api/v1/enums", None).await;
    assert_eq!(enums.body["role"].as_array().unwrap().len(), 11);
    assert_eq!(enums.body["region_level"][2]["zh"], "县区");
    let departments = app.get("/api/v1/departments", Some(&admin)).await;
    assert!(departments.body["items"].as_array().unwrap().iter().any(|d| d["code"] == "disabled_persons_federation"));
    let counties = app.get("/api/v1/regions?parent=640200", Some(&admin)).await;
    let codes: Vec<&str> = counties.body["items"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["640202", "640205", "640221"]);
    let first = app.get("/api/v1/regions?parent=640200&limit=2", Some(&admin)).await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let rest = app.get(&format!("/api/v1/regions?parent=640200&limit=2&cursor={cursor}"), Some(&admin)).await;
    assert_eq!(rest.body["items"][0]["code"], "640221", "paged by code: {}", rest.text);
    app.get("/api/v1/regions/640299", Some(&admin)).await.assert_problem(404, "not_found");
    let county = app.get("/api/v1/regions/640202", Some(&admin)).await;
    assert_eq!(
        county.header("etag"),
        Some(format!("\"{}\"", county.body["version"]).as_str()),
        "its update needs If-Match: {}",
        county.text
    );
}

#[actix_web::test]
async fn client_credentials_grant_works_until_the_client_is_deactivated() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let created = app
        .post_json(
            "/api/v1/clients",
            Some(&admin),
            &json!({"name": "教育局", "role": "department", "department": "education", "region_code": "640200"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let client_id = created.body["client"]["client_id"].as_str().unwrap().to_string();
    let secret = created.body["client_secret"].as_str().unwrap().to_string();
    let grant = json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret});
    let token = app.post_json("/api/v1/auth/token", None, &grant).await;
    assert_eq!(token.status, 200, "{}", token.text);
    let me = app.get("/api/v1/me", Some(token.body["access_token"].as_str().unwrap())).await;
    assert_eq!((me.body["role"].as_str(), me.body["department"].as_str()), (Some("department"), Some("education")));
    let listed = app.get(&format!("/api/v1/clients/{}", created.body["client"]["id"].as_str().unwrap()), Some(&admin)).await;
    assert!(listed.body.get("client_secret").is_none() && !listed.text.contains(&secret), "the secret is shown once");
    let wrong = app
        .post_json(
            "/api/v1/auth/token",
            None,
            &json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": "nope"}),
        )
        .await;
    wrong.assert_problem(401, "unauthenticated");
    let id = created.body["client"]["id"].as_str().unwrap();
    let off = app.post_json_with(&format!("/api/v1/clients/{id}/deactivate"), Some(&admin), &json!({}), &[("If-Match", "\"1\"")]).await;
    assert_eq!(off.status, 200, "{}", off.text);
    app.post_json("/api/v1/auth/token", None, &grant).await.assert_problem(401, "unauthenticated");
    let missing = app.post_json("/api/v1/auth/token", None, &json!({"grant_type": "client_credentials", "client_id": client_id})).await;
    missing.assert_problem(422, "validation_failed");
    assert_eq!(missing.body["errors"][0]["field"], "client_secret");
}

#[actix_web::test]
async fn five_failed_logins_lock_the_username_with_retry_after() {
    let app = spawn_app().await;
    let wrong = json!({"grant_type": "password", "username": "admin", "password": "wrong-password"});
    for _ in 0..5 {
        app.post_json("/api/v1/auth/token", None, &wrong).await.assert_problem(401, "unauthenticated");
    }
    let right = json!({"grant_type": "password", "username": "admin", "password": app.admin_password});
    let locked = app.post_json("/api/v1/auth/token", None, &right).await;
    locked.assert_problem(429, "rate_limited");
    let wait: u64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!((850..=900).contains(&wait), "about 15 minutes, got {wait}");

    // The lock holds for the failing source only: the administrator logs in from another address.
    let elsewhere = awc::Client::builder().connector(awc::Connector::new().local_address("127.0.0.2".parse().unwrap())).finish();
    let mut answer = elsewhere.post(app.url("/api/v1/auth/token")).send_json(&right).await.unwrap();
    assert_eq!(answer.status(), 200, "{:?}", answer.body().await);
    // The operator lifts the lock.
    assert_eq!(jiuzhu_api::cli::unlock(&app.db, &jiuzhu_core::RegionCode::default_root(), "admin").await.unwrap(), 5);
    assert_eq!(app.post_json("/api/v1/auth/token", None, &right).await.status, 200);
}

/// The lock-out's figures are settings: two failures within a minute lock
/// the account for an hour.
#[actix_web::test]
async fn the_lock_out_follows_its_settings() {
    let app = spawn_app_with(|c| {
        c.login_max_failures = 2;
        c.login_window_minutes = 1;
        c.login_lock_minutes = 60;
    })
    .await;
    let wrong = json!({"grant_type": "password", "username": "admin", "password": "wrong-password"});
    for _ in 0..2 {
        app.post_json("/api/v1/auth/token", None, &wrong).await.assert_problem(401, "unauthenticated");
    }
    let right = json!({"grant_type": "password", "username": "admin", "password": app.admin_password});
    let locked = app.post_json("/api/v1/auth/token", None, &right).await;
    locked.assert_problem(429, "rate_limited");
    let wait: u64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!((3550..=3600).contains(&wait), "about an hour, got {wait}");
}

#[actix_web::test]
async fn failed_client_credentials_lock_the_client_id() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let created =
        app.post_json("/api/v1/clients", Some(&admin), &json!({"name": "交换", "role": "data_exchange", "region_code": "640200"})).await;
    let client_id = created.body["client"]["client_id"].clone();
    for _ in 0..5 {
        let wrong = json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": "not-the-secret"});
        app.post_json("/api/v1/auth/token", None, &wrong).await.assert_problem(401, "unauthenticated");
    }
    let right = json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": created.body["client_secret"]});
    app.post_json("/api/v1/auth/token", None, &right).await.assert_problem(429, "rate_limited");
}

#[actix_web::test]
async fn village_workers_cannot_create_users_and_the_denial_is_audited() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.add_region(&admin, "640202001", "示范街道").await;
    app.add_region(&admin, "640202001001", "示范社区").await;
    let worker = app.add_user(&admin, "worker.a", "village_worker", "640202001001", json!({})).await;
    let token = app.login("worker.a", "password-1234").await;
    for _ in 0..20 {
        let reply = app.post_json("/api/v1/users", Some(&token), &json!({"username": "x.y", "display_name": "x", "role": "village_worker", "region_code": "640202001001", "password": "password-1234"})).await;
        reply.assert_problem(403, "forbidden");
    }
    app.get("/api/v1/audit-events", Some(&token)).await.assert_problem(403, "forbidden");
    let audit =
        app.get(&format!("/api/v1/audit-events?action=permission.denied&actor={}", worker["id"].as_str().unwrap()), Some(&admin)).await;
    let rows = audit.body["items"].as_array().unwrap();
    let permissions: Vec<&str> = rows.iter().map(|r| r["entity_id"].as_str().unwrap()).collect();
    assert_eq!(permissions.len(), 2, "twenty denials of user:write within a minute are one row, audit:read another: {}", audit.text);
    assert!(permissions.contains(&"user:write") && permissions.contains(&"audit:read"));
    assert!(rows.iter().all(|r| r["outcome"] == "denied"));
}

#[actix_web::test]
async fn grants_follow_rank_and_region() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.add_region(&admin, "640205100", "红果子镇").await;
    app.add_user(&admin, "county.dwk", "county_officer", "640202", json!({})).await;
    let county = app.login("county.dwk", "password-1234").await;
    let peer = app.post_json("/api/v1/users", Some(&county), &json!({"username": "peer", "display_name": "p", "role": "county_officer", "region_code": "640202", "password": "password-1234"})).await;
    peer.assert_problem(422, "validation_failed");
    assert_eq!(peer.body["errors"][0]["code"], "role_above_grantor");
    let elsewhere = app.post_json("/api/v1/users", Some(&county), &json!({"username": "far", "display_name": "f", "role": "township_officer", "region_code": "640205100", "password": "password-1234"})).await;
    assert_eq!(elsewhere.body["errors"][0]["code"], "region_outside_scope", "{}", elsewhere.text);
    let unknown = app
        .post_json(
            "/api/v1/users",
            Some(&admin),
            &json!({"username": "ghost", "display_name": "g", "role": "auditor", "region_code": "640202999", "password": "password-1234"}),
        )
        .await;
    assert_eq!(unknown.body["errors"][0]["code"], "region_unknown");
    let dup = app.post_json("/api/v1/users", Some(&admin), &json!({"username": "county.dwk", "display_name": "d", "role": "auditor", "region_code": "640200", "password": "password-1234"})).await;
    dup.assert_problem(409, "username_taken");
    assert!(dup.body["existing_id"].is_string());
}

/// Two townships under one county, each with a village and a worker.
async fn two_townships(app: &TestApp) -> (String, String, Value, Value) {
    let admin = app.admin_token().await;
    for (code, name) in [("640202001", "甲街道"), ("640202002", "乙街道"), ("640202001001", "甲社区"), ("640202002001", "乙社区")]
    {
        app.add_region(&admin, code, name).await;
    }
    app.add_user(&admin, "officer.a", "township_officer", "640202001", json!({})).await;
    app.add_user(&admin, "officer.b", "township_officer", "640202002", json!({})).await;
    let worker_a = app.add_user(&admin, "worker.a", "village_worker", "640202001001", json!({"phone": "13912345678"})).await;
    let worker_b = app.add_user(&admin, "worker.b", "village_worker", "640202002001", json!({"phone": "13887654321"})).await;
    (app.login("officer.a", "password-1234").await, app.login("officer.b", "password-1234").await, worker_a, worker_b)
}

#[actix_web::test]
async fn township_officers_cannot_see_each_others_records() {
    let app = spawn_app().await;
    let (a, b, worker_a, worker_b) = two_townships(&app).await;
    let id_a = worker_a["id"].as_str().unwrap();
    let id_b = worker_b["id"].as_str().unwrap();
    assert_eq!(app.get(&format!("/api/v1/users/{id_a}"), Some(&a)).await.status, 200);
    app.get(&format!("/api/v1/users/{id_b}"), Some(&a)).await.assert_problem(404, "not_found");
    app.get(&format!("/api/v1/users/{id_a}"), Some(&b)).await.assert_problem(404, "not_found");
    let missing = app.get(&format!("/api/v1/users/{}", uuid::Uuid::now_v7()), Some(&a)).await;
    assert_eq!(
        missing.body["detail"],
        app.get(&format!("/api/v1/users/{id_b}"), Some(&a)).await.body["detail"],
        "out of scope looks missing"
    );
    let list = app.get("/api/v1/users?limit=500", Some(&a)).await;
    let names: Vec<&str> = list.body["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"officer.a") && names.contains(&"worker.a"));
    let filtered = app.get("/api/v1/users?region_code=640202002", Some(&a)).await;
    assert!(filtered.body["items"].as_array().unwrap().is_empty(), "a filter cannot widen the scope");
    assert_eq!(app.get("/api/v1/users/count", Some(&a)).await.body["count"], 2);
    assert_eq!(app.get("/api/v1/users/count", Some(&app.admin_token().await)).await.body["count"], 5);
    let events = app.get("/api/v1/events?type=user.created", Some(&a)).await;
    let subjects: Vec<&str> = events.body["items"].as_array().unwrap().iter().map(|e| e["subject_id"].as_str().unwrap()).collect();
    assert!(subjects.contains(&id_a) && !subjects.contains(&id_b), "{subjects:?}");
    let events_b = app.get("/api/v1/events", Some(&b)).await;
    assert!(events_b.body["items"].as_array().unwrap().iter().all(|e| e["region_code"].as_str().unwrap().starts_with("640202002")));
}

#[actix_web::test]
async fn phones_are_masked_unless_revealed_with_permission_and_reveals_are_audited() {
    let app = spawn_app().await;
    let (a, _, worker_a, _) = two_townships(&app).await;
    let id = worker_a["id"].as_str().unwrap();
    assert_eq!(worker_a["phone"], "139****5678", "the create response is masked");
    let masked = app.get(&format!("/api/v1/users/{id}"), Some(&a)).await;
    assert_eq!(masked.body["phone"], "139****5678");
    let revealed = app.get(&format!("/api/v1/users/{id}?reveal=pii"), Some(&a)).await;
    assert_eq!(revealed.body["phone"], "13912345678");
    let admin = app.admin_token().await;
    app.add_user(&admin, "auditor.x", "auditor", "640200", json!({})).await;
    let auditor = app.login("auditor.x", "password-1234").await;
    assert_eq!(app.get(&format!("/api/v1/users/{id}"), Some(&auditor)).await.body["phone"], "139****5678");
    app.get(&format!("/api/v1/users/{id}?reveal=pii"), Some(&auditor)).await.assert_problem(403, "forbidden");
    let audit = app.get(&format!("/api/v1/audit-events?action=pii.revealed&entity_id={id}"), Some(&auditor)).await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1, "{}", audit.text);
    let list = app.get("/api/v1/users", Some(&a)).await;
    assert!(!list.text.contains("13912345678"), "lists never reveal");
    let logged = logs::captured();
    assert!(!logged.contains("13912345678") && !logged.contains("13887654321"), "a phone number reached the log");
}

#[actix_web::test]
async fn the_audit_chain_verifies_and_detects_tampering() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.add_user(&admin, "someone", "auditor", "640200", json!({})).await;
    let report = app.get("/api/v1/audit-events/verify", Some(&admin)).await;
    assert_eq!(report.body["valid"], true, "{}", report.text);
    assert_eq!(report.body["checked"], 2, "the admin's login and the creation");
    let actions: Vec<String> = app.get("/api/v1/audit-events", Some(&admin)).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    assert!(actions.contains(&"login.succeeded".to_string()) && actions.contains(&"user.created".to_string()), "{actions:?}");
    app.db.conn().execute_unprepared("UPDATE audit_events SET outcome = 'failure' WHERE seq = 2").await.unwrap();
    let broken = app.get("/api/v1/audit-events/verify", Some(&admin)).await;
    assert_eq!(broken.body["valid"], false);
    assert_eq!(broken.body["broken_at_seq"], 2);
}

/// Relinks the whole chain with plain SHA-256, as someone without the key
/// would, first marking row `tamper` (if any) as failed; returns the last hash.
async fn rechain_plain(app: &TestApp, tamper: Option<i64>) -> String {
    use jiuzhu_platform::entity::audit_event;
    use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set};
    jiuzhu_platform::relay::drain(&app.db).await.unwrap();
    let rows = audit_event::Entity::find().order_by_asc(audit_event::Column::Seq).all(app.db.conn()).await.unwrap();
    let mut prev = jiuzhu_platform::audit::GENESIS_HASH.to_string();
    for mut row in rows {
        if Some(row.seq) == tamper {
            row.outcome = "failure".into();
        }
        let hash = jiuzhu_platform::audit::plain_link(&prev, &row);
        let outcome = row.outcome.clone();
        let mut model: audit_event::ActiveModel = row.into();
        model.outcome = Set(outcome);
        model.prev_hash = Set(prev.clone());
        model.hash = Set(hash.clone());
        model.update(app.db.conn()).await.unwrap();
        prev = hash;
    }
    prev
}

/// A chain from before keys (plain SHA-256) is verified and re-linked under
/// the key once, at start.
#[actix_web::test]
async fn a_plain_chain_is_re_keyed_once_it_verifies() {
    use jiuzhu_platform::entity::audit_chain_head;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.add_user(&admin, "plain.one", "auditor", "640200", json!({})).await;
    let last = rechain_plain(&app, None).await;
    let head = audit_chain_head::Entity::find_by_id(1).one(app.db.conn()).await.unwrap().unwrap();
    let mut head: audit_chain_head::ActiveModel = head.into();
    head.hash = Set(last);
    head.scheme = Set(jiuzhu_platform::audit::PLAIN.into());
    head.update(app.db.conn()).await.unwrap();
    let plain = app.get("/api/v1/audit-events/verify", Some(&admin)).await;
    assert_eq!(
        (plain.body["valid"].as_bool(), plain.body["problem"].as_str()),
        (Some(false), Some("the chain is not keyed")),
        "{}",
        plain.text
    );
    jiuzhu_platform::audit::adopt_key(&app.db).await.unwrap();
    let keyed = app.get("/api/v1/audit-events/verify", Some(&admin)).await;
    assert_eq!(keyed.body["valid"], true, "{}", keyed.text);
}

/// Someone who can write the database can neither truncate the chain (a
/// signed checkpoint outside it still names the removed rows) nor rewrite it
/// (the links are keyed, and plain SHA-256 does not make them).
#[actix_web::test]
async fn the_audit_chain_resists_whoever_can_write_the_database() {
    use jiuzhu_platform::entity::{audit_chain_head, audit_event};
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for n in 0..5 {
        app.add_user(&admin, &format!("chain.{n}"), "auditor", "640200", json!({})).await;
    }
    let verify = || app.get("/api/v1/audit-events/verify", Some(&admin));
    let clock = jiuzhu_core::SystemClock;
    let file = app.audit_checkpoint_file.clone();
    let written = jiuzhu_api::audit_trail::write_checkpoint(&app.db, &clock, &file, None).await.unwrap().expect("a checkpoint");
    let report = verify().await;
    assert_eq!((report.body["valid"].as_bool(), report.body["checkpoints_checked"].as_u64()), (Some(true), Some(1)), "{}", report.text);

    // Truncation: drop the newest rows and point the head at the new last row.
    let keep = written.seq - 3;
    let last_kept = audit_event::Entity::find().filter(audit_event::Column::Seq.eq(keep)).one(app.db.conn()).await.unwrap().unwrap();
    audit_event::Entity::delete_many().filter(audit_event::Column::Seq.gt(keep)).exec(app.db.conn()).await.unwrap();
    let head = audit_chain_head::Entity::find_by_id(1).one(app.db.conn()).await.unwrap().unwrap();
    let mut head: audit_chain_head::ActiveModel = head.into();
    head.seq = Set(keep);
    head.hash = Set(last_kept.hash.clone());
    head.update(app.db.conn()).await.unwrap();
    let truncated = verify().await;
    assert_eq!(truncated.body["valid"], false, "{}", truncated.text);
    assert!(truncated.body["problem"].as_str().unwrap().contains("removed"), "{}", truncated.text);

    // Rewriting: change a row and recompute every later link with plain SHA-256.
    rechain_plain(&app, Some(2)).await;
    std::fs::remove_file(&file).ok();
    let rewritten = verify().await;
    assert_eq!((rewritten.body["valid"].as_bool(), rewritten.body["broken_at_seq"].as_i64()), (Some(false), Some(1)), "{}", rewritten.text);
}

/// Twenty concurrent registrations of one ID number without a key: one
/// record, every other answer a 409, none a 500 (on PostgreSQL the losers
/// meet the unique index, which is a conflict, not a bug).
#[actix_web::test]
async fn twenty_concurrent_creates_of_one_person_make_one_record_and_no_500() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.add_region(&admin, "640202001", "示范街道").await;
    let body = json!({"name": "张秀兰", "id_number": jiuzhu_tests::id_born("1949-12-31", 7), "region_code": "640202001", "address": "示范社区",
        "categories": [{"category": "extreme_poverty", "support_mode": "dispersed", "valid_from": "2024-01-01"}], "groups": []});
    let replies = futures_util::future::join_all((0..20).map(|_| app.post_json("/api/v1/beneficiaries", Some(&admin), &body))).await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    for reply in replies.iter().filter(|r| r.status != 201) {
        assert_eq!(reply.status, 409, "{}", reply.text);
        assert!(["id_number_registered", "already_exists"].contains(&reply.body["code"].as_str().unwrap()), "{}", reply.text);
    }
}

#[actix_web::test]
async fn twenty_concurrent_posts_with_one_key_create_one_record() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let body =
        json!({"username": "once.only", "display_name": "一次", "role": "auditor", "region_code": "640200", "password": "password-1234"});
    let headers = [("Idempotency-Key", "create-once-only")];
    let replies = futures_util::future::join_all((0..20).map(|_| app.post_json_with("/api/v1/users", Some(&admin), &body, &headers))).await;
    let created: Vec<_> = replies.iter().filter(|r| r.status == 201).collect();
    assert!(!created.is_empty());
    for reply in &replies {
        assert!(reply.status == 201 || reply.status == 409, "{} {}", reply.status, reply.text);
        if reply.status == 409 {
            assert_eq!(reply.body["code"], "idempotency_key_in_flight");
        }
    }
    let ids: std::collections::HashSet<&str> = created.iter().map(|r| r.body["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 1, "every 201 is the same record");
    assert_eq!(app.get("/api/v1/users/count?username=once.only", Some(&admin)).await.body["count"], 1);
    let replay = app.post_json_with("/api/v1/users", Some(&admin), &body, &headers).await;
    assert_eq!(replay.status, 201);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.body["id"], created[0].body["id"]);
    assert_eq!(replay.header("location"), created[0].header("location"));
    let mut other = body.clone();
    other["display_name"] = json!("另一个");
    app.post_json_with("/api/v1/users", Some(&admin), &other, &headers).await.assert_problem(422, "idempotency_key_reused");
}

#[actix_web::test]
async fn updates_need_a_current_if_match() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let user = app.add_user(&admin, "patch.me", "auditor", "640200", json!({})).await;
    let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
    app.patch_json(&path, &admin, &json!({"display_name": "新名字"}), None).await.assert_problem(428, "if_match_required");
    app.patch_json(&path, &admin, &json!({"display_name": "新名字"}), Some("\"7\"")).await.assert_problem(412, "version_stale");
    app.patch_json(&path, &admin, &json!({"display_name": "新名字"}), Some("abc")).await.assert_problem(400, "bad_header");
    let ok = app.patch_json(&path, &admin, &json!({"display_name": "新名字", "phone": "13700001111"}), Some("\"1\"")).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.header("etag"), Some("\"2\""));
    assert_eq!((ok.body["display_name"].as_str(), ok.body["version"].as_i64()), (Some("新名字"), Some(2)));
    app.patch_json(&path, &admin, &json!({"display_name": "again"}), Some("\"1\"")).await.assert_problem(412, "version_stale");
    let cleared = app.patch_json(&path, &admin, &json!({"phone": null}), Some("\"2\"")).await;
    assert!(cleared.body["phone"].is_null());
    let events = app.get("/api/v1/events?type=user.updated", Some(&admin)).await;
    assert_eq!(events.body["items"].as_array().unwrap().len(), 2);
    let off = app.post_json_with(&format!("{path}/deactivate"), Some(&admin), &json!({}), &[("If-Match", "\"3\"")]).await;
    assert_eq!(off.body["active"], false, "{}", off.text);
    let login = app
        .post_json("/api/v1/auth/token", None, &json!({"grant_type": "password", "username": "patch.me", "password": "password-1234"}))
        .await;
    login.assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn lists_page_with_cursors_and_refuse_large_limits() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for i in 0..5 {
        app.add_user(&admin, &format!("paged.{i}"), "auditor", "640200", json!({})).await;
    }
    let first = app.get("/api/v1/users?limit=4", Some(&admin)).await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 4);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app.get(&format!("/api/v1/users?limit=4&cursor={cursor}"), Some(&admin)).await;
    assert_eq!(second.body["items"].as_array().unwrap().len(), 2, "6 accounts in all");
    assert!(second.body["next_cursor"].is_null());
    app.get("/api/v1/users?limit=501", Some(&admin)).await.assert_problem(422, "validation_failed");
    app.get("/api/v1/users?cursor=bogus", Some(&admin)).await.assert_problem(422, "validation_failed");
    let not_a_number = app.get("/api/v1/users?limit=abc", Some(&admin)).await;
    not_a_number.assert_problem(422, "validation_failed");
    assert_eq!(not_a_number.body["errors"][0]["field"], "limit", "the parameter is named: {}", not_a_number.text);
}

#[actix_web::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let app = spawn_app_with(|config| config.rate_limit_per_token = 3).await;
    let admin = app.admin_token().await;
    jiuzhu_tests::room_in_this_minute(std::time::Duration::from_secs(5)).await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/me", Some(&admin)).await.status, 200);
    }
    let limited = app.get("/api/v1/me", Some(&admin)).await;
    limited.assert_problem(429, "rate_limited");
    assert!(limited.header("retry-after").unwrap().parse::<u64>().unwrap() <= 60);
    assert_eq!(app.get("/healthz", None).await.status, 200, "probes are exempt");
    // Another spelling of the same header is the same token and the same bucket.
    for spelling in [format!("bearer {admin}"), format!("Bearer   {admin}"), format!("BEARER\t{admin}")] {
        let request = app.request(awc::http::Method::GET, "/api/v1/me").insert_header(("Authorization", spelling.as_str()));
        app.send(request, None).await.assert_problem(429, "rate_limited");
    }
}

fn fixture(name: &str) -> String {
    format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn sign_external(claims: &Value, algorithm: Algorithm, pem_file: &str, kid: &str) -> String {
    let pem = std::fs::read(fixture(pem_file)).unwrap();
    let key = match algorithm {
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem).unwrap(),
        _ => EncodingKey::from_rsa_pem(&pem).unwrap(),
    };
    let mut header = Header::new(algorithm);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

#[actix_web::test]
async fn an_external_identity_providers_tokens_are_accepted_by_kid() {
    let app = spawn_app_with(|config| config.jwks_file = Some(fixture("idp-jwks.json"))).await;
    let admin = app.admin_token().await;
    let account = app.add_user(&admin, "idp.officer", "township_officer", "640202", json!({})).await;
    // The identity provider authenticates; the jiuzhu account decides the rights.
    let external = claims(json!({"iss": "jiuzhu-idp", "sub": "idp.officer", "role": "city_admin", "region_code": "640200"}));
    let es = sign_external(&external, Algorithm::ES256, "idp-es256.pem", "idp-es256-test");
    let me = app.get("/api/v1/me", Some(&es)).await;
    assert_eq!((me.status, me.body["role"].as_str()), (200, Some("township_officer")), "{}", me.text);
    assert_eq!((me.body["subject"].as_str(), me.body["region_code"].as_str()), (account["id"].as_str(), Some("640202")));
    let stranger = sign_external(&with(external.clone(), json!({"sub": "nobody"})), Algorithm::ES256, "idp-es256.pem", "idp-es256-test");
    app.get("/api/v1/me", Some(&stranger)).await.assert_problem(401, "unauthenticated");
    let rs = sign_external(&external, Algorithm::RS256, "idp-rs256.pem", "idp-rs256-test");
    assert_eq!(app.get("/api/v1/me", Some(&rs)).await.status, 200);
    let unknown_kid = sign_external(&external, Algorithm::ES256, "idp-es256.pem", "someone-elses-key");
    app.get("/api/v1/me", Some(&unknown_kid)).await.assert_problem(401, "unauthenticated");
    let swapped = sign_external(&external, Algorithm::ES256, "idp-es256.pem", "idp-rs256-test");
    app.get("/api/v1/me", Some(&swapped)).await.assert_problem(401, "unauthenticated");
    let local_issuer = sign_external(&claims(json!({})), Algorithm::ES256, "idp-es256.pem", "idp-es256-test");
    app.get("/api/v1/me", Some(&local_issuer)).await.assert_problem(401, "unauthenticated");
    let deactivated = app
        .post_json_with(
            &format!("/api/v1/users/{}/deactivate", account["id"].as_str().unwrap()),
            Some(&admin),
            &json!({}),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(deactivated.status, 200, "{}", deactivated.text);
    app.get("/api/v1/me", Some(&es)).await.assert_problem(401, "unauthenticated");
}

#[test]
fn the_masking_scan_finds_full_numbers_and_only_those() {
    use jiuzhu_tests::unmasked_pii;
    let id = jiuzhu_tests::id_born("1949-12-31", 2);
    assert_eq!(unmasked_pii(&format!("{{\"id_number\":\"{id}\"}}")), Some(("ID number", id.clone())));
    assert_eq!(unmasked_pii("call 13912345678 now"), Some(("phone", "13912345678".into())));
    for clean in [
        "640202********0037",
        "139****5678",
        "01a2257e-e75e-7250-8a50-17707722070a",
        "hash 949506a6114b6d34c26c4f5d13c913912345678ff",
        "12345678901",
        "640202194912310021",
    ] {
        assert_eq!(unmasked_pii(clean), None, "{clean}");
    }
}

/// A replayed answer discloses again what the first one did: each replay is
/// audited, and a replay needs an account that still allows the token.
#[actix_web::test]
async fn idempotent_replays_are_audited_and_need_a_live_account() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let search = json!({"purpose": "核对", "query_type": "id_numbers", "ids": [jiuzhu_tests::id_born("1950-01-01", 1)], "reveal": true});
    let key = [("Idempotency-Key", "search-1")];
    let first = app.post_json_with("/api/v1/registry/search", Some(&admin), &search, &key).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let again = app.post_json_with("/api/v1/registry/search", Some(&admin), &search, &key).await;
    assert_eq!((again.status, again.header("idempotent-replayed")), (200, Some("true")));
    let searched = app.get("/api/v1/audit-events?action=registry.searched", Some(&admin)).await;
    let replayed = app.get("/api/v1/audit-events?action=request.replayed", Some(&admin)).await;
    assert_eq!(
        searched.body["items"].as_array().unwrap().len() + replayed.body["items"].as_array().unwrap().len(),
        2,
        "one row per disclosure"
    );
    assert_eq!(replayed.body["items"][0]["entity_id"], "/api/v1/registry/search");

    app.add_region(&admin, "640202001", "示范街道").await;
    let worker = app.add_user(&admin, "replay.worker", "township_officer", "640202001", json!({})).await;
    let token = app.login("replay.worker", "password-1234").await;
    let body = json!({"name": "张秀兰", "id_number": jiuzhu_tests::id_born("1950-01-01", 2), "region_code": "640202001", "address": "示范社区",
        "categories": [{"category": "extreme_poverty", "support_mode": "dispersed", "valid_from": "2024-01-01"}], "groups": []});
    let key = [("Idempotency-Key", "register-1")];
    let registered = app.post_json_with("/api/v1/beneficiaries", Some(&token), &body, &key).await;
    assert_eq!(registered.status, 201, "{}", registered.text);
    let id = worker["id"].as_str().unwrap();
    let off = app.post_json_with(&format!("/api/v1/users/{id}/deactivate"), Some(&admin), &json!({}), &[("If-Match", "\"1\"")]).await;
    assert_eq!(off.status, 200);
    app.post_json_with("/api/v1/beneficiaries", Some(&token), &body, &key).await.assert_problem(401, "unauthenticated");
}

/// An unknown username costs the same password check as a known one, so
/// the time of a refusal does not tell whether the account exists.
#[actix_web::test]
async fn a_refusal_takes_as_long_for_an_unknown_username_as_for_a_known_one() {
    let app = spawn_app().await;
    let attempt = |username: &'static str| {
        let app = &app;
        async move {
            let started = std::time::Instant::now();
            let body = json!({"grant_type": "password", "username": username, "password": "wrong-password"});
            app.post_json("/api/v1/auth/token", None, &body).await.assert_problem(401, "unauthenticated");
            started.elapsed()
        }
    };
    attempt("nobody-warm-up").await;
    let (mut known, mut unknown) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    for _ in 0..3 {
        known += attempt("admin").await;
        unknown += attempt("nobody-at-all").await;
    }
    assert!(unknown * 2 > known, "unknown {unknown:?} against known {known:?}: the refusal tells them apart");
}

/// A key claimed by a node that died mid-request is taken over by a retry
/// once the claim's lease (5 minutes) is over, instead of answering "in
/// flight" for 24 hours.
#[actix_web::test]
async fn a_key_left_in_flight_by_a_dead_node_is_taken_over_after_its_lease() {
    use jiuzhu_platform::entity::idempotency_key;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let owner = app.get("/api/v1/me", Some(&admin)).await.body["subject"].as_str().unwrap().to_string();
    let body =
        json!({"username": "after.crash", "display_name": "重试", "role": "auditor", "region_code": "640200", "password": "password-1234"});
    let bytes = serde_json::to_vec(&body).unwrap();
    let fingerprint = jiuzhu_platform::hash::sha256_hex(&[b"POST", b"/api/v1/users", b"", &bytes]);
    let claimed_at = |minutes_ago: i64| jiuzhu_core::Clock::now(&jiuzhu_core::SystemClock) - chrono::Duration::minutes(minutes_ago);
    idempotency_key::ActiveModel {
        owner: Set(owner.clone()),
        key: Set("crashed-1".into()),
        request_hash: Set(fingerprint),
        state: Set("in_flight".into()),
        response_status: Set(None),
        response_body: Set(None),
        response_headers: Set(None),
        created_at: Set(claimed_at(1)),
    }
    .insert(app.db.conn())
    .await
    .unwrap();
    let key = [("Idempotency-Key", "crashed-1")];
    app.post_json_with("/api/v1/users", Some(&admin), &body, &key).await.assert_problem(409, "idempotency_key_in_flight");
    let stale = idempotency_key::Entity::find_by_id((owner, "crashed-1".to_string())).one(app.db.conn()).await.unwrap().unwrap();
    let mut stale: idempotency_key::ActiveModel = stale.into();
    stale.created_at = Set(claimed_at(10));
    stale.update(app.db.conn()).await.unwrap();
    let retried = app.post_json_with("/api/v1/users", Some(&admin), &body, &key).await;
    assert_eq!(retried.status, 201, "{}", retried.text);
    let replayed = app.post_json_with("/api/v1/users", Some(&admin), &body, &key).await;
    assert_eq!((replayed.status, replayed.header("idempotent-replayed")), (201, Some("true")));
}

/// Thirty wrong passwords at once: at most five of them are checked, the
/// rest are refused unchecked, as the lock-out allows five.
#[actix_web::test]
async fn concurrent_wrong_passwords_meet_the_lock_out_at_five() {
    let app = spawn_app().await;
    let wrong = json!({"grant_type": "password", "username": "admin", "password": "wrong-password"});
    let replies = futures_util::future::join_all((0..30).map(|_| app.post_json("/api/v1/auth/token", None, &wrong))).await;
    let checked = replies.iter().filter(|r| r.status == 401).count();
    assert!(replies.iter().all(|r| r.status == 401 || r.status == 429), "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(checked <= 5, "{checked} passwords were checked");
    let right = json!({"grant_type": "password", "username": "admin", "password": app.admin_password});
    let after = app.post_json("/api/v1/auth/token", None, &right).await;
    assert_eq!(after.status, if checked == 5 { 429 } else { 200 }, "{}", after.text);
}

/// A key's claim is written by the request's first write transaction and
/// commits or rolls back with it: a write that rolls back leaves the key
/// free; while one request's write holds the key, another request's write
/// with the same key waits for it, then is refused (409) before it writes.
#[actix_web::test]
async fn a_key_is_claimed_by_the_write_it_guards() {
    use jiuzhu_platform::idempotency::{self, Claim, ClaimSlot, ClaimState, PendingClaim};
    let app = spawn_app().await;
    let now = jiuzhu_core::Clock::now(&jiuzhu_core::SystemClock);
    let claim = PendingClaim { owner: "tester".into(), key: "k-1".into(), request_hash: "h".into(), at: now };
    let look_up = || idempotency::look_up(&app.db, "tester", "k-1", "h", now);

    let rolled_back = ClaimSlot::new(claim.clone());
    idempotency::claimed(rolled_back.clone(), async { drop(app.db.begin_write().await.unwrap()) }).await;
    assert_eq!(rolled_back.state(), ClaimState::Written);
    assert_eq!(look_up().await.unwrap(), Claim::Fresh, "the claim went with its rolled-back write");

    let first = ClaimSlot::new(claim.clone());
    let holding = idempotency::claimed(first.clone(), async { app.db.begin_write().await.unwrap() }).await;
    let second = ClaimSlot::new(claim.clone());
    let (refused, ()) = tokio::join!(idempotency::claimed(second.clone(), async { app.db.begin_write().await.map(drop) }), async {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        holding.commit().await.unwrap();
    });
    assert_eq!(second.state(), ClaimState::HeldElsewhere);
    let refusal = jiuzhu_core::DomainError::from(refused.unwrap_err());
    assert!(matches!(refusal, jiuzhu_core::DomainError::Conflict { code: "idempotency_key_in_flight", .. }), "{refusal:?}");
    assert_eq!(look_up().await.unwrap(), Claim::InFlight, "the first write's claim committed with it");

    let later = ClaimSlot::new(PendingClaim { key: "k-2".into(), ..claim });
    idempotency::claimed(later.clone(), async {
        app.db.begin_write().await.unwrap().commit().await.unwrap();
        app.db.begin_write().await.unwrap().commit().await.unwrap();
    })
    .await;
    assert_eq!(later.state(), ClaimState::Written, "only the first write transaction carries the claim");
}
