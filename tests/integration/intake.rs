//! Intake: the service target list, one-form applications, and referrals
//! to departments, seen from civil-affairs staff and from departments.

use jiuzhu_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

const ID_WOMAN_1949: &str = "11010519491231002X";
const ID_MAN_1880: &str = "440524188001010014";

/// A county with two townships, each with a village and an officer.
async fn setup(app: &TestApp) -> (String, String, String) {
    let admin = app.admin_token().await;
    for (code, name) in [("640202001", "甲街道"), ("640202002", "乙街道"), ("640202001001", "甲社区"), ("640202002001", "乙社区")]
    {
        app.add_region(&admin, code, name).await;
    }
    app.add_user(&admin, "officer.a", "township_officer", "640202001", json!({})).await;
    app.add_user(&admin, "officer.b", "township_officer", "640202002", json!({})).await;
    (admin, app.login("officer.a", "password-1234").await, app.login("officer.b", "password-1234").await)
}

fn person(id_number: &str, region: &str) -> Value {
    json!({"name": "张秀兰", "id_number": id_number, "phone": "13912345678", "region_code": region, "address": "甲社区3号楼",
        "categories": [{"category": "extreme_poverty", "support_mode": "dispersed", "valid_from": "2024-01-01"}],
        "groups": ["living_alone"], "material_assistance": [{"kind": "extreme_poverty_support", "monthly_amount_fen": 98000}]})
}

#[actix_web::test]
async fn a_bad_id_checksum_names_the_field() {
    let app = spawn_app().await;
    let (_, a, _) = setup(&app).await;
    let reply = app.post_json("/api/v1/beneficiaries", Some(&a), &person("110105194912310021", "640202001001")).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["field"], "id_number");
    assert_eq!(reply.body["errors"][0]["code"], "citizen_id_checksum");
    assert_eq!(reply.body["errors"][0]["message"], "check digit should be X");
}

/// Staff find a person by ID number through a body, within their region
/// only, and every lookup is audited with the number masked.
#[actix_web::test]
async fn a_person_is_found_by_id_number_in_scope_and_the_lookup_is_audited() {
    let app = spawn_app().await;
    let (admin, a, b) = setup(&app).await;
    let registered = app.post_json("/api/v1/beneficiaries", Some(&a), &person(ID_WOMAN_1949, "640202001001")).await;
    assert_eq!(registered.status, 201, "{}", registered.text);
    let found = app.post_json("/api/v1/beneficiaries/lookup", Some(&a), &json!({"id_number": ID_WOMAN_1949})).await;
    assert_eq!((found.status, found.body["id"].clone()), (200, registered.body["id"].clone()), "{}", found.text);
    assert_eq!(found.body["id_number"], "110105********002X", "masked as every read");
    assert_eq!(found.header("etag"), Some("\"1\""));
    let elsewhere = app.post_json("/api/v1/beneficiaries/lookup", Some(&b), &json!({"id_number": ID_WOMAN_1949})).await;
    elsewhere.assert_problem(404, "not_found");
    let unknown = app.post_json("/api/v1/beneficiaries/lookup", Some(&a), &json!({"id_number": ID_MAN_1880})).await;
    unknown.assert_problem(404, "not_found");
    let malformed = app.post_json("/api/v1/beneficiaries/lookup", Some(&a), &json!({"id_number": "110105194912310021"})).await;
    malformed.assert_problem(422, "validation_failed");
    assert_eq!(malformed.body["errors"][0]["field"], "id_number");
    let audit = app.get("/api/v1/audit-events?action=beneficiary.looked_up", Some(&admin)).await;
    let rows = audit.body["items"].as_array().unwrap();
    let found_flags: Vec<bool> = rows.iter().map(|r| r["detail"]["found"].as_bool().unwrap()).collect();
    assert_eq!(found_flags, [true, false, false], "three lookups, one found: {}", audit.text);
    assert!(rows.iter().all(|r| r["detail"]["id_number"].as_str().unwrap().contains('*')), "never the whole number: {}", audit.text);
}

