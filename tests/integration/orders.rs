//! Service orders: contracts bind providers, material assistance is not
//! repeated, and an order runs its whole life.

use jiuzhu_tests::{TestApp, credit_code, id_born, scores, spawn_app};
use serde_json::{Value, json};

struct World {
    admin: String,
    contracted: String,
    other: String,
    contract: String,
    person: String,
}

async fn world(app: &TestApp) -> World {
    let admin = app.admin_token().await;
    for (code, name) in [("640202001", "长胜街道"), ("640202001001", "骏马社区居委会")] {
        app.add_region(&admin, code, name).await;
    }
    let provider = |n: u32| {
        json!({"name": format!("机构{n}"), "credit_code": credit_code(n), "org_type": "social_organization", "service_codes": ["meals", "bathing"],
        "service_regions": ["640202"], "monthly_capacity": {"meals": 1000, "bathing": 100}, "contact": {"name": "联系人"}})
    };
    let contracted = app.post_json("/api/v1/providers", Some(&admin), &provider(51)).await.body["id"].as_str().unwrap().to_string();
    let other = app.post_json("/api/v1/providers", Some(&admin), &provider(52)).await.body["id"].as_str().unwrap().to_string();
    app.post_json(
        "/api/v1/fund-accounts",
        Some(&admin),
        &json!({"region_code": "640202", "year": 2025, "prior_year_assistance_total_fen": 10_000_000,
            "sources": [{"source": "fiscal_assistance", "amount_fen": 250_000}, {"source": "donation", "amount_fen": 50_000}]}),
    )
    .await;
    let project = app
        .post_json(
            "/api/v1/procurement-projects",
            Some(&admin),
            &json!({"title": "助餐", "region_code": "640202", "year": 2025, "service_codes": ["meals"], "beneficiary_count": 10,
        "budget_fen": 100_000, "funding": [{"source": "fiscal_assistance", "amount_fen": 100_000}], "method": "competitive_consultation",
        "evaluation_criteria": {"price_bp": 2000, "capability_bp": 4000, "quality_bp": 4000, "other_bp": 0}}),
        )
        .await
        .body;
    let pid = project["id"].as_str().unwrap().to_string();
    let go = |action: &str, version: &str| (format!("/api/v1/procurement-projects/{pid}/{action}"), version.to_string());
    let (path, v) = go("publish", "\"1\"");
    app.post_json_with(&path, Some(&admin), &json!({}), &[("If-Match", &v)]).await;
    let bid = app
        .post_json(
            &format!("/api/v1/procurement-projects/{pid}/bids"),
            Some(&admin),
            &json!({"provider_id": contracted, "price_fen": 90_000, "proposal": "方案", "services": ["meals"]}),
        )
        .await
        .body;
    let panel = app.seat_panel(&admin, &pid, 2, 3).await;
    let (path, v) = go("close-bidding", "\"3\"");
    app.post_json_with(&path, Some(&admin), &json!({}), &[("If-Match", &v)]).await;
    app.panel_scores(&panel, &pid, bid["id"].as_str().unwrap(), &json!({"capability": 80, "quality": 80, "other": 80})).await;
    let (path, v) = go("award", "\"4\"");
    app.post_json_with(&path, Some(&admin), &json!({}), &[("If-Match", &v)]).await;
    let contract = app.post_json("/api/v1/contracts", Some(&admin), &json!({"project_id": pid, "term_start": "2025-04-01", "term_end": "2026-03-31",
        "services": [{"service_code": "meals", "quantity": 1000}], "quality_standards": "准时", "price_fen": 90_000, "settlement_method": "按季",
        "instalments": [{"kind": "advance", "share_bp": 5000, "released_by": "signing"}, {"kind": "final", "share_bp": 5000, "released_by": "acceptance"}],
        "rights_and_obligations": "履约", "breach_liability": "扣减"})).await;
    assert_eq!(contract.status, 201, "{}", contract.text);
    let person = app
        .post_json(
            "/api/v1/beneficiaries",
            Some(&admin),
            &json!({"name": "张秀兰", "id_number": id_born("1944-03-01", 1), "region_code": "640202001001",
        "categories": [{"category": "subsistence_allowance", "valid_from": "2024-01-01"}]}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    World { admin, contracted, other, contract: contract.body["id"].as_str().unwrap().to_string(), person }
}

fn order(w: &World, provider: &str, contract: Option<&str>) -> Value {
    json!({"beneficiary_id": w.person, "service_code": "meals", "provider_id": provider, "contract_id": contract, "scheduled_for": "2025-04-02", "quantity": 30})
}

#[actix_web::test]
async fn purchased_services_go_only_to_the_contract_holder() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let subcontracted = app.post_json("/api/v1/service-orders", Some(&w.admin), &order(&w, &w.other, Some(&w.contract))).await;
    subcontracted.assert_problem(422, "subcontracting_prohibited");
    let without = app.post_json("/api/v1/service-orders", Some(&w.admin), &order(&w, &w.contracted, None)).await;
    assert_eq!(without.body["errors"][0]["code"], "contract_required");
    let mut wrong_service = order(&w, &w.contracted, Some(&w.contract));
    wrong_service["service_code"] = json!("bathing");
    app.post_json("/api/v1/service-orders", Some(&w.admin), &wrong_service).await.assert_problem(422, "contract_scope");
    assert_eq!(app.post_json("/api/v1/service-orders", Some(&w.admin), &order(&w, &w.contracted, Some(&w.contract))).await.status, 201);
}

#[actix_web::test]
async fn services_covered_by_material_assistance_are_refused() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let centralized = app
        .post_json(
            "/api/v1/beneficiaries",
            Some(&w.admin),
            &json!({"name": "李", "id_number": id_born("1940-01-01", 2), "region_code": "640202001001",
        "categories": [{"category": "extreme_poverty", "support_mode": "centralized", "valid_from": "2024-01-01"}]}),
        )
        .await
        .body;
    let mut body = order(&w, &w.contracted, Some(&w.contract));
    body["beneficiary_id"] = centralized["id"].clone();
    let refused = app.post_json("/api/v1/service-orders", Some(&w.admin), &body).await;
    refused.assert_problem(422, "duplicate_of_material_assistance");
    assert_eq!(refused.body["details"]["covered_by"], "support:centralized");
    // Nor is anyone ranked for it: matching refuses before it ranks.
    let matched =
        app.post_json("/api/v1/matches", Some(&w.admin), &json!({"beneficiary_id": centralized["id"], "service_code": "meals"})).await;
    matched.assert_problem(422, "duplicate_of_material_assistance");
    assert_eq!(matched.body["details"]["covered_by"], "support:centralized");
    let control = app.post_json("/api/v1/matches", Some(&w.admin), &json!({"beneficiary_id": w.person, "service_code": "meals"})).await;
    assert!(!control.body["candidates"].as_array().unwrap().is_empty(), "{}", control.text);
}

