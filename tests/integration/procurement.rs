//! Procurement: the 3% cap, projects and their publication.

use jiuzhu_tests::{TestApp, credit_code, id_born, scores, spawn_app};
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

/// The cap's base is the finance side's figure: the county officer who
/// buys cannot open an account or lift its base; the finance officer can,
/// with a reason, but not below what is committed, and buys nothing.
#[actix_web::test]
async fn only_the_finance_side_sets_the_base_of_the_cap() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.add_user(&admin, "buyer", "county_officer", "640202", json!({})).await;
    app.add_user(&admin, "finance", "finance_officer", "640202", json!({})).await;
    let buyer = app.login("buyer", "password-1234").await;
    let finance = app.login("finance", "password-1234").await;
    let body = json!({"region_code": "640202", "year": 2025, "prior_year_assistance_total_fen": 10_000_000});
    app.post_json("/api/v1/fund-accounts", Some(&buyer), &body).await.assert_problem(403, "forbidden");
    let opened = app.post_json("/api/v1/fund-accounts", Some(&finance), &body).await;
    assert_eq!(opened.status, 201, "{}", opened.text);
    let path = format!("/api/v1/fund-accounts/{}", opened.body["id"].as_str().unwrap());
    let lift = json!({"prior_year_assistance_total_fen": 999_999_999_999i64, "reason": "调整"});
    let refused = app.patch_json(&path, &buyer, &lift, Some("\"1\"")).await;
    refused.assert_problem(403, "forbidden");
    assert_eq!(app.get(&path, Some(&admin)).await.body["purchase_cap_fen"], 300_000, "the buyer's patch changed nothing");
    let unexplained = app.patch_json(&path, &finance, &json!({"prior_year_assistance_total_fen": 12_000_000}), Some("\"1\"")).await;
    assert_eq!((unexplained.status, unexplained.body["errors"][0]["field"].as_str()), (422, Some("reason")), "{}", unexplained.text);
    app.post_json("/api/v1/procurement-projects", Some(&finance), &project(200_000, 2000)).await.assert_problem(403, "forbidden");
    assert_eq!(app.post_json("/api/v1/procurement-projects", Some(&buyer), &project(200_000, 2000)).await.status, 201);
    let lowered =
        app.patch_json(&path, &finance, &json!({"prior_year_assistance_total_fen": 6_000_000, "reason": "决算核减"}), Some("\"1\"")).await;
    lowered.assert_problem(422, "cap_below_committed");
    assert_eq!(
        (lowered.body["details"]["cap_fen"].as_i64(), lowered.body["details"]["committed_fen"].as_i64()),
        (Some(180_000), Some(200_000))
    );
    let corrected = app
        .patch_json(&path, &finance, &json!({"prior_year_assistance_total_fen": 12_000_000, "reason": "财政局核定决算数"}), Some("\"1\""))
        .await;
    assert_eq!((corrected.status, corrected.body["purchase_cap_fen"].as_i64()), (200, Some(360_000)), "{}", corrected.text);
    let audit = app.get("/api/v1/audit-events?action=fund_account.updated", Some(&admin)).await;
    assert_eq!(audit.body["items"][0]["detail"]["base"]["reason"], "财政局核定决算数", "{}", audit.text);
    assert_eq!(audit.body["items"][0]["detail"]["base"]["from_fen"], 10_000_000);
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
    let id = id_born("1944-03-01", 1);
    let person = app
        .post_json(
            "/api/v1/beneficiaries",
            Some(&admin),
            &json!({"name": "老人", "id_number": id, "region_code": "640202001001",
        "categories": [{"category": "marginal", "valid_from": "2024-01-01"}], "groups": ["living_alone"]}),
        )
        .await
        .body;
    let scores = scores(&[("family_structure", 2)]);
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