#[actix_web::test]
async fn beneficiaries_are_registered_masked_and_derived() {
    let app = spawn_app().await;
    let (_, a, _) = setup(&app).await;
    let created = app.post_json("/api/v1/beneficiaries", Some(&a), &person(ID_WOMAN_1949, "640202001001")).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["id_number"], "110105********002X");
    assert_eq!(created.body["phone"], "139****5678");
    assert_eq!((created.body["gender"].as_str(), created.body["birth_date"].as_str()), (Some("female"), None), "masked: no birth date");
    let groups: Vec<&str> = created.body["groups"].as_array().unwrap().iter().map(|g| g.as_str().unwrap()).collect();
    assert_eq!(groups, ["elderly", "woman", "living_alone"]);
    let id = created.body["id"].as_str().unwrap();
    let duplicate = app.post_json("/api/v1/beneficiaries", Some(&a), &person(ID_WOMAN_1949, "640202001001")).await;
    duplicate.assert_problem(409, "id_number_registered");
    assert_eq!(duplicate.body["existing_id"], id);
    let revealed = app.get(&format!("/api/v1/beneficiaries/{id}?reveal=pii"), Some(&a)).await;
    assert_eq!(revealed.body["id_number"], ID_WOMAN_1949);
    let elderly = app.get("/api/v1/beneficiaries/count?group=elderly&category=extreme_poverty", Some(&a)).await;
    assert_eq!(elderly.body["count"], 1);
    assert_eq!(app.get("/api/v1/beneficiaries/count?group=minor", Some(&a)).await.body["count"], 0);
    assert_eq!(app.get("/api/v1/beneficiaries/count?name=%E5%BC%A0", Some(&a)).await.body["count"], 1);
    let derived = app
        .post_json(
            "/api/v1/beneficiaries",
            Some(&a),
            &json!({"name": "李", "id_number": ID_MAN_1880, "region_code": "640202001001",
        "categories": [{"category": "poverty_return_monitoring", "valid_from": "2024-01-01"}], "groups": ["elderly"]}),
        )
        .await;
    derived.assert_problem(422, "validation_failed");
    let codes: Vec<&str> = derived.body["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["transition_end_required", "group_derived"]);
    let patched = app
        .patch_json(&format!("/api/v1/beneficiaries/{id}"), &a, &json!({"groups": ["disabled"], "disability_level": 2}), Some("\"1\""))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert!(patched.body["groups"].as_array().unwrap().iter().any(|g| g == "disabled"));
    let protected = app.patch_json(&format!("/api/v1/beneficiaries/{id}"), &a, &json!({"status": "inactive"}), Some("\"2\"")).await;
    assert_eq!(protected.body["errors"][0]["code"], "unknown_field", "status is not patchable");
    let moved = app.patch_json(&format!("/api/v1/beneficiaries/{id}"), &a, &json!({"region_code": "640202002001"}), Some("\"2\"")).await;
    assert_eq!(moved.body["errors"][0]["field"], "region_code", "region_code is not patchable");
    // A stale If-Match with an invalid body: the body's fault comes first
    // (RFC 9110 13.2.1: preconditions apply to requests that would otherwise succeed).
    let path = format!("/api/v1/beneficiaries/{id}");
    let invalid_and_stale = app.patch_json(&path, &a, &json!({"disability_level": 0}), Some("\"1\"")).await;
    invalid_and_stale.assert_problem(422, "validation_failed");
    assert_eq!(invalid_and_stale.body["errors"][0]["field"], "disability_level");
    let bad_phone_and_stale = app.patch_json(&path, &a, &json!({"phone": "12345"}), Some("\"1\"")).await;
    bad_phone_and_stale.assert_problem(422, "validation_failed");
    assert_eq!(bad_phone_and_stale.body["errors"][0]["code"], "phone_invalid");
    app.patch_json(&path, &a, &json!({"disability_level": 3}), Some("\"1\"")).await.assert_problem(412, "version_stale");
}