#[actix_web::test]
async fn an_order_runs_its_whole_life_to_a_follow_up() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let created = app.post_json("/api/v1/service-orders", Some(&w.admin), &order(&w, &w.contracted, Some(&w.contract))).await;
    assert_eq!(created.body["status"], "assigned", "{}", created.text);
    let path = format!("/api/v1/service-orders/{}", created.body["id"].as_str().unwrap());
    let delivery = json!({"started_at": "2025-04-02T11:00:00Z", "ended_at": "2025-04-02T11:20:00Z", "worker": "刘师傅", "quantity": 1, "evidence": ["photo://1"]});
    app.post_json(&format!("{path}/deliveries"), Some(&w.admin), &delivery).await.assert_problem(422, "order_not_accepted");

    app.add_user(&w.admin, "provider.51", "provider", "640202", json!({"provider_id": w.contracted})).await;
    let provider = app.login("provider.51", "password-1234").await;
    assert_eq!(
        app.get("/api/v1/service-orders", Some(&provider)).await.body["items"].as_array().unwrap().len(),
        1,
        "the provider sees its order"
    );
    let accepted = app.post_json_with(&format!("{path}/accept"), Some(&provider), &json!({}), &[("If-Match", "\"1\"")]).await;
    assert_eq!(accepted.body["status"], "accepted", "{}", accepted.text);
    let mut backwards = delivery.clone();
    backwards["ended_at"] = json!("2025-04-02T10:00:00Z");
    assert_eq!(app.post_json(&format!("{path}/deliveries"), Some(&provider), &backwards).await.body["errors"][0]["code"], "date_order");
    assert_eq!(app.post_json(&format!("{path}/deliveries"), Some(&provider), &delivery).await.status, 201);
    app.post_json_with(&format!("{path}/start"), Some(&provider), &json!({}), &[("If-Match", "\"2\"")]).await;
    app.post_json(&format!("{path}/feedback"), Some(&provider), &json!({"satisfaction": 5, "channel": "online", "collected_by": "self"}))
        .await
        .assert_problem(403, "forbidden");
    let feedback = app
        .post_json(
            &format!("{path}/feedback"),
            Some(&w.admin),
            &json!({"satisfaction": 5, "comment": "准时", "channel": "phone", "collected_by": "协理员"}),
        )
        .await;
    assert_eq!(feedback.status, 201, "{}", feedback.text);
    let matched = app.post_json("/api/v1/matches", Some(&w.admin), &json!({"beneficiary_id": w.person, "service_code": "meals"})).await;
    let candidates = matched.body["candidates"].as_array().unwrap();
    let mine = &candidates[0];
    assert_eq!(
        (mine["id"].as_str(), mine["contract_id"].as_str()),
        (Some(w.contracted.as_str()), Some(w.contract.as_str())),
        "the contract's holder comes first"
    );
    assert!(candidates.iter().any(|c| c["id"] == w.other.as_str() && c["contract_id"].is_null()), "{}", matched.text);
    let reason = |candidate: &Value, code: &str| candidate["reasons"].as_array().unwrap().iter().find(|r| r["code"] == code).cloned();
    assert_eq!(reason(mine, "holds_contract").unwrap()["figures"]["contract_id"], w.contract.as_str());
    let satisfaction = reason(mine, "satisfaction").unwrap();
    assert_eq!(
        (satisfaction["figures"]["mean"].as_str(), satisfaction["zh"].as_str()),
        (Some("5.00"), Some("服务对象满意度")),
        "{satisfaction}"
    );
    let today = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()).date_naive();
    let mut this_month = order(&w, &w.contracted, Some(&w.contract));
    this_month["scheduled_for"] = json!(today);
    assert_eq!(app.post_json("/api/v1/service-orders", Some(&w.admin), &this_month).await.status, 201);
    let rematched = app.post_json("/api/v1/matches", Some(&w.admin), &json!({"beneficiary_id": w.person, "service_code": "meals"})).await;
    let mine = rematched.body["candidates"].as_array().unwrap().iter().find(|c| c["id"] == w.contracted.as_str()).unwrap();
    assert_eq!(reason(mine, "capacity_left").unwrap()["figures"]["left"], 970, "orders this month use capacity: {}", rematched.text);
    let done = app.post_json_with(&format!("{path}/complete"), Some(&provider), &json!({}), &[("If-Match", "\"3\"")]).await;
    assert_eq!(done.body["status"], "completed", "{}", done.text);
    let follow_ups = app.get("/api/v1/follow-ups", Some(&w.admin)).await;
    let task = &follow_ups.body["items"][0];
    assert_eq!((task["order_id"].as_str(), task["region_code"].as_str()), (created.body["id"].as_str(), Some("640202001001")));
    let one = app.get(&format!("/api/v1/follow-ups/{}", task["id"].as_str().unwrap()), Some(&w.admin)).await;
    assert_eq!((one.status, one.body["id"].clone()), (200, task["id"].clone()), "{}", one.text);
    assert_eq!(one.header("etag"), Some("\"1\""));
    let persons = app.get(&format!("/api/v1/service-orders?beneficiary_id={}", w.person), Some(&w.admin)).await;
    assert!(persons.body["items"].as_array().unwrap().iter().all(|o| o["beneficiary_id"] == w.person.as_str()), "{}", persons.text);
    assert!(!persons.body["items"].as_array().unwrap().is_empty());
    let under = app.get(&format!("/api/v1/service-orders?contract_id={}", w.contract), Some(&w.admin)).await;
    assert!(under.body["items"].as_array().unwrap().iter().all(|o| o["contract_id"] == w.contract.as_str()), "{}", under.text);
    // The provider finds its contract in a list, not only in the event feed.
    let contracts = app.get("/api/v1/contracts", Some(&provider)).await;
    assert_eq!(contracts.body["items"][0]["id"], w.contract.as_str(), "{}", contracts.text);
    assert_eq!(contracts.body["items"][0]["status"], "active");
    let none = app.get(&format!("/api/v1/contracts?provider_id={}", w.other), Some(&w.admin)).await;
    assert!(none.body["items"].as_array().unwrap().is_empty(), "{}", none.text);
    let project = contracts.body["items"][0]["project_id"].as_str().unwrap();
    let read = app.get(&format!("/api/v1/procurement-projects/{project}"), Some(&w.admin)).await;
    assert_eq!(read.body["contract_id"], w.contract.as_str(), "a project names its contract: {}", read.text);
    // An evaluation of the project reads what the contract's orders delivered.
    let mut accounts = Vec::new();
    for name in ["eval.one", "eval.two", "eval.three"] {
        accounts.push(app.add_user(&w.admin, name, "review_member", "640202", json!({})).await["id"].clone());
    }
    let members = json!([
        {"name": "张科长", "role": "assistance_staff", "professional_title": "intermediate", "accountant": false, "user_id": accounts[0]},
        {"name": "李会计", "role": "finance_staff", "professional_title": "intermediate", "accountant": true, "user_id": accounts[1]},
        {"name": "王大妈", "role": "beneficiary_rep", "professional_title": "none", "accountant": false, "user_id": accounts[2]}
    ]);
    let plan = json!({"standards": "合同标准", "methods": "查阅台帐", "schedule": "两周", "staff": "3人", "budget_fen": 50000, "risk_control": "回避"});
    let planned = app
        .post_json(
            "/api/v1/evaluations",
            Some(&w.admin),
            &json!({"project_id": project, "stage": "mid_term", "organizer": "purchaser_group", "members": members, "plan": plan}),
        )
        .await;
    assert_eq!(planned.status, 201, "{}", planned.text);
    let evidence = app.get(&format!("/api/v1/evaluations/{}/evidence", planned.body["id"].as_str().unwrap()), Some(&w.admin)).await;
    assert_eq!(
        (
            evidence.body["contracted_units"].as_i64(),
            evidence.body["delivered_units"].as_i64(),
            evidence.body["mean_satisfaction_x100"].as_i64(),
            evidence.body["follow_ups_scheduled"].as_i64(),
        ),
        (Some(1000), Some(1), Some(500), Some(1)),
        "{}",
        evidence.text
    );

    let follow_up = format!("/api/v1/follow-ups/{}/complete", task["id"].as_str().unwrap());
    let visit = json!({"notes": "送餐按时，老人满意"});
    app.post_json_with(&follow_up, Some(&provider), &visit, &[("If-Match", "\"1\"")]).await.assert_problem(403, "forbidden");
    app.post_json(&follow_up, Some(&w.admin), &visit).await.assert_problem(428, "if_match_required");
    app.post_json_with(&follow_up, Some(&w.admin), &json!({"notes": ""}), &[("If-Match", "\"1\"")])
        .await
        .assert_problem(422, "validation_failed");
    let visited = app.post_json_with(&follow_up, Some(&w.admin), &visit, &[("If-Match", "\"1\"")]).await;
    assert_eq!(
        (visited.status, visited.body["status"].as_str(), visited.body["version"].as_i64()),
        (200, Some("done"), Some(2)),
        "{}",
        visited.text
    );
    assert!(visited.body["visited_at"].is_string() && visited.body["notes"] == "送餐按时，老人满意");
    app.post_json_with(&follow_up, Some(&w.admin), &visit, &[("If-Match", "\"2\"")]).await.assert_problem(409, "follow_up_done");
    assert_eq!(app.get("/api/v1/follow-ups", Some(&w.admin)).await.body["items"], json!([]), "a recorded visit is no longer owed");
    let paid = app
        .post_json(&format!("/api/v1/contracts/{}/payments", w.contract), Some(&w.admin), &json!({"kind": "advance", "amount_fen": 45_000}))
        .await;
    assert_eq!(paid.status, 201, "{}", paid.text);

    let overview = app.get("/api/v1/reports/overview?region_code=640202", Some(&w.admin)).await;
    let figures = &overview.body;
    assert_eq!(figures["deliveries"], 1, "{figures}");
    assert_eq!(figures["satisfaction"], json!({"responses": 1, "average": 5.0}));
    assert_eq!(figures["follow_ups_by_status"], json!({"done": 1}));
    assert_eq!(figures["follow_ups_overdue"], 0);
    assert_eq!(
        figures["funds_by_year"],
        json!({"2025": {"accounts": 1, "cap_fen": 300_000, "committed_fen": 100_000, "paid_fen": 45_000,
            "sources_fen": {"donation": 50_000, "fiscal_assistance": 250_000}}}),
        "3% of 10,000,000 fen; the live project's fiscal money; the advance paid; the account's money by source"
    );
    assert_eq!(figures["evaluations_by_grade"], json!({"none": 1}), "an evaluation not yet graded counts under none, not as 0");
    assert_eq!(figures["beneficiaries_by_category"]["subsistence_allowance"], 1);
    assert_eq!(figures["beneficiaries_by_category"]["extreme_poverty"], 0);
    assert_eq!(figures["beneficiaries_by_group"]["elderly"], 1);
    let elsewhere = app.get("/api/v1/reports/overview?region_code=640205", Some(&w.admin)).await;
    assert_eq!((elsewhere.body["deliveries"].as_i64(), elsewhere.body["funds_by_year"].clone()), (Some(0), json!({})));
    assert_eq!(elsewhere.body["satisfaction"], json!({"responses": 0, "average": null}));

    // The pilot summary, with 长胜街道 marked as a key township.
    app.patch_json("/api/v1/regions/640202", &w.admin, &json!({"key_township": true}), Some("\"1\""))
        .await
        .assert_problem(422, "validation_failed");
    let marked = app.patch_json("/api/v1/regions/640202001", &w.admin, &json!({"key_township": true}), Some("\"1\"")).await;
    assert_eq!(
        (marked.status, marked.body["key_township"].as_bool(), marked.body["version"].as_i64()),
        (200, Some(true), Some(2)),
        "{}",
        marked.text
    );
    let summary = app.get("/api/v1/reports/pilot-summary?region_code=640202", Some(&w.admin)).await;
    assert_eq!(summary.status, 200, "{}", summary.text);
    let s = &summary.body;
    assert_eq!(s["key_townships"]["townships"], json!([{"code": "640202001", "name_zh": "长胜街道"}]));
    assert_eq!(
        (s["scale"]["orders"].as_i64(), s["scale"]["orders_completed"].as_i64(), s["scale"]["follow_ups_done"].as_i64()),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(s["key_townships"]["key"]["orders"], 2, "both orders are in the key township");
    assert_eq!(s["key_townships"]["rest"]["orders"], 0);
    let daily = s["by_service_category"].as_array().unwrap().iter().find(|c| c["category"] == "daily_living").unwrap();
    assert_eq!((daily["orders"].as_i64(), daily["orders_completed"].as_i64()), (Some(2), Some(1)), "meals are daily living");
    assert_eq!(s["problems"]["inspections"], 0);
    // Funds, government purchase and evaluation, as the plan's summary asks.
    assert_eq!(s["funds_by_year"], figures["funds_by_year"], "the same funds as the overview");
    assert_eq!(s["procurement"]["projects_by_method"], json!({"competitive_consultation": 1}));
    assert_eq!(s["procurement"]["budget_fen_by_method"], json!({"competitive_consultation": 100_000}));
    assert_eq!((s["procurement"]["contracts_by_status"].clone(), s["procurement"]["sanctions"].as_i64()), (json!({"active": 1}), Some(0)));
    assert_eq!(
        s["evaluation"],
        json!({"evaluations_by_grade": {"none": 1}, "appeals_by_status": {}}),
        "the planned evaluation, not yet graded"
    );
    assert!(s["generated_at"].is_string());
    let page = app.get("/api/v1/reports/pilot-summary?region_code=640202&format=html", Some(&w.admin)).await;
    assert_eq!(page.content_type(), "text/html; charset=utf-8");
    assert!(
        page.text.starts_with("<!doctype html>") && page.text.contains("<svg") && page.text.contains("长胜街道（640202001）"),
        "{}",
        page.text
    );
    for section in [
        "四、部门协同转办",
        "五、资金使用",
        "六、政府购买服务",
        "七、绩效评估",
        "八、存在问题",
        "size:A4",
        "counter(page)",
        "生成时间",
        "出具单位",
        "竞争性",
    ] {
        assert!(page.text.contains(section), "{section} is missing: {}", page.text);
    }
    assert!(
        page.text.contains("<td>3,000.00</td>") && page.text.contains("<td>450.00</td>"),
        "the cap and the advance in yuan: {}",
        page.text
    );
    assert!(
        page.text.contains("<td>社会捐赠</td><td>500.00</td>") && page.text.contains("<td>当年救助资金</td><td>2,500.00</td>"),
        "the account's sources, labelled, in yuan: {}",
        page.text
    );
    app.get("/api/v1/reports/pilot-summary?format=pdf", Some(&w.admin)).await.assert_problem(400, "bad_query");
    let feed = app.get("/api/v1/events?type=service_order.completed", Some(&provider)).await;
    assert_eq!(feed.body["items"].as_array().unwrap().len(), 1, "the provider's feed carries its order events");
    app.post_json_with(&format!("{path}/cancel"), Some(&w.admin), &json!({"reason": "x"}), &[("If-Match", "\"4\"")])
        .await
        .assert_problem(409, "invalid_transition");
}