async fn register_provider(app: &TestApp, admin: &str, n: u32, org_type: &str, eligible: bool) -> String {
    let body = json!({"name": format!("机构{n}"), "credit_code": credit_code(n), "org_type": org_type, "eligible_for_purchase": eligible,
        "service_codes": ["meals"], "service_regions": ["640202"], "monthly_capacity": {"meals": 1000}, "contact": {"name": "联系人"}});
    let reply = app.post_json("/api/v1/providers", Some(admin), &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body["id"].as_str().unwrap().to_string()
}

#[actix_web::test]
async fn bids_are_checked_scored_and_awarded_not_by_lowest_price() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    account(&app, &admin).await;
    let strong = register_provider(&app, &admin, 21, "social_organization", true).await;
    let cheap = register_provider(&app, &admin, 22, "enterprise", true).await;
    let barred = register_provider(&app, &admin, 23, "enterprise", true).await;
    let mass = register_provider(&app, &admin, 24, "fiscally_funded_mass_organization", false).await;
    let middle = register_provider(&app, &admin, 25, "social_organization", true).await;
    use sea_orm::ConnectionTrait;
    // Sanctions arrive with a later part of procurement; bar it directly.
    app.db
        .conn()
        .execute_unprepared(&format!("UPDATE providers SET barred_until = '2099-12-31' WHERE credit_code = '{}'", credit_code(23)))
        .await
        .unwrap();

    let mut body = project(100_000, 3000);
    body["evaluation_criteria"] = json!({"price_bp": 3000, "capability_bp": 4000, "quality_bp": 3000, "other_bp": 0});
    let draft = app.post_json("/api/v1/procurement-projects", Some(&admin), &body).await.body;
    let id = draft["id"].as_str().unwrap();
    let bid = |provider: &str, price: i64| json!({"provider_id": provider, "price_fen": price, "proposal": "方案", "services": ["meals"]});
    let early = app.post_json(&format!("/api/v1/procurement-projects/{id}/bids"), Some(&admin), &bid(&strong, 100_000)).await;
    early.assert_problem(422, "not_accepting_bids");
    app.post_json_with(&format!("/api/v1/procurement-projects/{id}/publish"), Some(&admin), &json!({}), &[("If-Match", "\"1\"")]).await;

    app.add_user(&admin, "strong.staff", "provider", "640202", json!({"provider_id": strong})).await;
    let own = app.login("strong.staff", "password-1234").await;
    let mine = app
        .post_json(
            &format!("/api/v1/procurement-projects/{id}/bids"),
            Some(&own),
            &json!({"price_fen": 100_000, "proposal": "专业团队", "services": ["meals"]}),
        )
        .await;
    assert_eq!(mine.status, 201, "{}", mine.text);
    assert_eq!(mine.body["provider_id"], strong.as_str());
    let cheap_bid = app.post_json(&format!("/api/v1/procurement-projects/{id}/bids"), Some(&admin), &bid(&cheap, 80_000)).await;
    assert_eq!(cheap_bid.status, 201, "{}", cheap_bid.text);
    let barred_bid = app.post_json(&format!("/api/v1/procurement-projects/{id}/bids"), Some(&admin), &bid(&barred, 90_000)).await;
    let middle_bid = app.post_json(&format!("/api/v1/procurement-projects/{id}/bids"), Some(&admin), &bid(&middle, 95_000)).await;
    assert_eq!(middle_bid.status, 201, "{}", middle_bid.text);
    barred_bid.assert_problem(422, "provider_barred");
    assert_eq!(barred_bid.body["details"]["barred_until"], "2099-12-31");
    app.post_json(&format!("/api/v1/procurement-projects/{id}/bids"), Some(&admin), &bid(&mass, 90_000))
        .await
        .assert_problem(422, "provider_type_ineligible");
    app.post_json(&format!("/api/v1/procurement-projects/{id}/bids"), Some(&admin), &bid(&cheap, 200_000))
        .await
        .assert_problem(422, "bid_above_budget");
    app.post_json(&format!("/api/v1/procurement-projects/{id}/bids"), Some(&admin), &bid(&cheap, 70_000))
        .await
        .assert_problem(409, "bid_exists");
    assert_eq!(
        app.get(&format!("/api/v1/procurement-projects/{id}/bids"), Some(&own)).await.body["items"].as_array().unwrap().len(),
        1,
        "a provider sees its own bid only"
    );

    let panel = app.seat_panel(&admin, id, 2, 3).await;
    app.post_json_with(&format!("/api/v1/procurement-projects/{id}/close-bidding"), Some(&admin), &json!({}), &[("If-Match", "\"3\"")])
        .await;
    let unscored =
        app.post_json_with(&format!("/api/v1/procurement-projects/{id}/award"), Some(&admin), &json!({}), &[("If-Match", "\"4\"")]).await;
    unscored.assert_problem(422, "bids_unscored");
    let sheet = |capability: u32, quality: u32| json!({"capability": capability, "quality": quality, "other": 0});
    let mine_id = mine.body["id"].as_str().unwrap();
    let unseated = app.post_json(&format!("/api/v1/procurement-projects/{id}/bids/{mine_id}/scores"), Some(&admin), &sheet(99, 99)).await;
    unseated.assert_problem(422, "not_a_member");
    let scored = [(mine_id, 90, 90), (cheap_bid.body["id"].as_str().unwrap(), 50, 50)];
    for (bid_id, capability, quality) in scored {
        app.panel_scores(&panel, id, bid_id, &sheet(capability, quality)).await;
    }
    let middle_id = middle_bid.body["id"].as_str().unwrap();
    app.panel_scores(&panel[..2], id, middle_id, &sheet(70, 70)).await;
    let one_missing =
        app.post_json_with(&format!("/api/v1/procurement-projects/{id}/award"), Some(&admin), &json!({}), &[("If-Match", "\"4\"")]).await;
    one_missing.assert_problem(422, "bids_unscored");
    assert_eq!(one_missing.body["details"]["members_missing"].as_array().map(Vec::len), Some(1), "{}", one_missing.text);
    app.panel_scores(&panel[2..], id, middle_id, &sheet(70, 70)).await;
    let again = app.post_json(&format!("/api/v1/procurement-projects/{id}/bids/{mine_id}/scores"), Some(&panel[0]), &sheet(1, 1)).await;
    again.assert_problem(409, "score_exists");
    let seen_by_member = app.get(&format!("/api/v1/procurement-projects/{id}/bids"), Some(&panel[0])).await;
    assert_eq!(
        seen_by_member.body["items"].as_array().map(Vec::len),
        Some(3),
        "a member reads the bids it scores: {}",
        seen_by_member.text
    );
    let first = app.get(&format!("/api/v1/procurement-projects/{id}/bids?limit=2"), Some(&admin)).await;
    assert_eq!(first.body["items"].as_array().map(Vec::len), Some(2), "the limit is honoured: {}", first.text);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let rest = app.get(&format!("/api/v1/procurement-projects/{id}/bids?limit=2&cursor={cursor}"), Some(&admin)).await;
    assert_eq!((rest.body["items"].as_array().map(Vec::len), rest.body["next_cursor"].is_null()), (Some(1), true), "{}", rest.text);
    assert_eq!(
        app.get(&format!("/api/v1/procurement-projects/{id}"), Some(&own)).await.body["panel"],
        json!([]),
        "bidders do not see the panel"
    );
    let no_reason = app
        .post_json_with(
            &format!("/api/v1/procurement-projects/{id}/award"),
            Some(&admin),
            &json!({"bid_id": cheap_bid.body["id"]}),
            &[("If-Match", "\"4\"")],
        )
        .await;
    assert_eq!(no_reason.body["errors"][0]["code"], "award_reason_required");
    let awarded =
        app.post_json_with(&format!("/api/v1/procurement-projects/{id}/award"), Some(&admin), &json!({}), &[("If-Match", "\"4\"")]).await;
    assert_eq!(awarded.body["status"], "awarded", "{}", awarded.text);
    let ranking = awarded.body["award"]["ranking"].as_array().unwrap();
    assert_eq!(awarded.body["award"]["chosen_bid_id"], mine.body["id"], "the stronger, dearer bid wins");
    let order: Vec<&Value> = ranking.iter().map(|r| &r["bid_id"]).collect();
    assert_eq!(order, [&mine.body["id"], &middle_bid.body["id"], &cheap_bid.body["id"]], "ranked by total, not by price");
    assert_eq!((ranking[0]["price_score"].as_u64(), ranking[2]["price_score"].as_u64()), (Some(8_000), Some(10_000)));
    assert_eq!((ranking[0]["total"].as_u64(), ranking[2]["total"].as_u64()), (Some(8_700), Some(6_500)));
    let middle_total = ranking[1]["total"].as_u64().unwrap();
    assert!((7_400..7_450).contains(&middle_total), "0.3 × 8421 + 0.4 × 7000 + 0.3 × 7000 ≈ 7426, got {middle_total}");
}

