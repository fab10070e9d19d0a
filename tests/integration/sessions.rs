//! A token acts only while its account allows it (exists, is active, and
//! has not changed role, department, password or state since the token was
//! issued), and grants follow permissions, not rank.

use jiuzhu_platform::entity::user;
use jiuzhu_tests::{Reply, TestApp, spawn_app};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

fn path(kind: &str, account: &Value, action: &str) -> String {
    format!("/api/v1/{kind}/{}{action}", account["id"].as_str().unwrap())
}

async fn township_officer(app: &TestApp, county: &str, username: &str) -> Reply {
    let body = json!({"username": username, "display_name": username, "role": "township_officer", "region_code": "640202", "password": "password-1234"});
    app.post_json("/api/v1/users", Some(county), &body).await
}

#[actix_web::test]
async fn a_role_change_ends_the_accounts_sessions() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let officer = app.add_user(&admin, "county.a", "county_officer", "640202", json!({})).await;
    let old = app.login("county.a", "password-1234").await;
    assert_eq!(township_officer(&app, &old, "t.before").await.status, 201, "the control: a county officer grants township officers");
    let demoted = app.patch_json(&path("users", &officer, ""), &admin, &json!({"role": "township_officer"}), Some("\"1\"")).await;
    assert_eq!(demoted.status, 200, "{}", demoted.text);
    township_officer(&app, &old, "t.after").await.assert_problem(401, "unauthenticated");
    app.get("/api/v1/me", Some(&old)).await.assert_problem(401, "unauthenticated");
    let fresh = app.login("county.a", "password-1234").await;
    let me = app.get("/api/v1/me", Some(&fresh)).await;
    assert_eq!(me.body["role"], "township_officer", "a new login carries the new role");
    township_officer(&app, &fresh, "t.fresh").await.assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn a_password_change_and_a_deactivation_end_the_accounts_sessions() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let worker = app.add_user(&admin, "worker.a", "village_worker", "640202", json!({})).await;
    let old = app.login("worker.a", "password-1234").await;
    let renamed = app.patch_json(&path("users", &worker, ""), &admin, &json!({"display_name": "改名"}), Some("\"1\"")).await;
    assert_eq!(renamed.status, 200);
    assert_eq!(app.get("/api/v1/me", Some(&old)).await.status, 200, "a change of name does not end sessions");
    let reset = app.patch_json(&path("users", &worker, ""), &admin, &json!({"password": "another-password-99"}), Some("\"2\"")).await;
    assert_eq!(reset.status, 200);
    app.get("/api/v1/me", Some(&old)).await.assert_problem(401, "unauthenticated");
    let current = app.login("worker.a", "another-password-99").await;
    assert_eq!(app.get("/api/v1/me", Some(&current)).await.status, 200);
    let gone = app.post_json_with(&path("users", &worker, "/deactivate"), Some(&admin), &json!({}), &[("If-Match", "\"3\"")]).await;
    assert_eq!(gone.status, 200, "{}", gone.text);
    app.get("/api/v1/me", Some(&current)).await.assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn a_deactivated_clients_token_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let token = app.department_token(&admin, "medical_insurance").await;
    assert_eq!(app.get("/api/v1/events", Some(&token)).await.status, 200);
    let clients = app.get("/api/v1/clients", Some(&admin)).await;
    let client = clients.body["items"][0].clone();
    let done = app.post_json_with(&path("clients", &client, "/deactivate"), Some(&admin), &json!({}), &[("If-Match", "\"1\"")]).await;
    assert_eq!(done.status, 200, "{}", done.text);
    app.get("/api/v1/events", Some(&token)).await.assert_problem(401, "unauthenticated");
}

/// Another node's change reaches this node's cache within its bound (2 s):
/// the change is written to the database directly, as another node would.
#[actix_web::test]
async fn a_change_made_through_another_node_applies_within_the_cache_bound() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let worker = app.add_user(&admin, "worker.b", "village_worker", "640202", json!({})).await;
    let token = app.login("worker.b", "password-1234").await;
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status, 200);
    let id: uuid::Uuid = worker["id"].as_str().unwrap().parse().unwrap();
    user::Entity::update_many()
        .col_expr(user::Column::SecurityStamp, Expr::col(user::Column::SecurityStamp).add(Expr::val(1)))
        .filter(user::Column::Id.eq(id))
        .exec(app.db.conn())
        .await
        .unwrap();
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status, 200, "this node still trusts what it read a moment ago");
    actix_web::rt::time::sleep(std::time::Duration::from_millis(2_300)).await;
    app.get("/api/v1/me", Some(&token)).await.assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn grants_need_every_permission_of_the_granted_role() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.add_user(&admin, "county.g", "county_officer", "640202", json!({})).await;
    let county = app.login("county.g", "password-1234").await;
    for (role, extra) in [
        ("provider", json!({"provider_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11"})),
        ("department", json!({"department": "medical_insurance"})),
        ("data_exchange", json!({})),
        ("auditor", json!({})),
        ("county_officer", json!({})),
    ] {
        let mut body = json!({"username": format!("by.county.{role}"), "display_name": "x", "role": role, "region_code": "640202", "password": "password-1234"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let refused = app.post_json("/api/v1/users", Some(&county), &body).await;
        refused.assert_problem(422, "validation_failed");
        assert_eq!(refused.body["errors"][0]["code"], "role_above_grantor", "{role}: {}", refused.text);
    }
    assert_eq!(township_officer(&app, &county, "t.ok").await.status, 201);
    let evaluator =
        json!({"username": "eval.ok", "display_name": "e", "role": "evaluator", "region_code": "640202", "password": "password-1234"});
    assert_eq!(app.post_json("/api/v1/users", Some(&county), &evaluator).await.status, 201, "the county holds every evaluator permission");
    let made_up = json!({"username": "prov.ghost", "display_name": "p", "role": "provider", "region_code": "640202", "password": "password-1234",
        "provider_id": "0192f4a4-7d7e-7c3a-9a53-6f1f3c0b9a11"});
    let ghost = app.post_json("/api/v1/users", Some(&admin), &made_up).await;
    ghost.assert_problem(422, "validation_failed");
    assert_eq!(ghost.body["errors"][0]["code"], "provider_unknown", "{}", ghost.text);
}