#[actix_web::test]
async fn samples_are_reproducible_and_inspections_reach_the_contract_and_performance() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let created = app.post_json("/api/v1/service-orders", Some(&w.admin), &order(&w, &w.contracted, Some(&w.contract))).await;
    let path = format!("/api/v1/service-orders/{}", created.body["id"].as_str().unwrap());
    app.post_json_with(&format!("{path}/accept"), Some(&w.admin), &json!({}), &[("If-Match", "\"1\"")]).await;
    let mut deliveries = Vec::new();
    for day in 1..=9 {
        let d = json!({"started_at": format!("2025-04-{day:02}T11:00:00Z"), "ended_at": format!("2025-04-{day:02}T11:20:00Z"), "worker": "刘师傅", "quantity": 1});
        deliveries.push(app.post_json(&format!("{path}/deliveries"), Some(&w.admin), &d).await.body["id"].as_str().unwrap().to_string());
    }
    let draw = json!({"region_code": "640202", "from": "2025-04-01T00:00:00Z", "to": "2025-05-01T00:00:00Z", "size": 3, "seed": 20250501});
    let first = app.post_json("/api/v1/inspections/samples", Some(&w.admin), &draw).await;
    let second = app.post_json("/api/v1/inspections/samples", Some(&w.admin), &draw).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.body["frame_size"], 9);
    assert_eq!(first.body["delivery_ids"], second.body["delivery_ids"], "the same seed draws the same sample");
    assert_ne!(first.body["id"], second.body["id"], "each draw is stored");
    assert_eq!(first.body["delivery_ids"].as_array().unwrap().len(), 3);
    let picked = first.body["delivery_ids"][0].as_str().unwrap();
    let issue = app
        .post_json(
            "/api/v1/inspections",
            Some(&w.admin),
            &json!({"delivery_id": picked, "method": "unannounced_visit", "result": "issue_found", "findings": "晚到40分钟"}),
        )
        .await;
    assert_eq!(issue.body["contract_id"].as_str(), Some(w.contract.as_str()), "{}", issue.text);
    app.post_json(
        "/api/v1/inspections",
        Some(&w.admin),
        &json!({"delivery_id": deliveries[1], "method": "phone_survey", "result": "pass"}),
    )
    .await;
    let record = app.get(&format!("/api/v1/contracts/{}/entries?book=supervision", w.contract), Some(&w.admin)).await;
    let entries = record.body["items"].as_array().unwrap();
    assert!(entries.iter().any(|e| e["kind"] == "inspection:unannounced_visit:issue_found"), "{}", record.text);
    // The record pages like every list, across both of its sources.
    let mut walked = Vec::new();
    let mut path = format!("/api/v1/contracts/{}/entries?book=supervision&limit=1", w.contract);
    loop {
        let page = app.get(&path, Some(&w.admin)).await;
        assert!(page.body["items"].as_array().unwrap().len() <= 1, "{}", page.text);
        walked.extend(page.body["items"].as_array().unwrap().iter().map(|e| e["id"].clone()));
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/contracts/{}/entries?book=supervision&limit=1&cursor={cursor}", w.contract),
            None => break,
        }
    }
    assert_eq!(walked, entries.iter().map(|e| e["id"].clone()).collect::<Vec<_>>(), "page by page is the whole record, in order");
    assert!(walked.len() >= 2, "{}", record.text);
    let performance = app.get(&format!("/api/v1/providers/{}/performance", w.contracted), Some(&w.admin)).await;
    assert_eq!(
        (performance.body["deliveries"].as_u64(), performance.body["inspections"].as_u64()),
        (Some(9), Some(2)),
        "{}",
        performance.text
    );
    assert_eq!(performance.body["inspection_pass_rate_bp"], 5000);
}