async fn file_application(app: &TestApp, token: &str, beneficiary: &str) -> Value {
    let body = json!({"channel": "walk_in", "beneficiary_id": beneficiary, "consent": {"given": true, "date": "2025-03-01", "method": "written"},
    "items": [
        {"kind": "service", "service_code": "meals"},
        {"kind": "service", "description": "希望有人定期上门陪伴聊天"},
        {"kind": "transfer", "matter": "medical_assistance", "description": "住院自付费用较高"},
        {"kind": "transfer", "matter": "education_fee_waiver", "description": "孙女上高中学费"}
    ]});
    let reply = app.post_json("/api/v1/applications", Some(token), &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body
}

#[actix_web::test]
async fn accepting_routes_each_transfer_item_to_its_department() {
    let app = spawn_app().await;
    let (admin, a, b) = setup(&app).await;
    let person = app.post_json("/api/v1/beneficiaries", Some(&a), &person(ID_WOMAN_1949, "640202001001")).await.body;
    let application = file_application(&app, &a, person["id"].as_str().unwrap()).await;
    assert_eq!(application["status"], "submitted");
    let id = application["id"].as_str().unwrap();
    let path = format!("/api/v1/applications/{id}");
    let early_close = app.post_json_with(&format!("{path}/close"), Some(&a), &json!({"outcome": "x"}), &[("If-Match", "\"1\"")]).await;
    early_close.assert_problem(409, "invalid_transition");
    let accepted = app.post_json_with(&format!("{path}/accept"), Some(&a), &json!({}), &[("If-Match", "\"1\"")]).await;
    assert_eq!(accepted.body["status"], "accepted", "{}", accepted.text);
    let again = app.post_json_with(&format!("{path}/accept"), Some(&a), &json!({}), &[("If-Match", "\"2\"")]).await;
    again.assert_problem(409, "invalid_transition");

    let referrals = app.get(&format!("/api/v1/referrals?application_id={id}"), Some(&a)).await;
    let mut departments: Vec<&str> =
        referrals.body["items"].as_array().unwrap().iter().map(|r| r["department"].as_str().unwrap()).collect();
    departments.sort();
    assert_eq!(departments, ["education", "medical_insurance"]);
    assert!(referrals.body["items"].as_array().unwrap().iter().all(|r| r["status"] == "pending" && r["overdue"] == false));
    assert_eq!(referrals.body["items"][0]["beneficiary"]["id_number"], "110105********002X");

    let education = app.department_token(&admin, "education").await;
    let medical = app.department_token(&admin, "medical_insurance").await;
    let mine = app.get("/api/v1/referrals", Some(&education)).await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1, "{}", mine.text);
    let referral = &mine.body["items"][0];
    assert_eq!(referral["matter"], "education_fee_waiver");
    let rid = referral["id"].as_str().unwrap();
    let medical_id = app.get("/api/v1/referrals", Some(&medical)).await.body["items"][0]["id"].as_str().unwrap().to_string();
    app.get(&format!("/api/v1/referrals/{medical_id}"), Some(&education)).await.assert_problem(404, "not_found");
    let foreign =
        app.post_json_with(&format!("/api/v1/referrals/{medical_id}/accept"), Some(&education), &json!({}), &[("If-Match", "\"1\"")]).await;
    foreign.assert_problem(404, "not_found");

    let premature = app
        .post_json_with(
            &format!("/api/v1/referrals/{rid}/complete"),
            Some(&education),
            &json!({"outcome_code": "granted", "outcome_text": "减免学费"}),
            &[("If-Match", "\"1\"")],
        )
        .await;
    premature.assert_problem(409, "invalid_transition");
    let taken =
        app.post_json_with(&format!("/api/v1/referrals/{rid}/accept"), Some(&education), &json!({}), &[("If-Match", "\"1\"")]).await;
    assert_eq!(taken.body["status"], "accepted", "{}", taken.text);
    // Under the person's consent, the department reads who it must help, and says why.
    let identifiers = format!("/api/v1/referrals/{rid}/identifiers");
    let purpose = json!({"purpose": "核对学籍，办理高中学费减免"});
    app.post_json(&identifiers, Some(&education), &json!({"purpose": " "})).await.assert_problem(422, "validation_failed");
    app.post_json(&format!("/api/v1/referrals/{medical_id}/identifiers"), Some(&education), &purpose)
        .await
        .assert_problem(404, "not_found");
    let read = app.post_json(&identifiers, Some(&education), &purpose).await;
    assert_eq!((read.status, read.body["id_number"].as_str()), (200, Some(ID_WOMAN_1949)), "{}", read.text);
    assert_eq!(read.body["consent_date"], "2025-03-01");
    let audit = app.get(&format!("/api/v1/audit-events?action=referral.identifiers_read&entity_id={rid}"), Some(&admin)).await;
    assert_eq!(audit.body["items"][0]["detail"]["purpose"], "核对学籍，办理高中学费减免", "{}", audit.text);
    let done = app
        .post_json_with(
            &format!("/api/v1/referrals/{rid}/complete"),
            Some(&education),
            &json!({"outcome_code": "granted", "outcome_text": "已减免高中学费"}),
            &[("If-Match", "\"2\"")],
        )
        .await;
    assert_eq!((done.body["status"].as_str(), done.body["outcome_code"].as_str()), (Some("completed"), Some("granted")), "{}", done.text);
    app.post_json(&identifiers, Some(&education), &purpose).await.assert_problem(409, "referral_closed");

    let feed = app.get("/api/v1/events", Some(&education)).await;
    let types: Vec<&str> = feed.body["items"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["referral.created", "referral.accepted", "referral.completed"], "departments see only their own events");
    let staff_feed = app.get("/api/v1/events?type=referral.completed", Some(&a)).await;
    assert_eq!(staff_feed.body["items"].as_array().unwrap().len(), 1);

    // Each item ends resolved: the transfers by their referrals; the meals and the free-text wish, asked
    // for before any assessment, by the township's decision, or the application stays open.
    let items = app.get(&path, Some(&a)).await.body["items"].clone();
    assert_eq!((items[2]["resolution"]["how"].as_str(), items[3]["resolution"]["how"].as_str()), (Some("referral"), Some("referral")));
    let unresolved = app.post_json_with(&format!("{path}/close"), Some(&a), &json!({"outcome": "已办结"}), &[("If-Match", "\"2\"")]).await;
    unresolved.assert_problem(422, "items_unresolved");
    assert_eq!(unresolved.body["details"]["unresolved_positions"], json!([0, 1]), "{}", unresolved.text);
    for (n, item) in items.as_array().unwrap()[..2].iter().enumerate() {
        let decision = json!({"reason": "已告知申请人：社区老年餐桌可就近就餐"});
        let decided = app
            .post_json_with(
                &format!("{path}/items/{}/decision", item["id"].as_str().unwrap()),
                Some(&a),
                &decision,
                &[("If-Match", &format!("\"{}\"", 2 + n))],
            )
            .await;
        assert_eq!(decided.body["items"][n]["resolution"]["how"], "decision", "{}", decided.text);
    }
    let again = app
        .post_json_with(
            &format!("{path}/items/{}/decision", items[0]["id"].as_str().unwrap()),
            Some(&a),
            &json!({"reason": "x"}),
            &[("If-Match", "\"4\"")],
        )
        .await;
    again.assert_problem(409, "item_resolved");
    // The medical-insurance referral is still pending: the application stays open.
    let premature_close =
        app.post_json_with(&format!("{path}/close"), Some(&a), &json!({"outcome": "已办结"}), &[("If-Match", "\"4\"")]).await;
    premature_close.assert_problem(422, "referrals_unfinished");
    let open = premature_close.body["details"]["open_referrals"].as_array().unwrap();
    assert_eq!((open.len(), open[0]["department"].as_str()), (1, Some("medical_insurance")), "{}", premature_close.text);
    let overridden = app
        .post_json_with(
            &format!("{path}/close"),
            Some(&a),
            &json!({"outcome": "已办结", "close_despite_open_referrals": "申请人已迁出本市，医保转办由迁入地承接"}),
            &[("If-Match", "\"4\"")],
        )
        .await;
    assert_eq!(overridden.body["status"], "closed", "{}", overridden.text);
    let audit = app.get(&format!("/api/v1/audit-events?action=application.closed&entity_id={id}"), Some(&admin)).await;
    assert_eq!(audit.body["items"][0]["detail"]["open_referrals"], 1, "{}", audit.text);

    // The pilot summary tells each department's timeliness: education completed in time, medical insurance still pending;
    // then, with both due at their creation, education's completion came late and medical insurance's is overdue.
    let handling = |summary: &Value| -> Vec<(String, String, i64, i64, i64, i64, i64)> {
        summary["referrals_by_department"]
            .as_array()
            .unwrap_or_else(|| panic!("{summary}"))
            .iter()
            .map(|d| {
                let n = |key: &str| d[key].as_i64().unwrap();
                (
                    d["department"].as_str().unwrap().into(),
                    d["name_zh"].as_str().unwrap().into(),
                    n("made"),
                    n("completed"),
                    n("completed_on_time"),
                    n("open"),
                    n("overdue"),
                )
            })
            .collect()
    };
    let summary = app.get("/api/v1/reports/pilot-summary?region_code=640202", Some(&admin)).await;
    assert_eq!(
        handling(&summary.body),
        [("education".into(), "教育局".into(), 1, 1, 1, 0, 0), ("medical_insurance".into(), "医保局".into(), 1, 0, 0, 1, 0)]
    );
    sea_orm::ConnectionTrait::execute_unprepared(app.db.conn(), "UPDATE referrals SET due_at = created_at").await.unwrap();
    let late = app.get("/api/v1/reports/pilot-summary?region_code=640202", Some(&admin)).await;
    assert_eq!(
        handling(&late.body),
        [("education".into(), "教育局".into(), 1, 1, 0, 0, 0), ("medical_insurance".into(), "医保局".into(), 1, 0, 0, 1, 1)]
    );
    assert_eq!(late.body["problems"]["referrals_overdue"], 1, "the problems section counts the same overdue referral");
    let page = app.get("/api/v1/reports/pilot-summary?region_code=640202&format=html", Some(&admin)).await;
    assert!(page.text.contains("<td>教育局</td><td>1</td><td>1</td><td>0</td><td>0.0%</td><td>0</td><td>0</td>"), "{}", page.text);
    assert!(page.text.contains("<td>医保局</td><td>1</td><td>0</td><td>0</td><td>—</td><td>1</td><td>1</td>"), "{}", page.text);
    let elsewhere = app.get("/api/v1/reports/pilot-summary?region_code=640205", Some(&admin)).await;
    assert_eq!(elsewhere.body["referrals_by_department"], json!([]), "another county's summary has none of them");

    // Township B sees none of it.
    app.get(&format!("/api/v1/beneficiaries/{}", person["id"].as_str().unwrap()), Some(&b)).await.assert_problem(404, "not_found");
    app.get(&path, Some(&b)).await.assert_problem(404, "not_found");
    app.get(&format!("/api/v1/referrals/{rid}"), Some(&b)).await.assert_problem(404, "not_found");
    assert!(app.get("/api/v1/referrals", Some(&b)).await.body["items"].as_array().unwrap().is_empty());
    assert!(app.get("/api/v1/applications", Some(&b)).await.body["items"].as_array().unwrap().is_empty());
    assert_eq!(app.get("/api/v1/beneficiaries/count", Some(&b)).await.body["count"], 0);
    assert!(
        app.get("/api/v1/events", Some(&b)).await.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["region_code"].as_str().unwrap().starts_with("640202002"))
    );
}

