//! Procurement: the 3% cap, projects and their publication.

use jiuzhu_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

async fn account(app: &TestApp, token: &str) -> Value {
    let reply = app
        .post_json(
            "/api/v1/fund-accounts",
            Some(token),
            &json!({"region_code": "640202", "year": 2025, "prior_year_assistance_total_fen": 10_000_000}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body
}

fn project(fiscal_fen: i64, price_bp: u32) -> Value {
    json!({"title": "居家助餐服务", "region_code": "640202", "year": 2025, "service_codes": ["meals"], "beneficiary_count": 100, "budget_fen": fiscal_fen + 5000,
        "funding": [{"source": "fiscal_assistance", "amount_fen": fiscal_fen}, {"source": "donation", "amount_fen": 5000}],
        "method": "competitive_consultation", "evaluation_criteria": {"price_bp": price_bp, "capability_bp": 4000, "quality_bp": 6000 - price_bp, "other_bp": 0}})
}

#[actix_web::test]
async fn a_county_commits_exactly_three_percent_of_last_years_total() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let opened = account(&app, &admin).await;
    assert_eq!((opened["purchase_cap_fen"].as_i64(), opened["remaining_fen"].as_i64()), (Some(300_000), Some(300_000)));
    let over = app.post_json("/api/v1/procurement-projects", Some(&admin), &project(300_001, 2000)).await;
    over.assert_problem(422, "purchase_cap_exceeded");
    assert_eq!((over.body["details"]["cap_fen"].as_i64(), over.body["details"]["requested_fen"].as_i64()), (Some(300_000), Some(300_001)));
    let exact = app.post_json("/api/v1/procurement-projects", Some(&admin), &project(300_000, 2000)).await;
    assert_eq!((exact.status, exact.body["status"].as_str()), (201, Some("draft")), "{}", exact.text);
    let one_more = app.post_json("/api/v1/procurement-projects", Some(&admin), &project(1, 2000)).await;
    one_more.assert_problem(422, "purchase_cap_exceeded");
    assert_eq!(one_more.body["details"]["committed_fen"], 300_000);
    let after = app.get(&format!("/api/v1/fund-accounts/{}", opened["id"].as_str().unwrap()), Some(&admin)).await;
    assert_eq!((after.body["committed_fen"].as_i64(), after.body["remaining_fen"].as_i64()), (Some(300_000), Some(0)));
    // Terminating releases the money.
    let path = format!("/api/v1/procurement-projects/{}", exact.body["id"].as_str().unwrap());
    app.post_json_with(&format!("{path}/terminate"), Some(&admin), &json!({}), &[("If-Match", "\"1\"")]).await;
    assert_eq!(app.post_json("/api/v1/procurement-projects", Some(&admin), &project(300_000, 2000)).await.status, 201);
}

#[actix_web::test]
async fn two_concurrent_projects_cannot_both_slip_under_the_cap() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    account(&app, &admin).await;
    let body = project(200_000, 2000);
    let replies = futures_util::future::join_all((0..2).map(|_| app.post_json("/api/v1/procurement-projects", Some(&admin), &body))).await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    let refused = replies.iter().find(|r| r.status != 201).unwrap();
    refused.assert_problem(422, "purchase_cap_exceeded");
}

#[actix_web::test]
async fn the_lowest_price_never_simply_wins_and_plans_must_add_up() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    account(&app, &admin).await;
    for price_bp in [900, 3100] {
        let reply = app.post_json("/api/v1/procurement-projects", Some(&admin), &project(1000, price_bp)).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.body["errors"][0]["code"], "price_weight_out_of_range", "{price_bp}");
    }
    let mut mismatch = project(1000, 2000);
    mismatch["budget_fen"] = json!(999_999);
    assert_eq!(app.post_json("/api/v1/procurement-projects", Some(&admin), &mismatch).await.body["errors"][0]["code"], "funding_mismatch");
    let mut single = project(1000, 2000);
    single["method"] = json!("single_source");
    assert_eq!(
        app.post_json("/api/v1/procurement-projects", Some(&admin), &single).await.body["errors"][0]["code"],
        "justification_required"
    );
    let mut no_account = project(1000, 2000);
    no_account["year"] = json!(2026);
    assert_eq!(
        app.post_json("/api/v1/procurement-projects", Some(&admin), &no_account).await.body["errors"][0]["code"],
        "fund_account_missing"
    );
    let capped = app
        .post_json(
            "/api/v1/fund-accounts",
            Some(&admin),
            &json!({"region_code": "640205", "year": 2025, "prior_year_assistance_total_fen": 1000, "cap_bp": 400}),
        )
        .await;
    assert_eq!(capped.body["errors"][0]["code"], "cap_above_three_percent");
}