async fn need_status(app: &TestApp, token: &str) -> String {
    app.get("/api/v1/needs?service_code=meals", Some(token)).await.body["items"][0]["status"].as_str().unwrap().to_string()
}

#[actix_web::test]
async fn orders_move_their_need_and_a_sanction_cancels_open_orders() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let scores = scores(&[("family_structure", 2)]);
    app.patch_json(&format!("/api/v1/beneficiaries/{}", w.person), &w.admin, &json!({"groups": ["living_alone"]}), Some("\"1\"")).await;
    app.post_json(
        "/api/v1/assessments",
        Some(&w.admin),
        &json!({"beneficiary_id": w.person, "assessed_on": "2025-03-05", "scores": scores}),
    )
    .await;
    let need = app.get("/api/v1/needs?service_code=meals", Some(&w.admin)).await.body["items"][0]["id"].as_str().unwrap().to_string();
    let mut body = order(&w, &w.contracted, Some(&w.contract));
    body["need_id"] = json!(need);
    let created = app.post_json("/api/v1/service-orders", Some(&w.admin), &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(need_status(&app, &w.admin).await, "matched");
    let path = format!("/api/v1/service-orders/{}", created.body["id"].as_str().unwrap());
    app.post_json_with(&format!("{path}/accept"), Some(&w.admin), &json!({}), &[("If-Match", "\"1\"")]).await;
    app.post_json_with(&format!("{path}/start"), Some(&w.admin), &json!({}), &[("If-Match", "\"2\"")]).await;
    assert_eq!(need_status(&app, &w.admin).await, "in_service");
    let sanction = app
        .post_json(
            &format!("/api/v1/providers/{}/sanctions", w.contracted),
            Some(&w.admin),
            &json!({"reason": "unfair_competition", "evidence": "串标", "decided_on": "2025-06-01"}),
        )
        .await;
    assert_eq!(sanction.body["cancelled_orders"], 1, "{}", sanction.text);
    assert_eq!(app.get(&path, Some(&w.admin)).await.body["status"], "cancelled");
    assert_eq!(need_status(&app, &w.admin).await, "open", "the need goes back on the list");
    // Each move is the need's own state change, with its event and audit row.
    let events = app.get("/api/v1/events?type=need.status_changed&limit=50", Some(&w.admin)).await;
    let moves: Vec<(String, String)> = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subject_id"] == need.as_str())
        .map(|e| (e["data"]["from"].as_str().unwrap().to_string(), e["data"]["to"].as_str().unwrap().to_string()))
        .collect();
    let expected = [("open", "matched"), ("matched", "in_service"), ("in_service", "open")].map(|(a, b)| (a.to_string(), b.to_string()));
    assert_eq!(moves, expected, "{}", events.text);
    let audited = app.get(&format!("/api/v1/audit-events?action=need.status_changed&entity_id={need}"), Some(&w.admin)).await;
    assert_eq!(audited.body["items"].as_array().unwrap().len(), 3, "{}", audited.text);
    let again = app.post_json("/api/v1/service-orders", Some(&w.admin), &order(&w, &w.contracted, Some(&w.contract))).await;
    again.assert_problem(422, "provider_barred");
    let matched = app.post_json("/api/v1/matches", Some(&w.admin), &json!({"beneficiary_id": w.person, "service_code": "meals"})).await;
    assert!(
        matched.body["candidates"].as_array().unwrap().iter().all(|c| c["id"] != w.contracted.as_str()),
        "a sanctioned provider is no longer proposed: {}",
        matched.text
    );
}