#[actix_web::test]
async fn an_inline_applicant_is_registered_in_the_same_transaction() {
    let app = spawn_app().await;
    let (_, a, _) = setup(&app).await;
    let mut body = json!({"channel": "hotline", "applicant": person(ID_MAN_1880, "640202001001"), "consent": {"given": false, "date": "2025-03-01", "method": "verbal"},
        "items": [{"kind": "transfer", "matter": "legal_aid"}]});
    let refused = app.post_json("/api/v1/applications", Some(&a), &body).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.body["errors"][0]["field"], "consent.given");
    body["items"] = json!([{"kind": "service", "service_code": "no_such_service"}]);
    body["applicant"]["id_number"] = json!("440524188001010015");
    let bad = app.post_json("/api/v1/applications", Some(&a), &body).await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(app.get("/api/v1/beneficiaries/count", Some(&a)).await.body["count"], 0, "nothing half-written");
    body["applicant"]["id_number"] = json!(ID_MAN_1880);
    body["items"] = json!([{"kind": "service", "service_code": "medical_escort"}]);
    let ok = app.post_json("/api/v1/applications", Some(&a), &body).await;
    assert_eq!(ok.status, 201, "{}", ok.text);
    let people = app.get("/api/v1/beneficiaries", Some(&a)).await;
    assert_eq!(people.body["items"][0]["id"], ok.body["beneficiary_id"]);
    let both = app.post_json("/api/v1/applications", Some(&a), &json!({"channel": "online", "consent": {"given": true, "date": "2025-03-01", "method": "electronic"}, "items": [{"kind": "service", "service_code": "meals"}]})).await;
    assert_eq!(both.body["errors"][0]["code"], "applicant_choice");
}