/// Open tendering seats five or more, an odd number, two thirds experts,
/// from accounts that sign sheets, and awards from three bids (财政部令第87号
/// 第四十七条; 政府采购法 第三十六条); the refusals carry the figures.
#[actix_web::test]
async fn open_tendering_keeps_its_floors_of_panel_and_bids() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    account(&app, &admin).await;
    let mut body = project(100_000, 2000);
    body["method"] = json!("open_tender");
    let id = app.post_json("/api/v1/procurement-projects", Some(&admin), &body).await.body["id"].as_str().unwrap().to_string();
    app.post_json_with(&format!("/api/v1/procurement-projects/{id}/publish"), Some(&admin), &json!({}), &[("If-Match", "\"1\"")]).await;
    let mut bids = Vec::new();
    for n in [45, 46] {
        let provider = register_provider(&app, &admin, n, "social_organization", true).await;
        let bid = json!({"provider_id": provider, "price_fen": 90_000, "proposal": "方案", "services": ["meals"]});
        bids.push(
            app.post_json(&format!("/api/v1/procurement-projects/{id}/bids"), Some(&admin), &bid).await.body["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let mut experts = Vec::new();
    for n in 0..6 {
        let made = app.add_user(&admin, &format!("tender.expert{n}"), "review_member", "640202", json!({})).await;
        experts.push(json!({"user_id": made["id"], "seat": "expert"}));
    }
    let village = app.add_user(&admin, "tender.village", "township_officer", "640202", json!({})).await;
    let panel = format!("/api/v1/procurement-projects/{id}/panel");
    let form =
        async |members: Vec<Value>| app.post_json_with(&panel, Some(&admin), &json!({"members": members}), &[("If-Match", "\"2\"")]).await;
    let three = form(experts[..3].to_vec()).await;
    three.assert_problem(422, "panel_too_small");
    assert_eq!((three.body["details"]["members"].as_u64(), three.body["details"]["min_panel"].as_u64()), (Some(3), Some(5)));
    assert!(three.body["details"]["basis"].as_str().unwrap().contains("第四十七条"), "{}", three.text);
    form(experts.clone()).await.assert_problem(422, "panel_size_even");
    let mut with_reps = experts[..5].to_vec();
    with_reps[0]["seat"] = json!("purchaser_rep");
    with_reps[1]["seat"] = json!("purchaser_rep");
    form(with_reps).await.assert_problem(422, "panel_lacks_experts");
    let mut with_village = experts[..5].to_vec();
    with_village[4] = json!({"user_id": village["id"], "seat": "expert"});
    let refused = form(with_village).await;
    assert_eq!((refused.status, refused.body["errors"][0]["field"].as_str()), (422, Some("members[4].user_id")), "{}", refused.text);
    assert_eq!(refused.body["errors"][0]["code"], "cannot_sign");
    let mut twice = experts[..5].to_vec();
    twice[4] = twice[0].clone();
    assert_eq!(form(twice).await.body["errors"][0]["code"], "seat_duplicate");
    let formed = form(experts[..5].to_vec()).await;
    assert_eq!((formed.status, formed.body["panel"].as_array().map(Vec::len)), (200, Some(5)), "{}", formed.text);
    let again = app.post_json_with(&panel, Some(&admin), &json!({"members": experts[..5]}), &[("If-Match", "\"3\"")]).await;
    again.assert_problem(409, "panel_exists");
    app.post_json_with(&format!("/api/v1/procurement-projects/{id}/close-bidding"), Some(&admin), &json!({}), &[("If-Match", "\"3\"")])
        .await;
    let award =
        app.post_json_with(&format!("/api/v1/procurement-projects/{id}/award"), Some(&admin), &json!({}), &[("If-Match", "\"4\"")]).await;
    award.assert_problem(422, "too_few_bids");
    assert_eq!((award.body["details"]["bids"].as_u64(), award.body["details"]["min_bids"].as_u64()), (Some(2), Some(3)));
    let fail = format!("/api/v1/procurement-projects/{id}/fail");
    let unexplained = app.post_json_with(&fail, Some(&admin), &json!({}), &[("If-Match", "\"4\"")]).await;
    assert_eq!((unexplained.status, unexplained.body["errors"][0]["field"].as_str()), (422, Some("reason")), "{}", unexplained.text);
    let reason = json!({"reason": "有效投标不足三家"});
    let failed = app.post_json_with(&fail, Some(&admin), &reason, &[("If-Match", "\"4\"")]).await;
    assert_eq!(failed.body["status"], "failed", "too few bids: the project fails and is bought again; {}", failed.text);
    assert_eq!(failed.body["failure_reason"], "有效投标不足三家");
    assert!(failed.body["bidding_closed_at"].is_string(), "{}", failed.text);
    // The failed tender is published as unsuccessful, with its reason and its two bids, to everyone.
    let package = app.get(&format!("/api/v1/public/procurement-projects/{id}/ocds"), None).await;
    assert_eq!(package.status, 200, "{}", package.text);
    let tender = &package.body["releases"][0]["tender"];
    assert_eq!((tender["status"].as_str(), tender["statusDetails"].as_str()), (Some("unsuccessful"), Some("流标：有效投标不足三家")));
    assert!(tender["tenderPeriod"]["endDate"].is_string(), "bidding's close ends the tender period: {tender}");
    let bids = &package.body["releases"][0]["bids"];
    assert_eq!(bids["statistics"][0], json!({"id": "bids", "measure": "bids", "value": 2.0}), "{bids}");
    assert!(
        bids["details"].as_array().unwrap().iter().all(|b| b["status"] == "pending" && b.get("evaluation").is_none()),
        "unranked: {bids}"
    );
    assert_eq!(package.body["releases"][0]["tag"], json!(["planning", "tenderUpdate"]));
    assert_valid_ocds(&package.body);
}

/// A published, single-bid project, scored by a panel of three and awarded; returns its id.
async fn awarded_to(app: &TestApp, admin: &str, provider: &str, price_fen: i64) -> String {
    let draft = app.post_json("/api/v1/procurement-projects", Some(admin), &project(100_000, 2000)).await.body;
    let id = draft["id"].as_str().unwrap().to_string();
    let step = |action: &str, version: &str| (format!("/api/v1/procurement-projects/{id}/{action}"), version.to_string());
    let (path, version) = step("publish", "\"1\"");
    app.post_json_with(&path, Some(admin), &json!({}), &[("If-Match", &version)]).await;
    let bid = app
        .post_json(
            &format!("/api/v1/procurement-projects/{id}/bids"),
            Some(admin),
            &json!({"provider_id": provider, "price_fen": price_fen, "proposal": "方案", "services": ["meals"]}),
        )
        .await;
    assert_eq!(bid.status, 201, "{}", bid.text);
    let panel = app.seat_panel(admin, &id, 2, 3).await;
    let (path, version) = step("close-bidding", "\"3\"");
    app.post_json_with(&path, Some(admin), &json!({}), &[("If-Match", &version)]).await;
    let sheet = json!({"capability": 80, "quality": 80, "other": 80});
    app.panel_scores(&panel, &id, bid.body["id"].as_str().unwrap(), &sheet).await;
    let (path, version) = step("award", "\"4\"");
    let awarded = app.post_json_with(&path, Some(admin), &json!({}), &[("If-Match", &version)]).await;
    assert_eq!(awarded.body["status"], "awarded", "{}", awarded.text);
    id
}

fn contract_body(project_id: &str, price_fen: i64) -> Value {
    json!({"project_id": project_id, "term_start": "2025-04-01", "term_end": "2026-03-31", "services": [{"service_code": "meals", "quantity": 1000}],
        "quality_standards": "准时率98%", "price_fen": price_fen, "settlement_method": "按季结算", "rights_and_obligations": "按约履行", "breach_liability": "按比例扣减",
        "instalments": [{"kind": "advance", "share_bp": 3000, "released_by": "signing"}, {"kind": "progress", "share_bp": 3000, "released_by": "mid_term_evaluation"},
            {"kind": "final", "share_bp": 4000, "released_by": "acceptance"}]})
}

#[actix_web::test]
async fn contracts_bind_their_provider_keep_books_and_cap_payments() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    account(&app, &admin).await;
    let provider = register_provider(&app, &admin, 31, "social_organization", true).await;
    let project_id = awarded_to(&app, &admin, &provider, 90_000).await;
    let too_high = app.post_json("/api/v1/contracts", Some(&admin), &contract_body(&project_id, 95_000)).await;
    too_high.assert_problem(422, "contract_price_too_high");
    assert_eq!(too_high.body["details"]["bid_price_fen"], 90_000);
    let mut missing = contract_body(&project_id, 90_000);
    missing.as_object_mut().unwrap().remove("breach_liability");
    assert_eq!(app.post_json("/api/v1/contracts", Some(&admin), &missing).await.body["errors"][0]["field"], "breach_liability");
    let signed = app.post_json("/api/v1/contracts", Some(&admin), &contract_body(&project_id, 90_000)).await;
    assert_eq!((signed.status, signed.body["provider_id"].as_str()), (201, Some(provider.as_str())), "{}", signed.text);
    let contract = signed.body["id"].as_str().unwrap().to_string();
    assert_eq!(app.get(&format!("/api/v1/procurement-projects/{project_id}"), Some(&admin)).await.body["status"], "contracted");

    app.add_user(&admin, "provider.31", "provider", "640202", json!({"provider_id": provider})).await;
    let own = app.login("provider.31", "password-1234").await;
    let entry = app
        .post_json(
            &format!("/api/v1/contracts/{contract}/ledger"),
            Some(&own),
            &json!({"kind": "service_delivered", "service_code": "meals", "quantity": 310}),
        )
        .await;
    assert_eq!(entry.status, 201, "{}", entry.text);
    app.post_json(&format!("/api/v1/contracts/{contract}/payments"), Some(&own), &json!({"kind": "advance", "amount_fen": 10}))
        .await
        .assert_problem(403, "forbidden");
    let visit = app
        .post_json(&format!("/api/v1/contracts/{contract}/supervisions"), Some(&admin), &json!({"kind": "site_visit", "note": "达标"}))
        .await;
    assert_eq!(visit.status, 201);
    assert_eq!(
        app.post_json(&format!("/api/v1/contracts/{contract}/supervisions"), Some(&admin), &json!({"kind": "party"})).await.body["errors"]
            [0]["code"],
        "kind_unknown"
    );
    // The settlement term: 30 % on signing, 30 % after a passed mid-term evaluation, the balance after acceptance.
    let payments = format!("/api/v1/contracts/{contract}/payments");
    let pay = |kind: &'static str, amount_fen: i64| {
        let (app, payments, admin) = (&app, &payments, &admin);
        async move { app.post_json(payments, Some(admin), &json!({"kind": kind, "amount_fen": amount_fen})).await }
    };
    pay("advance", 90_001).await.assert_problem(422, "payment_exceeds_contract");
    let ahead = pay("advance", 60_000).await;
    ahead.assert_problem(422, "payment_not_released");
    assert_eq!((ahead.body["details"]["released_fen"].as_i64(), ahead.body["details"]["paid_fen"].as_i64()), (Some(27_000), Some(0)));
    assert_eq!(pay("advance", 27_000).await.status, 201);
    pay("advance", 1).await.assert_problem(422, "payment_not_released");
    let progress = pay("progress", 40_000).await;
    progress.assert_problem(422, "payment_not_released");
    assert_eq!(progress.body["details"]["released_fen"], 0, "no mid-term evaluation has passed: {}", progress.text);
    pay("final", 30_000).await.assert_problem(422, "acceptance_required");
    let reread = app.get(&format!("/api/v1/contracts/{contract}"), Some(&own)).await;
    assert_eq!(reread.body["paid_fen"], 27_000);
    let listed = app.get("/api/v1/contracts", Some(&own)).await;
    assert_eq!(listed.body["items"][0]["paid_fen"], 27_000, "a list sums the payments as a read does: {}", listed.text);
    assert_eq!(reread.body["instalments"][1]["released_by"], "mid_term_evaluation");
    let ledger = app.get(&format!("/api/v1/contracts/{contract}/entries?book=ledger"), Some(&admin)).await;
    assert_eq!(ledger.body["items"].as_array().unwrap().len(), 1, "{}", ledger.text);
}

