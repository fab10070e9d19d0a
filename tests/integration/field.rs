//! Discovery, department signals, visits and the hotline.

use jiuzhu_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

const ID_WOMAN_1949: &str = "11010519491231002X";
const ID_MAN_1880: &str = "440524188001010014";

async fn setup(app: &TestApp) -> (String, String, String) {
    let admin = app.admin_token().await;
    for (code, name) in [("640202001", "甲街道"), ("640202002", "乙街道"), ("640202001001", "甲社区")] {
        app.add_region(&admin, code, name).await;
    }
    app.add_user(&admin, "officer.a", "township_officer", "640202001", json!({})).await;
    app.add_user(&admin, "officer.b", "township_officer", "640202002", json!({})).await;
    (admin, app.login("officer.a", "password-1234").await, app.login("officer.b", "password-1234").await)
}

async fn register(app: &TestApp, token: &str, id_number: &str) -> Value {
    let body = json!({"name": "张秀兰", "id_number": id_number, "region_code": "640202001001",
        "categories": [{"category": "subsistence_allowance", "valid_from": "2024-01-01"}]});
    let reply = app.post_json("/api/v1/beneficiaries", Some(token), &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body
}

#[actix_web::test]
async fn a_large_medical_expense_signal_raises_a_task_in_the_persons_township() {
    let app = spawn_app().await;
    let (admin, a, b) = setup(&app).await;
    let person = register(&app, &a, ID_WOMAN_1949).await;
    let health = app.department_token(&admin, "medical_insurance").await;
    let signal = json!({"kind": "large_medical_expense", "id_number": ID_WOMAN_1949, "occurred_on": "2025-02-20", "detail": "住院自付 38,600 元", "amount_fen": 3_860_000});
    let first = app.post_json("/api/v1/signals", Some(&health), &signal).await;
    assert_eq!((first.status, first.body["outcome"].as_str()), (201, Some("task_created")), "{}", first.text);
    let task_id = first.body["discovery_id"].as_str().unwrap();
    let task = app.get(&format!("/api/v1/discoveries/{task_id}"), Some(&a)).await;
    assert_eq!(task.body["region_code"], "640202001001");
    assert_eq!(task.body["source"], "department_signal");
    assert_eq!(task.body["beneficiary_id"], person["id"]);
    assert_eq!(task.body["id_number"], "110105********002X");
    let second = app
        .post_json(
            "/api/v1/signals",
            Some(&health),
            &json!({"kind": "disability_certified", "id_number": ID_WOMAN_1949, "occurred_on": "2025-02-25"}),
        )
        .await;
    assert_eq!((second.body["outcome"].as_str(), second.body["discovery_id"].as_str()), (Some("merged"), Some(task_id)));
    assert_eq!(app.get(&format!("/api/v1/discoveries/{task_id}"), Some(&a)).await.body["signal_count"], 2);
    app.get(&format!("/api/v1/discoveries/{task_id}"), Some(&b)).await.assert_problem(404, "not_found");
    assert!(app.get("/api/v1/discoveries", Some(&b)).await.body["items"].as_array().unwrap().is_empty());

    let stranger = app
        .post_json(
            "/api/v1/signals",
            Some(&health),
            &json!({"kind": "large_medical_expense", "id_number": ID_MAN_1880, "occurred_on": "2025-02-20", "amount_fen": 100}),
        )
        .await;
    assert_eq!((stranger.body["outcome"].as_str(), stranger.body["discovery_id"].is_null()), (Some("recorded"), true));
    let large = app.post_json("/api/v1/signals", Some(&health), &json!({"kind": "large_medical_expense", "id_number": ID_MAN_1880, "occurred_on": "2025-02-20", "amount_fen": 9_000_000, "region_code": "640202002"})).await;
    assert_eq!(large.body["outcome"], "task_created", "{}", large.text);
    assert_eq!(app.get("/api/v1/discoveries", Some(&b)).await.body["items"].as_array().unwrap().len(), 1);
    assert!(!large.text.contains(ID_MAN_1880), "the receipt does not echo the ID");
    app.post_json("/api/v1/signals", Some(&a), &signal).await.assert_problem(403, "forbidden");
    let bad = app
        .post_json("/api/v1/signals", Some(&health), &json!({"kind": "unemployment", "id_number": "123", "occurred_on": "2025-02-20"}))
        .await;
    assert_eq!(bad.body["errors"][0]["code"], "citizen_id_length");
    // A region code is checked even where this signal would not use it (the
    // person is registered), and nothing is recorded.
    let signals_before = app.get("/api/v1/discoveries", Some(&a)).await.body["items"][0]["signal_count"].clone();
    let empty_region = app
        .post_json(
            "/api/v1/signals",
            Some(&health),
            &json!({"kind": "unemployment", "id_number": ID_WOMAN_1949, "occurred_on": "2025-02-26", "region_code": ""}),
        )
        .await;
    empty_region.assert_problem(422, "validation_failed");
    assert_eq!(empty_region.body["errors"][0]["field"], "region_code", "{}", empty_region.text);
    assert_eq!(app.get("/api/v1/discoveries", Some(&a)).await.body["items"][0]["signal_count"], signals_before);
}

#[actix_web::test]
async fn a_verified_discovery_converts_into_an_application() {
    let app = spawn_app().await;
    let (_, a, _) = setup(&app).await;
    let reported = app
        .post_json(
            "/api/v1/discoveries",
            Some(&a),
            &json!({"region_code": "640202001001", "person_name": "王大爷", "source": "home_visit", "description": "独居，行动不便"}),
        )
        .await;
    assert_eq!(reported.status, 201, "{}", reported.text);
    let path = format!("/api/v1/discoveries/{}", reported.body["id"].as_str().unwrap());
    let verified = app.post_json_with(&format!("{path}/verify"), Some(&a), &json!({}), &[("If-Match", "\"1\"")]).await;
    assert_eq!(verified.body["status"], "verified");
    let no_person = json!({"consent": {"given": true, "date": "2025-03-02", "method": "written"}, "items": [{"kind": "service", "service_code": "visits"}]});
    let refused = app.post_json_with(&format!("{path}/convert"), Some(&a), &no_person, &[("If-Match", "\"2\"")]).await;
    assert_eq!(refused.body["errors"][0]["field"], "applicant");
    let mut with_person = no_person.clone();
    with_person["applicant"] = json!({"name": "王大爷", "id_number": ID_MAN_1880, "region_code": "640202001001", "categories": [{"category": "extreme_poverty", "valid_from": "2024-06-01"}]});
    let converted = app.post_json_with(&format!("{path}/convert"), Some(&a), &with_person, &[("If-Match", "\"2\"")]).await;
    assert_eq!(converted.body["status"], "converted", "{}", converted.text);
    let application = app.get(&format!("/api/v1/applications/{}", converted.body["application_id"].as_str().unwrap()), Some(&a)).await;
    assert_eq!(
        (application.body["channel"].as_str(), application.body["status"].as_str()),
        (Some("proactive_discovery"), Some("submitted"))
    );
    app.post_json_with(&format!("{path}/convert"), Some(&a), &with_person, &[("If-Match", "\"3\"")])
        .await
        .assert_problem(409, "invalid_transition");
}

#[actix_web::test]
async fn visits_make_the_station_work_log() {
    let app = spawn_app().await;
    let (_, a, b) = setup(&app).await;
    let person = register(&app, &a, ID_WOMAN_1949).await;
    let visit = json!({"beneficiary_id": person["id"], "kind": "care_visit", "visited_at": "2025-03-03T10:00:00Z", "findings": "冰箱食物不足", "next_visit_on": "2025-03-17"});
    let recorded = app.post_json("/api/v1/visits", Some(&a), &visit).await;
    assert_eq!(recorded.status, 201, "{}", recorded.text);
    assert_eq!(recorded.body["region_code"], "640202001001");
    let due = app.get("/api/v1/visits?next_visit_due_by=2025-03-31", Some(&a)).await;
    assert_eq!(due.body["items"].as_array().unwrap().len(), 1);
    assert!(app.get("/api/v1/visits?next_visit_due_by=2025-03-10", Some(&a)).await.body["items"].as_array().unwrap().is_empty());
    let mut future = visit.clone();
    future["visited_at"] = json!("2999-01-01T00:00:00Z");
    assert_eq!(app.post_json("/api/v1/visits", Some(&a), &future).await.body["errors"][0]["code"], "in_future");
    assert_eq!(app.post_json("/api/v1/visits", Some(&b), &visit).await.body["errors"][0]["code"], "beneficiary_unknown");
}

#[actix_web::test]
async fn hotline_tickets_are_answered_converted_or_closed_by_kind() {
    let app = spawn_app().await;
    let (_, a, _) = setup(&app).await;
    let call = |kind: &str| json!({"caller_phone": "13912345678", "kind": kind, "summary": "来电", "region_code": "640202001001", "received_at": "2025-03-01T09:12:00Z"});
    let consultation = app.post_json("/api/v1/hotline-tickets", Some(&a), &call("consultation")).await;
    assert_eq!(consultation.body["caller_phone"], "139****5678", "{}", consultation.text);
    let path = format!("/api/v1/hotline-tickets/{}", consultation.body["id"].as_str().unwrap());
    app.post_json_with(&format!("{path}/close"), Some(&a), &json!({"outcome": "x"}), &[("If-Match", "\"1\"")])
        .await
        .assert_problem(409, "invalid_transition");
    let answered =
        app.post_json_with(&format!("{path}/answer"), Some(&a), &json!({"answer": "可申请助餐服务"}), &[("If-Match", "\"1\"")]).await;
    assert_eq!(answered.body["status"], "answered");

    let help = app.post_json("/api/v1/hotline-tickets", Some(&a), &call("help_request")).await;
    let help_path = format!("/api/v1/hotline-tickets/{}", help.body["id"].as_str().unwrap());
    let convert = json!({"applicant": {"name": "李", "id_number": ID_MAN_1880, "region_code": "640202001001", "categories": [{"category": "marginal", "valid_from": "2024-01-01"}]},
        "consent": {"given": true, "date": "2025-03-01", "method": "verbal"}, "items": [{"kind": "service", "service_code": "meals"}]});
    let converted = app.post_json_with(&format!("{help_path}/convert"), Some(&a), &convert, &[("If-Match", "\"1\"")]).await;
    assert_eq!(converted.body["status"], "converted", "{}", converted.text);
    let application = app.get(&format!("/api/v1/applications/{}", converted.body["application_id"].as_str().unwrap()), Some(&a)).await;
    assert_eq!(application.body["channel"], "hotline");

    let complaint = app.post_json("/api/v1/hotline-tickets", Some(&a), &call("complaint")).await;
    let complaint_path = format!("/api/v1/hotline-tickets/{}", complaint.body["id"].as_str().unwrap());
    let assigned = app
        .post_json_with(&format!("{complaint_path}/assign"), Some(&a), &json!({"region_code": "640202001"}), &[("If-Match", "\"1\"")])
        .await;
    assert_eq!(assigned.body["region_code"], "640202001", "{}", assigned.text);
    let closed = app
        .post_json_with(&format!("{complaint_path}/close"), Some(&a), &json!({"outcome": "已约谈服务机构并整改"}), &[("If-Match", "\"2\"")])
        .await;
    assert_eq!(closed.body["status"], "closed");
    let bad_phone = app.post_json("/api/v1/hotline-tickets", Some(&a), &json!({"caller_phone": "123", "kind": "complaint", "summary": "x", "region_code": "640202001", "received_at": "2025-03-01T09:12:00Z"})).await;
    assert_eq!(bad_phone.body["errors"][0]["field"], "caller_phone");
}