#[actix_web::test]
async fn rejecting_needs_a_reason_and_overdue_referrals_are_listed() {
    let app = spawn_app().await;
    let (_, a, _) = setup(&app).await;
    let person = app.post_json("/api/v1/beneficiaries", Some(&a), &person(ID_WOMAN_1949, "640202001001")).await.body;
    let application = file_application(&app, &a, person["id"].as_str().unwrap()).await;
    let path = format!("/api/v1/applications/{}", application["id"].as_str().unwrap());
    let no_reason = app.post_json_with(&format!("{path}/reject"), Some(&a), &json!({}), &[("If-Match", "\"1\"")]).await;
    assert_eq!(no_reason.body["errors"][0]["field"], "reason");
    app.post_json_with(&format!("{path}/accept"), Some(&a), &json!({}), &[("If-Match", "\"1\"")]).await;
    assert!(app.get("/api/v1/referrals?overdue=true", Some(&a)).await.body["items"].as_array().unwrap().is_empty());
    use sea_orm::ConnectionTrait;
    app.db.conn().execute_unprepared("UPDATE referrals SET due_at = created_at").await.unwrap();
    let late = app.get("/api/v1/referrals?overdue=true", Some(&a)).await;
    assert_eq!(late.body["items"].as_array().unwrap().len(), 2, "{}", late.text);
    assert!(late.body["items"].as_array().unwrap().iter().all(|r| r["overdue"] == true));
}