/// Orders to a provider stay within the monthly capacity it declared for
/// the service, counted over the month each order is scheduled in.
#[actix_web::test]
async fn orders_stay_within_the_providers_monthly_capacity() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let provider = app.get(&format!("/api/v1/providers/{}", w.contracted), Some(&w.admin)).await;
    let version = format!("\"{}\"", provider.body["version"].as_i64().unwrap());
    let smaller = json!({"monthly_capacity": {"meals": 40, "bathing": 100}});
    let patched = app.patch_json(&format!("/api/v1/providers/{}", w.contracted), &w.admin, &smaller, Some(&version)).await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    let april = order(&w, &w.contracted, Some(&w.contract));
    assert_eq!(app.post_json("/api/v1/service-orders", Some(&w.admin), &april).await.status, 201);
    let full = app.post_json("/api/v1/service-orders", Some(&w.admin), &april).await;
    full.assert_problem(422, "provider_capacity_exceeded");
    assert_eq!((full.body["details"]["monthly_capacity"].as_i64(), full.body["details"]["remaining"].as_i64()), (Some(40), Some(10)));
    let mut may = april.clone();
    may["scheduled_for"] = json!("2025-05-02");
    assert_eq!(app.post_json("/api/v1/service-orders", Some(&w.admin), &may).await.status, 201, "a new month, a new capacity");
}