#[actix_web::test]
async fn a_sanction_bars_for_three_years_and_terminates_that_years_contracts() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    account(&app, &admin).await;
    let provider = register_provider(&app, &admin, 41, "enterprise", true).await;
    let project_id = awarded_to(&app, &admin, &provider, 80_000).await;
    let contract = app.post_json("/api/v1/contracts", Some(&admin), &contract_body(&project_id, 80_000)).await.body;
    let decided = app
        .post_json(
            &format!("/api/v1/providers/{provider}/sanctions"),
            Some(&admin),
            &json!({"reason": "fraud", "evidence": "虚报服务记录", "decided_on": "2025-06-01"}),
        )
        .await;
    assert_eq!(decided.status, 201, "{}", decided.text);
    assert_eq!(decided.body["barred_until"], "2028-06-01");
    assert_eq!(decided.body["terminated_contracts"][0], contract["id"]);
    assert_eq!(
        app.get(&format!("/api/v1/contracts/{}", contract["id"].as_str().unwrap()), Some(&admin)).await.body["status"],
        "terminated"
    );
    assert_eq!(app.get(&format!("/api/v1/procurement-projects/{project_id}"), Some(&admin)).await.body["status"], "terminated");
    assert_eq!(app.get(&format!("/api/v1/providers/{provider}"), Some(&admin)).await.body["barred_until"], "2028-06-01");
    // The terminated project released its money; a new one can be bought, but not from the barred provider.
    let next = app.post_json("/api/v1/procurement-projects", Some(&admin), &project(100_000, 2000)).await.body;
    let next_id = next["id"].as_str().unwrap();
    app.post_json_with(&format!("/api/v1/procurement-projects/{next_id}/publish"), Some(&admin), &json!({}), &[("If-Match", "\"1\"")])
        .await;
    let refused = app
        .post_json(
            &format!("/api/v1/procurement-projects/{next_id}/bids"),
            Some(&admin),
            &json!({"provider_id": provider, "price_fen": 1000, "proposal": "x", "services": ["meals"]}),
        )
        .await;
    refused.assert_problem(422, "provider_barred");
    let events = app.get("/api/v1/events?type=contract.terminated", Some(&admin)).await;
    assert_eq!(events.body["items"].as_array().unwrap().len(), 1);
}