#[actix_web::test]
async fn a_person_belongs_to_at_most_one_household() {
    let app = spawn_app().await;
    let (_, a, b) = setup(&app).await;
    let grandma = app.post_json("/api/v1/beneficiaries", Some(&a), &person(ID_WOMAN_1949, "640202001001")).await.body;
    let grandpa = app.post_json("/api/v1/beneficiaries", Some(&a), &person(ID_MAN_1880, "640202001001")).await.body;
    let body = json!({"head_beneficiary_id": grandma["id"], "members": [{"beneficiary_id": grandpa["id"], "relationship": "spouse"}]});
    let household = app.post_json("/api/v1/households", Some(&a), &body).await;
    assert_eq!(household.status, 201, "{}", household.text);
    assert_eq!(household.body["members"].as_array().unwrap().len(), 2);
    assert_eq!(household.body["members"][0]["relationship"], "head");
    let again = app.post_json("/api/v1/households", Some(&a), &json!({"head_beneficiary_id": grandpa["id"]})).await;
    again.assert_problem(409, "already_in_household");
    assert_eq!(again.body["existing_id"], household.body["id"]);
    let path = format!("/api/v1/households/{}", household.body["id"].as_str().unwrap());
    let head_leaves = app
        .post_json_with(
            &format!("{path}/members/{}/remove", grandma["id"].as_str().unwrap()),
            Some(&a),
            &json!({}),
            &[("If-Match", "\"1\"")],
        )
        .await;
    head_leaves.assert_problem(422, "head_cannot_leave");
    let removed = app
        .post_json_with(
            &format!("{path}/members/{}/remove", grandpa["id"].as_str().unwrap()),
            Some(&a),
            &json!({}),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(removed.body["members"].as_array().unwrap().len(), 1, "{}", removed.text);
    let person_view = app.get(&format!("/api/v1/beneficiaries/{}", grandma["id"].as_str().unwrap()), Some(&a)).await;
    assert_eq!(person_view.body["household_id"], household.body["id"]);
    app.get(&path, Some(&b)).await.assert_problem(404, "not_found");
}

/// A transfer can concern a member of the applicant's household: the
/// grandchild's school-fee waiver on the grandmother's application reaches
/// the education bureau naming the grandchild.
#[actix_web::test]
async fn a_transfer_can_name_the_household_member_it_concerns() {
    let app = spawn_app().await;
    let (_, a, _) = setup(&app).await;
    let grandma = app.post_json("/api/v1/beneficiaries", Some(&a), &person(ID_WOMAN_1949, "640202001001")).await.body;
    let child = app.post_json("/api/v1/beneficiaries", Some(&a), &person(&jiuzhu_tests::id_born("2010-09-01", 7), "640202001001")).await;
    assert_eq!(child.status, 201, "{}", child.text);
    let child = child.body;
    let stranger = app.post_json("/api/v1/beneficiaries", Some(&a), &person(ID_MAN_1880, "640202001001")).await.body;
    let body = json!({"head_beneficiary_id": grandma["id"], "members": [{"beneficiary_id": child["id"], "relationship": "grandchild"}]});
    assert_eq!(app.post_json("/api/v1/households", Some(&a), &body).await.status, 201);
    let apply = |member: &Value, kind: &str| {
        let item = if kind == "transfer" {
            json!({"kind": "transfer", "matter": "education_fee_waiver", "description": "孙女上高中学费", "member_id": member["id"]})
        } else {
            json!({"kind": "service", "service_code": "meals", "member_id": member["id"]})
        };
        json!({"channel": "walk_in", "beneficiary_id": grandma["id"], "consent": {"given": true, "date": "2025-03-01", "method": "written"}, "items": [item]})
    };
    let outsider = app.post_json("/api/v1/applications", Some(&a), &apply(&stranger, "transfer")).await;
    assert_eq!((outsider.status, outsider.body["errors"][0]["code"].as_str()), (422, Some("not_a_household_member")), "{}", outsider.text);
    assert_eq!(outsider.body["errors"][0]["field"], "items[0].member_id");
    let service = app.post_json("/api/v1/applications", Some(&a), &apply(&child, "service")).await;
    assert_eq!(service.body["errors"][0]["code"], "not_applicable", "{}", service.text);
    let filed = app.post_json("/api/v1/applications", Some(&a), &apply(&child, "transfer")).await;
    assert_eq!((filed.status, filed.body["items"][0]["member_id"].as_str()), (201, child["id"].as_str()), "{}", filed.text);
    let id = filed.body["id"].as_str().unwrap();
    app.post_json_with(&format!("/api/v1/applications/{id}/accept"), Some(&a), &json!({}), &[("If-Match", "\"1\"")]).await;
    let referrals = app.get(&format!("/api/v1/referrals?application_id={id}"), Some(&a)).await;
    let referral = &referrals.body["items"][0];
    assert_eq!(
        (referral["department"].as_str(), referral["beneficiary"]["id"].as_str()),
        (Some("education"), child["id"].as_str()),
        "{}",
        referrals.text
    );
}

/// The hidden digits of a masked ID number are the birth date: no masked
/// answer (one person, a list, the CSV and the XLSX export) carries it, nor
/// a birthday-moving age; a reveal gives both. (Every other answer of the
/// suite is scanned for the same by `TestApp::send`.)
#[actix_web::test]
async fn masked_answers_cannot_rebuild_the_id_number() {
    let app = spawn_app().await;
    let (admin, a, _) = setup(&app).await;
    app.add_user(&admin, "worker.a", "village_worker", "640202001001", json!({})).await;
    let worker = app.login("worker.a", "password-1234").await;
    let created = app.post_json("/api/v1/beneficiaries", Some(&a), &person(ID_WOMAN_1949, "640202001001")).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().unwrap();
    let birth = ["1949-12-31", "19491231"];
    let one = app.get(&format!("/api/v1/beneficiaries/{id}"), Some(&worker)).await;
    assert_eq!((one.body["id_number"].as_str(), &one.body["birth_date"]), (Some("110105********002X"), &Value::Null), "{}", one.text);
    let this_year: i64 = jiuzhu_core::Clock::now(&jiuzhu_core::SystemClock).format("%Y").to_string().parse().unwrap();
    assert_eq!(one.body["age"].as_i64(), Some(this_year - 1949), "the age reached this year");
    let list = app.get("/api/v1/beneficiaries", Some(&worker)).await;
    let csv = app.get("/api/v1/exports/service-targets?header=en", Some(&a)).await;
    assert!(csv.text.contains("110105********002X"), "{}", csv.text);
    let xlsx = app.get("/api/v1/exports/service-targets?format=xlsx", Some(&a)).await;
    let sheet = jiuzhu_tests::xlsx_sheet(&xlsx);
    assert!(sheet.contains("110105********002X"));
    for (what, text) in [("one", &one.text), ("list", &list.text), ("csv", &csv.text), ("xlsx", &sheet)] {
        assert!(birth.iter().all(|b| !text.contains(b)), "{what} carries the birth date: {text}");
    }
    let revealed = app.get(&format!("/api/v1/beneficiaries/{id}?reveal=pii"), Some(&a)).await;
    assert_eq!((revealed.body["id_number"].as_str(), revealed.body["birth_date"].as_str()), (Some(ID_WOMAN_1949), Some("1949-12-31")));
}

/// A department account sees its department's events in its own region
/// only, like every other read.
#[actix_web::test]
async fn a_departments_events_are_scoped_by_region_too() {
    let app = spawn_app().await;
    let (admin, a, _) = setup(&app).await;
    let person = app.post_json("/api/v1/beneficiaries", Some(&a), &person(ID_WOMAN_1949, "640202001001")).await.body;
    let application = file_application(&app, &a, person["id"].as_str().unwrap()).await;
    let path = format!("/api/v1/applications/{}/accept", application["id"].as_str().unwrap());
    assert_eq!(app.post_json_with(&path, Some(&a), &json!({}), &[("If-Match", "\"1\"")]).await.status, 200);
    let client = json!({"name": "惠农区医保", "role": "department", "department": "medical_insurance", "region_code": "640205"});
    let (_, other_county) = app.client_token(&admin, &client).await;
    let city = app.department_token(&admin, "medical_insurance").await;
    let referral_events =
        |reply: &jiuzhu_tests::Reply| reply.body["items"].as_array().unwrap().iter().filter(|e| e["type"] == "referral.created").count();
    assert_eq!(referral_events(&app.get("/api/v1/events", Some(&city)).await), 1, "the control: the city's bureau sees 640202's referral");
    assert_eq!(referral_events(&app.get("/api/v1/events", Some(&other_county)).await), 0, "640205's bureau does not");
}

/// An ID number registered in another area is still refused (no duplicates
/// on the list), but the answer names nothing, is audited, and is given at
/// most 20 times a day to one account.
#[actix_web::test]
async fn a_duplicate_from_another_area_answers_without_detail_and_is_limited() {
    let app = spawn_app().await;
    let (admin, a, _) = setup(&app).await;
    assert_eq!(app.post_json("/api/v1/beneficiaries", Some(&a), &person(ID_WOMAN_1949, "640202001001")).await.status, 201);
    app.add_region(&admin, "640205100", "红果子镇").await;
    app.add_user(&admin, "officer.far", "township_officer", "640205100", json!({})).await;
    let far = app.login("officer.far", "password-1234").await;
    let own = app.post_json("/api/v1/beneficiaries", Some(&a), &person(ID_WOMAN_1949, "640202001001")).await;
    assert!(own.body["existing_id"].is_string(), "the area that holds the record is told which: {}", own.text);
    for n in 0..20 {
        let answer = app.post_json("/api/v1/beneficiaries", Some(&far), &person(ID_WOMAN_1949, "640205100")).await;
        answer.assert_problem(409, "id_number_registered");
        assert!(answer.body.get("existing_id").is_none_or(Value::is_null), "attempt {n}: {}", answer.text);
        assert!(answer.body["detail"].as_str().unwrap().contains("transfer"));
    }
    app.post_json("/api/v1/beneficiaries", Some(&far), &person(ID_WOMAN_1949, "640205100")).await.assert_problem(429, "rate_limited");
    let audit = app.get("/api/v1/audit-events?action=duplicate.outside_scope", Some(&admin)).await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 20, "each answer is on record");
}