/// What was bought bounds what is ordered and delivered: orders under a
/// contract stay within its quantity of the service (declined and cancelled
/// orders give theirs back), and a delivery has happened and stays within
/// its order; a settled contract takes no new order.
#[actix_web::test]
async fn orders_and_deliveries_stay_within_what_was_bought() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let mut too_many = order(&w, &w.contracted, Some(&w.contract));
    too_many["quantity"] = json!(1001);
    let refused = app.post_json("/api/v1/service-orders", Some(&w.admin), &too_many).await;
    refused.assert_problem(422, "contract_quantity_exceeded");
    assert_eq!((refused.body["details"]["contracted"].as_i64(), refused.body["details"]["remaining"].as_i64()), (Some(1000), Some(1000)));
    let mut most = order(&w, &w.contracted, Some(&w.contract));
    most["quantity"] = json!(980);
    let first = app.post_json("/api/v1/service-orders", Some(&w.admin), &most).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let over = app.post_json("/api/v1/service-orders", Some(&w.admin), &order(&w, &w.contracted, Some(&w.contract))).await;
    over.assert_problem(422, "contract_quantity_exceeded");
    assert_eq!(over.body["details"]["remaining"], 20);
    let path = format!("/api/v1/service-orders/{}", first.body["id"].as_str().unwrap());
    let cancelled =
        app.post_json_with(&format!("{path}/cancel"), Some(&w.admin), &json!({"reason": "改派"}), &[("If-Match", "\"1\"")]).await;
    assert_eq!(cancelled.body["status"], "cancelled", "{}", cancelled.text);
    let small = app.post_json("/api/v1/service-orders", Some(&w.admin), &order(&w, &w.contracted, Some(&w.contract))).await;
    assert_eq!(small.status, 201, "a cancelled order gives its quantity back: {}", small.text);

    app.add_user(&w.admin, "provider.51", "provider", "640202", json!({"provider_id": w.contracted})).await;
    let provider = app.login("provider.51", "password-1234").await;
    let path = format!("/api/v1/service-orders/{}", small.body["id"].as_str().unwrap());
    app.post_json_with(&format!("{path}/accept"), Some(&provider), &json!({}), &[("If-Match", "\"1\"")]).await;
    let ahead = (chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()) + chrono::Duration::days(3)).to_rfc3339();
    let future = json!({"started_at": ahead, "ended_at": ahead, "worker": "刘师傅", "quantity": 1});
    let refused = app.post_json(&format!("{path}/deliveries"), Some(&provider), &future).await;
    assert_eq!(
        (refused.status, refused.body["errors"][0]["field"].as_str(), refused.body["errors"][0]["code"].as_str()),
        (422, Some("ended_at"), Some("in_future"))
    );
    let delivery = |quantity: i32| json!({"started_at": "2025-04-02T11:00:00Z", "ended_at": "2025-04-02T11:20:00Z", "worker": "刘师傅", "quantity": quantity});
    app.post_json(&format!("{path}/deliveries"), Some(&provider), &delivery(100)).await.assert_problem(422, "delivery_exceeds_order");
    assert_eq!(app.post_json(&format!("{path}/deliveries"), Some(&provider), &delivery(29)).await.status, 201);
    let last = app.post_json(&format!("{path}/deliveries"), Some(&provider), &delivery(2)).await;
    last.assert_problem(422, "delivery_exceeds_order");
    assert_eq!(last.body["details"]["remaining"], 1);
}