/// A schema vendored in `tests/schemas/` (see its README for the sources).
pub fn vendored_schema(name: &str) -> Value {
    let path = format!("{}/schemas/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[actix_web::test]
async fn the_ocds_release_package_validates_against_the_standard() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (project, contract, _) = app.contracted_project(&admin, 71).await;
    let signed = app.get(&format!("/api/v1/procurement-projects/{project}/ocds"), Some(&admin)).await;
    let unchanged = app.get(&format!("/api/v1/procurement-projects/{project}/ocds"), Some(&admin)).await;
    assert_eq!(signed.body["releases"][0]["id"], unchanged.body["releases"][0]["id"], "the same release, the same id");
    app.post_json(&format!("/api/v1/contracts/{contract}/payments"), Some(&admin), &json!({"kind": "advance", "amount_fen": 30_000})).await;
    let package = app.get(&format!("/api/v1/procurement-projects/{project}/ocds"), Some(&admin)).await;
    assert_eq!(package.status, 200, "{}", package.text);
    let release = &package.body["releases"][0];
    assert_ne!(release["id"], signed.body["releases"][0]["id"], "a payment makes a new release, with a new id");
    assert!(release["id"].as_str().unwrap().starts_with(&format!("{project}-")));
    assert!(release["date"].as_str().unwrap() >= signed.body["releases"][0]["date"].as_str().unwrap());
    assert_eq!(release["ocid"], format!("ocds-jz0000-{project}"));
    assert_eq!(release["tag"], json!(["planning", "tender", "award", "contract", "implementation"]));
    assert_eq!(
        (release["tender"]["procurementMethod"].as_str(), release["tender"]["procurementMethodDetails"].as_str()),
        (Some("limited"), Some("竞争性磋商"))
    );
    assert_eq!(release["tender"]["awardCriteria"], "ratedCriteria");
    assert_eq!(release["contracts"][0]["implementation"]["transactions"][0]["value"]["amount"], 300.0);
    assert_eq!(release["buyer"]["name"], "大武口区民政局", "the buyer is named by its region: {}", package.text);
    assert_eq!(release["tender"]["mainProcurementCategory"], "services");
    assert_eq!(release["tender"]["items"][0]["classification"]["id"], "meals", "{}", package.text);
    assert!(release["tender"].get("eligibilityCriteria").is_none(), "no requirements, no empty field: {}", package.text);
    assert!(release["awards"][0]["date"].is_string() && release["contracts"][0]["dateSigned"].is_string(), "{}", package.text);
    assert_eq!(release["awards"][0]["relatedBid"], release["bids"]["details"][0]["id"]);
    let scored = &release["bids"]["details"][0];
    assert_eq!((scored["status"].as_str(), scored["evaluation"]["rank"].as_u64()), (Some("valid"), Some(1)), "{scored}");
    assert!(scored["evaluation"]["totalScore"].as_f64().unwrap() > 0.0, "{scored}");
    let roles = |id: &Value| -> Vec<String> {
        let party = release["parties"].as_array().unwrap().iter().find(|p| &p["id"] == id).unwrap_or_else(|| panic!("no party {id}"));
        party["roles"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect()
    };
    assert_eq!(roles(&release["buyer"]["id"]), ["buyer", "procuringEntity", "payer"]);
    assert_eq!(roles(&release["awards"][0]["suppliers"][0]["id"]), ["tenderer", "supplier", "payee"]);
    assert_eq!(package.body["license"], "https://creativecommons.org/licenses/by/4.0/");
    let policy = package.body["publicationPolicy"].as_str().unwrap();
    assert!(policy.ends_with("/api/v1/public/ocds/publication-policy"), "{policy}");
    assert!(app.get("/api/v1/public/ocds/publication-policy", None).await.text.contains("What is left out"));
    assert_valid_ocds(&package.body);
    // The same package for everyone: no token needed, nothing more or less but the time it was read.
    let public = app.get(&format!("/api/v1/public/procurement-projects/{project}/ocds"), None).await;
    assert_eq!(public.body["releases"], package.body["releases"], "{}", public.text);
    let draft = app.post_json("/api/v1/procurement-projects", Some(&admin), &self::project(50_000, 2000)).await.body;
    let unpublished = app.get(&format!("/api/v1/public/procurement-projects/{}/ocds", draft["id"].as_str().unwrap()), None).await;
    unpublished.assert_problem(404, "not_found");
}

/// RFC 7386 JSON Merge Patch, as OCDS applies an extension to the release schema.
fn merge_patch(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(target), Some(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(key);
                } else {
                    merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

/// The OCDS 1.1.5 release schema with the package's extensions applied: the
/// bids extension (vendored) and jiuzhu's bid evaluation extension (its own
/// files in the procurement crate).
fn extended_release_schema() -> Value {
    let mut schema = vendored_schema("ocds-1.1.5-release-schema.json");
    merge_patch(&mut schema, &vendored_schema("ocds-1.1.5-bids-extension-release-schema.json"));
    let own = format!("{}/../crates/procurement/schemas/ocds_bid_evaluation_extension/release-schema.json", env!("CARGO_MANIFEST_DIR"));
    merge_patch(&mut schema, &serde_json::from_str(&std::fs::read_to_string(own).unwrap()).unwrap());
    schema
}

/// Validates a release package and its releases against the vendored OCDS
/// 1.1.5 schemas: the core release schema as published (dereferenced), and
/// the same schema extended by the package's two extensions.
pub fn assert_valid_ocds(package: &Value) {
    let release = &package["releases"][0];
    let release_schema = jsonschema::draft4::new(&vendored_schema("ocds-1.1.5-dereferenced-release-schema.json")).unwrap();
    let errors: Vec<String> = release_schema.iter_errors(release).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "release errors: {errors:#?}");
    let mut broken = release.clone();
    broken["tag"] = json!(["not_a_tag"]);
    assert!(!release_schema.is_valid(&broken), "the validator does reject a bad release");
    let extended = jsonschema::draft4::new(&extended_release_schema()).unwrap();
    let errors: Vec<String> = extended.iter_errors(release).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "release errors under the extensions: {errors:#?}");
    if let Some(bid) = release["bids"]["details"].as_array().and_then(|bids| bids.first()) {
        let mut broken = release.clone();
        broken["bids"]["details"][0]["status"] = json!(42);
        assert!(!extended.is_valid(&broken), "the bids extension is applied: a bid's status is a string");
        if bid.get("evaluation").is_some() {
            broken = release.clone();
            broken["bids"]["details"][0]["evaluation"]["rank"] = json!(0);
            assert!(!extended.is_valid(&broken), "the bid evaluation extension is applied: ranks start at 1");
        }
    }
    let mut package_schema = vendored_schema("ocds-1.1.5-release-package-schema.json");
    package_schema["properties"]["releases"]["items"] = json!({});
    let package_validator = jsonschema::draft4::new(&package_schema).unwrap();
    let errors: Vec<String> = package_validator.iter_errors(package).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "package errors: {errors:#?}");
}

/// Every effect of a sanction stays inside the decider's region: a county
/// ends only its own contracts and orders, and only the city bars.
#[actix_web::test]
async fn a_countys_sanction_reaches_only_its_own_contracts_and_bars_no_one() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    account(&app, &admin).await;
    let provider = register_provider(&app, &admin, 42, "enterprise", true).await;
    let project_id = awarded_to(&app, &admin, &provider, 80_000).await;
    let contract = app.post_json("/api/v1/contracts", Some(&admin), &contract_body(&project_id, 80_000)).await.body;
    let contract_path = format!("/api/v1/contracts/{}", contract["id"].as_str().unwrap());
    app.add_user(&admin, "county.205", "county_officer", "640205", json!({})).await;
    app.add_user(&admin, "county.202", "county_officer", "640202", json!({})).await;
    let (other, own) = (app.login("county.205", "password-1234").await, app.login("county.202", "password-1234").await);
    let finding = json!({"reason": "fraud", "evidence": "虚报服务记录", "decided_on": "2025-06-01"});
    let sanctions = format!("/api/v1/providers/{provider}/sanctions");

    let elsewhere = app.post_json(&sanctions, Some(&other), &finding).await;
    assert_eq!(elsewhere.status, 201, "{}", elsewhere.text);
    assert_eq!(
        (&elsewhere.body["terminated_contracts"], &elsewhere.body["barred_until"]),
        (&json!([]), &Value::Null),
        "{}",
        elsewhere.text
    );
    assert_eq!(app.get(&contract_path, Some(&admin)).await.body["status"], "active", "640202's contract is not 640205's to end");
    assert_eq!(app.get(&format!("/api/v1/providers/{provider}"), Some(&admin)).await.body["barred_until"], Value::Null);

    let here = app.post_json(&sanctions, Some(&own), &finding).await;
    assert_eq!(here.body["terminated_contracts"][0], contract["id"], "{}", here.text);
    assert_eq!((here.body["barred_until"].clone(), here.body["region_code"].as_str()), (Value::Null, Some("640202")));
    assert_eq!(app.get(&contract_path, Some(&admin)).await.body["status"], "terminated");
    assert_eq!(
        app.get(&format!("/api/v1/providers/{provider}"), Some(&admin)).await.body["barred_until"],
        Value::Null,
        "only the city bars"
    );

    // A provider registered in 640202 is not 640205's to judge at all.
    let local = json!({"name": "大武口本地机构", "credit_code": credit_code(43), "org_type": "enterprise", "eligible_for_purchase": true,
        "service_codes": ["meals"], "service_regions": ["640202"], "monthly_capacity": {"meals": 10}, "contact": {"name": "联系人"}});
    let local = app.post_json("/api/v1/providers", Some(&own), &local).await;
    assert_eq!(local.status, 201, "{}", local.text);
    let path = format!("/api/v1/providers/{}/sanctions", local.body["id"].as_str().unwrap());
    app.post_json(&path, Some(&other), &finding).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn the_bids_of_a_project_outside_scope_are_not_found() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    account(&app, &admin).await;
    let provider = register_provider(&app, &admin, 44, "enterprise", true).await;
    let project_id = awarded_to(&app, &admin, &provider, 80_000).await;
    app.add_user(&admin, "county.far", "county_officer", "640205", json!({})).await;
    let far = app.login("county.far", "password-1234").await;
    app.get(&format!("/api/v1/procurement-projects/{project_id}"), Some(&far)).await.assert_problem(404, "not_found");
    app.get(&format!("/api/v1/procurement-projects/{project_id}/bids"), Some(&far)).await.assert_problem(404, "not_found");
    let own = app.get(&format!("/api/v1/procurement-projects/{project_id}/bids"), Some(&admin)).await;
    assert_eq!(own.body["items"].as_array().map_or_else(|| own.body.as_array().unwrap().len(), Vec::len), 1, "{}", own.text);
}