#[actix_web::test]
async fn published_projects_are_public_and_frozen() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    account(&app, &admin).await;
    let draft = app.post_json("/api/v1/procurement-projects", Some(&admin), &project(100_000, 2500)).await.body;
    assert!(
        app.get("/api/v1/public/procurement-projects", None).await.body["items"].as_array().unwrap().is_empty(),
        "drafts are not public"
    );
    let path = format!("/api/v1/procurement-projects/{}", draft["id"].as_str().unwrap());
    let published = app.post_json_with(&format!("{path}/publish"), Some(&admin), &json!({}), &[("If-Match", "\"1\"")]).await;
    assert_eq!(published.body["status"], "published", "{}", published.text);
    let public = app.get("/api/v1/public/procurement-projects", None).await;
    assert_eq!(public.status, 200);
    assert_eq!(public.body["items"][0]["budget_fen"], 105_000);
    assert!(public.body["items"][0].get("funding").is_none(), "internal funding stays internal");
    app.post_json_with(&format!("{path}/publish"), Some(&admin), &json!({}), &[("If-Match", "\"2\"")])
        .await
        .assert_problem(409, "invalid_transition");
    let closed = app.post_json_with(&format!("{path}/close-bidding"), Some(&admin), &json!({}), &[("If-Match", "\"2\"")]).await;
    assert_eq!(closed.body["status"], "bidding_closed");
}

#[actix_web::test]
async fn a_draft_is_proposed_from_the_open_needs() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for (code, name) in [("640202001", "甲街道"), ("640202001001", "甲社区")] {
        app.add_region(&admin, code, name).await;
    }
    let id = {
        let first17 = "640202194403010019".get(..17).unwrap().to_string();
        format!("{first17}{}", jiuzhu_core::citizen_id::check_character(first17.as_bytes()))
    };
    let person = app
        .post_json(
            "/api/v1/beneficiaries",
            Some(&admin),
            &json!({"name": "老人", "id_number": id, "region_code": "640202001001",
        "categories": [{"category": "marginal", "valid_from": "2024-01-01"}], "groups": ["living_alone"]}),
        )
        .await
        .body;
    let scores: Vec<Value> = [
        "income",
        "housing",
        "illness",
        "disability",
        "education",
        "employment",
        "social_security",
        "social_participation",
        "children_youth",
    ]
    .iter()
    .map(|i| json!({"indicator": i, "level": 0}))
    .chain([json!({"indicator": "family_structure", "level": 2, "evidence": "独居"})])
    .collect();
    app.post_json(
        "/api/v1/assessments",
        Some(&admin),
        &json!({"beneficiary_id": person["id"], "assessed_on": "2025-03-05", "scores": scores}),
    )
    .await;
    let proposal = app
        .post_json("/api/v1/procurement-projects/draft-from-needs?region_code=640202&service_codes=meals,visits", Some(&admin), &json!({}))
        .await;
    assert_eq!(proposal.status, 200, "{}", proposal.text);
    assert_eq!(proposal.body["beneficiary_count"], 1);
    let volume = proposal.body["service_volume"].as_array().unwrap();
    assert_eq!(volume.len(), 2);
    assert!(volume.iter().any(|v| v["service_code"] == "meals" && v["quantity"] == 1 && v["unit"] == "per_item"));
    assert_eq!(proposal.body["needs_basis"]["people"], 1);
}