/// An accepted application enters `in_service` when the first order for a
/// service it asked for starts; an application that asked for something
/// else stays accepted.
#[actix_web::test]
async fn an_application_is_in_service_once_its_service_starts() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let file = |service: &'static str| {
        let (app, w) = (&app, &w);
        async move {
            let body = json!({"channel": "walk_in", "beneficiary_id": w.person, "consent": {"given": true, "date": "2025-03-01", "method": "written"},
                "items": [{"kind": "service", "service_code": service}]});
            let filed = app.post_json("/api/v1/applications", Some(&w.admin), &body).await;
            assert_eq!(filed.status, 201, "{}", filed.text);
            let path = format!("/api/v1/applications/{}", filed.body["id"].as_str().unwrap());
            let accepted = app.post_json_with(&format!("{path}/accept"), Some(&w.admin), &json!({}), &[("If-Match", "\"1\"")]).await;
            assert_eq!(accepted.body["status"], "accepted", "{}", accepted.text);
            path
        }
    };
    let meals = file("meals").await;
    let bathing = file("bathing").await;
    let created = app.post_json("/api/v1/service-orders", Some(&w.admin), &order(&w, &w.contracted, Some(&w.contract))).await;
    let path = format!("/api/v1/service-orders/{}", created.body["id"].as_str().unwrap());
    let resolved = app.get(&meals, Some(&w.admin)).await.body;
    assert_eq!(resolved["items"][0]["resolution"]["how"], "order", "the meals asked for are ordered: {resolved}");
    assert_eq!(resolved["items"][0]["resolution"]["ref_id"], created.body["id"]);
    assert_eq!(resolved["version"], 3, "the resolution is a change of the application: its ETag moves");
    assert!(app.get(&bathing, Some(&w.admin)).await.body["items"][0]["resolution"].is_null());
    app.add_user(&w.admin, "provider.51", "provider", "640202", json!({"provider_id": w.contracted})).await;
    let provider = app.login("provider.51", "password-1234").await;
    app.post_json_with(&format!("{path}/accept"), Some(&provider), &json!({}), &[("If-Match", "\"1\"")]).await;
    assert_eq!(app.get(&meals, Some(&w.admin)).await.body["status"], "accepted", "an accepted order has not started");
    let started = app.post_json_with(&format!("{path}/start"), Some(&provider), &json!({}), &[("If-Match", "\"2\"")]).await;
    assert_eq!(started.body["status"], "in_progress", "{}", started.text);
    assert_eq!(app.get(&meals, Some(&w.admin)).await.body["status"], "in_service");
    assert_eq!(app.get(&bathing, Some(&w.admin)).await.body["status"], "accepted", "asked for another service");
    let events = app.get("/api/v1/events?type=application.service_started", Some(&w.admin)).await;
    assert_eq!(events.body["items"].as_array().unwrap().len(), 1, "{}", events.text);
}