/// A contract buys its project's services and writes out every term; its
/// ledger names its services.
#[actix_web::test]
async fn a_contract_covers_its_projects_services_with_every_term_written() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    account(&app, &admin).await;
    let provider = register_provider(&app, &admin, 32, "social_organization", true).await;
    let project_id = awarded_to(&app, &admin, &provider, 90_000).await;
    let mut wider = contract_body(&project_id, 90_000);
    wider["services"] = json!([{"service_code": "meals", "quantity": 1000}, {"service_code": "cleaning", "quantity": 10}]);
    let refused = app.post_json("/api/v1/contracts", Some(&admin), &wider).await;
    assert_eq!(
        (refused.status, refused.body["errors"][0]["field"].as_str(), refused.body["errors"][0]["code"].as_str()),
        (422, Some("services[1].service_code"), Some("service_outside_project")),
        "{}",
        refused.text
    );
    let mut blank = contract_body(&project_id, 90_000);
    blank["quality_standards"] = json!(" ");
    blank["breach_liability"] = json!(" ");
    let refused = app.post_json("/api/v1/contracts", Some(&admin), &blank).await;
    let fields: Vec<(&str, &str)> =
        refused.body["errors"].as_array().unwrap().iter().map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap())).collect();
    assert_eq!(fields, [("quality_standards", "blank"), ("breach_liability", "blank")], "{}", refused.text);
    let signed = app.post_json("/api/v1/contracts", Some(&admin), &contract_body(&project_id, 90_000)).await;
    assert_eq!(signed.status, 201, "{}", signed.text);
    let ledger = format!("/api/v1/contracts/{}/ledger", signed.body["id"].as_str().unwrap());
    let outside =
        app.post_json(&ledger, Some(&admin), &json!({"kind": "service_delivered", "service_code": "cleaning", "quantity": 3})).await;
    assert_eq!(outside.body["errors"][0]["code"], "service_outside_contract", "{}", outside.text);
    let unnamed = app.post_json(&ledger, Some(&admin), &json!({"kind": "service_delivered", "quantity": 3})).await;
    assert_eq!(
        (unnamed.body["errors"][0]["field"].as_str(), unnamed.body["errors"][0]["code"].as_str()),
        (Some("service_code"), Some("required"))
    );
    assert_eq!(
        app.post_json(&ledger, Some(&admin), &json!({"kind": "service_delivered", "service_code": "meals", "quantity": 3})).await.status,
        201
    );
}