/// Eligibility is the categories' validity on the day, and a consent is not
/// dated in the future (a person whose transition period ended in 2024
/// applied, with a consent dated 2027, and was accepted).
#[actix_web::test]
async fn an_application_needs_a_category_in_force_and_a_consent_not_in_the_future() {
    let app = spawn_app().await;
    let (_, a, _) = setup(&app).await;
    let mut lapsed = person(ID_WOMAN_1949, "640202001001");
    lapsed["categories"] = json!([{"category": "poverty_return_monitoring", "valid_from": "2023-01-01", "valid_to": "2024-06-30"}]);
    lapsed["material_assistance"] = json!([]);
    let created = app.post_json("/api/v1/beneficiaries", Some(&a), &lapsed).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let body = |date: &str| {
        json!({"channel": "walk_in", "beneficiary_id": created.body["id"], "consent": {"given": true, "date": date, "method": "written"},
            "items": [{"kind": "service", "service_code": "meals"}]})
    };
    let refused = app.post_json("/api/v1/applications", Some(&a), &body("2025-03-01")).await;
    refused.assert_problem(422, "no_category_in_force");
    assert_eq!(refused.body["details"]["categories"][0]["valid_to"], "2024-06-30", "{}", refused.text);
    let future = app.post_json("/api/v1/applications", Some(&a), &body("2999-06-01")).await;
    future.assert_problem(422, "validation_failed");
    assert_eq!(
        (future.body["errors"][0]["field"].as_str(), future.body["errors"][0]["code"].as_str()),
        (Some("consent.date"), Some("in_future"))
    );
}

/// The village files on the person's behalf (协助代办); the township
/// accepts (乡镇街道受理): a village worker cannot accept, reject or close
/// even its own filing, and can still withdraw it.
#[actix_web::test]
async fn a_village_files_and_the_township_accepts() {
    let app = spawn_app().await;
    let (admin, township, _) = setup(&app).await;
    app.add_user(&admin, "worker.files", "village_worker", "640202001001", json!({})).await;
    let worker = app.login("worker.files", "password-1234").await;
    let person = app.post_json("/api/v1/beneficiaries", Some(&worker), &person(ID_WOMAN_1949, "640202001001")).await.body;
    let filed = file_application(&app, &worker, person["id"].as_str().unwrap()).await;
    let path = |action: &str| format!("/api/v1/applications/{}/{action}", filed["id"].as_str().unwrap());
    let version = [("If-Match", "\"1\"")];
    app.post_json_with(&path("accept"), Some(&worker), &json!({}), &version).await.assert_problem(403, "forbidden");
    app.post_json_with(&path("reject"), Some(&worker), &json!({"reason": "材料不全"}), &version).await.assert_problem(403, "forbidden");
    let accepted = app.post_json_with(&path("accept"), Some(&township), &json!({}), &version).await;
    assert_eq!(accepted.body["status"], "accepted", "{}", accepted.text);
    let again = file_application(&app, &worker, person["id"].as_str().unwrap()).await;
    let withdraw = format!("/api/v1/applications/{}/withdraw", again["id"].as_str().unwrap());
    let withdrawn = app.post_json_with(&withdraw, Some(&worker), &json!({}), &version).await;
    assert_eq!(withdrawn.body["status"], "withdrawn", "{}", withdrawn.text);
}

/// A referral past its due time is announced once (`referral.overdue`),
/// however many housekeeping passes (of however many nodes) see it.
#[actix_web::test]
async fn an_overdue_referral_is_announced_once() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = spawn_app().await;
    let (admin, township, _) = setup(&app).await;
    let person = app.post_json("/api/v1/beneficiaries", Some(&township), &person(ID_WOMAN_1949, "640202001001")).await.body;
    let filed = file_application(&app, &township, person["id"].as_str().unwrap()).await;
    let path = format!("/api/v1/applications/{}/accept", filed["id"].as_str().unwrap());
    assert_eq!(app.post_json_with(&path, Some(&township), &json!({}), &[("If-Match", "\"1\"")]).await.status, 200);
    let now = jiuzhu_core::Clock::now(&jiuzhu_core::SystemClock);
    let root = jiuzhu_core::RegionCode::default_root();
    assert_eq!(jiuzhu_api::maintenance::announce_overdue(&app.db, &root, now).await.unwrap(), 0, "nothing is due yet");
    let backend = app.db.conn().get_database_backend();
    let past = Statement::from_sql_and_values(
        backend,
        if backend == sea_orm::DbBackend::Postgres {
            "UPDATE referrals SET due_at = $1 WHERE matter = 'medical_assistance'"
        } else {
            "UPDATE referrals SET due_at = ? WHERE matter = 'medical_assistance'"
        },
        [(now - chrono::Duration::days(1)).into()],
    );
    app.db.conn().execute_raw(past).await.unwrap();
    let passes = futures_util::future::join_all((0..3).map(|_| jiuzhu_api::maintenance::announce_overdue(&app.db, &root, now))).await;
    assert_eq!(passes.into_iter().map(Result::unwrap).sum::<usize>(), 1, "announced once across concurrent passes");
    assert_eq!(jiuzhu_api::maintenance::announce_overdue(&app.db, &root, now).await.unwrap(), 0);
    let events = app.get("/api/v1/events?type=referral.overdue", Some(&admin)).await;
    let items = events.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", events.text);
    assert_eq!(items[0]["data"]["department"], "medical_insurance");
    let listed = app.get("/api/v1/referrals?overdue=true", Some(&township)).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1, "{}", listed.text);
}
