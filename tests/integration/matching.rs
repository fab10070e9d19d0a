//! The service project list, providers and volunteers.

use crate::procurement::vendored_schema;
use jiuzhu_tests::{TestApp, credit_code, id_born, scores, spawn_app};
use serde_json::{Value, json};

async fn setup(app: &TestApp) -> String {
    let admin = app.admin_token().await;
    for (code, name) in [("640202001", "甲街道"), ("640202001001", "甲社区")] {
        app.add_region(&admin, code, name).await;
    }
    admin
}

fn provider(n: u32, org_type: &str) -> Value {
    json!({"name": format!("服务中心{n}"), "credit_code": credit_code(n), "org_type": org_type, "service_codes": ["meals", "bathing"], "service_regions": ["640202"],
        "monthly_capacity": {"meals": 3000}, "qualifications": [{"kind": "登记证书", "number": "001", "expires_on": "2027-12-31"}], "contact": {"name": "李主任", "phone": "13912345678"}})
}

#[actix_web::test]
async fn the_catalogue_has_32_guidance_items_in_three_categories() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let catalogue = app.get("/api/v1/services", Some(&admin)).await;
    let items = catalogue.body.as_array().unwrap();
    assert_eq!(items.len(), 32);
    let count = |c: &str| items.iter().filter(|s| s["category"] == c).count();
    assert_eq!((count("care"), count("daily_living"), count("caring")), (12, 10, 10));
    assert_eq!(items[28]["code"], "policy_outreach");
    assert_eq!(items[28]["number"], 29);
    // HSDS 3: the list as an HSDS page of service_list entries, each service fully nested, all valid against the schemas.
    let hsds = app.get("/api/v1/services?format=hsds", Some(&admin)).await;
    let page = &hsds.body;
    assert_eq!(
        (page["total_items"].as_u64(), page["size"].as_u64(), page["total_pages"].as_u64(), page["page_number"].as_u64()),
        (Some(32), Some(32), Some(1), Some(1)),
        "{}",
        hsds.text
    );
    assert_eq!((page["first_page"].as_bool(), page["last_page"].as_bool(), page["empty"].as_bool()), (Some(true), Some(true), Some(false)));
    let first = &page["contents"][0];
    assert!(uuid::Uuid::parse_str(first["id"].as_str().unwrap()).is_ok());
    assert_eq!((first["name"].as_str(), first["status"].as_str()), (Some("走访探视"), Some("active")));
    let entry_schema = jsonschema::validator_for(&vendored_schema("hsds-3-compiled-service-list.json")).unwrap();
    let service_schema = jsonschema::validator_for(&vendored_schema("hsds-3-compiled-service.json")).unwrap();
    let mut errors = Vec::new();
    for entry in page["contents"].as_array().unwrap() {
        errors.extend(entry_schema.iter_errors(entry).map(|e| format!("list entry {}: {e} at {}", entry["name"], e.instance_path())));
    }
    for code in ["visits", "meals", "psychological_counselling"] {
        let nested = app.get(&format!("/api/v1/services/{code}?format=hsds"), Some(&admin)).await;
        assert_eq!(nested.status, 200, "{}", nested.text);
        errors.extend(service_schema.iter_errors(&nested.body).map(|e| format!("{code}: {e} at {}", e.instance_path())));
        let attributes = nested.body["attributes"].as_array().unwrap();
        let (category, own) = (&attributes[0]["taxonomy_term"], &attributes[1]["taxonomy_term"]);
        assert_eq!(own["code"], code, "{}", nested.text);
        assert_eq!(own["parent_id"], category["id"], "a service's term sits under its category's: {}", nested.text);
        assert!(attributes.iter().all(|a| a["link_id"] == nested.body["id"] && a["id"].is_string()), "{}", nested.text);
    }
    assert!(errors.is_empty(), "HSDS 3 errors: {errors:#?}");
    let mut broken = app.get("/api/v1/services/meals?format=hsds", Some(&admin)).await.body;
    broken["attributes"][0]["taxonomy_term"] = json!({"code": "daily_living", "vocabulary": "jiuzhu-service-category"});
    assert!(!service_schema.is_valid(&broken), "the validator rejects the old term shape (no id, name or description)");
    let plain = app.get("/api/v1/services/meals", Some(&admin)).await;
    assert_eq!((plain.body["code"].as_str(), plain.body.get("attributes")), (Some("meals"), None), "without format, jiuzhu's shape");
    let guidance = app.post_json_with("/api/v1/services/meals/deactivate", Some(&admin), &json!({}), &[("If-Match", "\"1\"")]).await;
    guidance.assert_problem(422, "guidance_item_protected");
    let mut local = json!({"code": "winter_heating_check", "category": "daily_living", "name_zh": "冬季取暖安全检查", "name_en": "Winter heating check", "unit": "per_visit", "government_funded": true});
    let no_basis = app.post_json("/api/v1/services", Some(&admin), &local).await;
    assert_eq!((no_basis.status, no_basis.body["errors"][0]["field"].as_str()), (422, Some("basic_need_basis")), "{}", no_basis.text);
    local["basic_need_basis"] = json!("独居老人冬季取暖安全，属基本生活需要");
    let added = app.post_json("/api/v1/services", Some(&admin), &local).await;
    assert_eq!((added.status, added.body["guidance"].as_bool()), (201, Some(false)), "{}", added.text);
    assert_eq!((added.body["approval"].as_str(), added.body["active"].as_bool()), (Some("pending"), Some(false)), "it waits for the city");
    app.post_json("/api/v1/services", Some(&admin), &local).await.assert_problem(409, "service_code_taken");
    let decision = json!({"approve": true, "note": "属基本生活需要"});
    let approval = "/api/v1/services/winter_heating_check/approval";
    app.post_json_with(approval, Some(&admin), &decision, &[("If-Match", "\"1\"")]).await.assert_problem(422, "separation_of_duties");
    app.add_user(&admin, "city.reviewer", "city_admin", "640200", json!({})).await;
    let reviewer = app.login("city.reviewer", "password-1234").await;
    let approved = app.post_json_with(approval, Some(&reviewer), &decision, &[("If-Match", "\"1\"")]).await;
    assert_eq!(
        (approved.body["approval"].as_str(), approved.body["active"].as_bool()),
        (Some("approved"), Some(true)),
        "{}",
        approved.text
    );
    app.post_json_with(approval, Some(&reviewer), &decision, &[("If-Match", "\"2\"")]).await.assert_problem(409, "not_pending");
    // A county proposes a government-funded item beyond basic living needs; the city refuses it, and it cannot be ordered.
    app.add_user(&admin, "county.catalogue", "county_officer", "640202", json!({})).await;
    let county = app.login("county.catalogue", "password-1234").await;
    let spa = json!({"code": "hot_spring_holiday", "category": "caring", "name_zh": "温泉疗养度假", "name_en": "Hot-spring holiday", "unit": "per_day",
        "government_funded": true, "basic_need_basis": "改善身心"});
    let proposed = app.post_json("/api/v1/services", Some(&county), &spa).await;
    assert_eq!(proposed.body["approval"], "pending", "{}", proposed.text);
    let spa_approval = "/api/v1/services/hot_spring_holiday/approval";
    let by_county =
        app.post_json_with(spa_approval, Some(&county), &json!({"approve": true, "note": "同意"}), &[("If-Match", "\"1\"")]).await;
    by_county.assert_problem(422, "city_approval_required");
    let refusal = json!({"approve": false, "note": "超出维持基本生活需要，不纳入政府购买"});
    let rejected = app.post_json_with(spa_approval, Some(&reviewer), &refusal, &[("If-Match", "\"1\"")]).await;
    assert_eq!(
        (rejected.body["approval"].as_str(), rejected.body["active"].as_bool()),
        (Some("rejected"), Some(false)),
        "{}",
        rejected.text
    );
    let off =
        app.post_json_with("/api/v1/services/winter_heating_check/deactivate", Some(&admin), &json!({}), &[("If-Match", "\"2\"")]).await;
    assert_eq!(off.body["active"], false);
    assert_eq!(app.get("/api/v1/services?active=true", Some(&admin)).await.body.as_array().unwrap().len(), 32);
}

#[actix_web::test]
async fn a_budget_funded_mass_organisation_cannot_be_registered_as_eligible() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let refused = app.post_json("/api/v1/providers", Some(&admin), &provider(1, "fiscally_funded_mass_organization")).await;
    refused.assert_problem(422, "provider_type_ineligible");
    let mut not_for_purchase = provider(1, "fiscally_funded_mass_organization");
    not_for_purchase["eligible_for_purchase"] = json!(false);
    assert_eq!(
        app.post_json("/api/v1/providers", Some(&admin), &not_for_purchase).await.status,
        201,
        "it may still be listed, not bought from"
    );
    let registered = app.post_json("/api/v1/providers", Some(&admin), &provider(2, "social_organization")).await;
    assert_eq!(registered.status, 201, "{}", registered.text);
    assert_eq!(registered.body["contact"]["phone"], "139****5678");
    app.post_json("/api/v1/providers", Some(&admin), &provider(2, "enterprise")).await.assert_problem(409, "credit_code_registered");
    let mut bad = provider(3, "enterprise");
    bad["credit_code"] = json!("91110000100010433M");
    bad["monthly_capacity"] = json!({"haircut": 10});
    let invalid = app.post_json("/api/v1/providers", Some(&admin), &bad).await;
    assert_eq!(invalid.body["errors"][0]["code"], "credit_code_checksum", "{}", invalid.text);
    let serving = app.get("/api/v1/providers?serves_region=640202001001&service_code=meals", Some(&admin)).await;
    assert_eq!(serving.body["items"].as_array().unwrap().len(), 2, "a county-wide provider serves its villages");
    // A provider account sees only itself.
    let id = registered.body["id"].as_str().unwrap();
    app.add_user(&admin, "provider.staff", "provider", "640202", json!({"provider_id": id})).await;
    let own = app.login("provider.staff", "password-1234").await;
    let seen = app.get("/api/v1/providers", Some(&own)).await;
    assert_eq!(seen.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(seen.body["items"][0]["id"], id);
    let patched = app
        .patch_json(&format!("/api/v1/providers/{id}"), &admin, &json!({"monthly_capacity": {"meals": 100, "bathing": 5}}), Some("\"1\""))
        .await;
    assert_eq!(patched.body["monthly_capacity"]["bathing"], 5, "{}", patched.text);
}

#[actix_web::test]
async fn volunteer_programmes_keep_their_rules_and_hours_accumulate() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let helper = |id: String, program: &str, healthy: bool| json!({"name": "王建国", "id_number": id, "region_code": "640202001001", "program": program, "skills": ["companionship"], "healthy_declared": healthy});
    let seventy = app.post_json("/api/v1/volunteers", Some(&admin), &helper(id_born("1955-01-01", 1), "sixty_helps_eighty", true)).await;
    seventy.assert_problem(422, "sixty_helps_eighty_age");
    let unhealthy = app.post_json("/api/v1/volunteers", Some(&admin), &helper(id_born("1962-06-01", 2), "sixty_helps_eighty", false)).await;
    unhealthy.assert_problem(422, "sixty_helps_eighty_health");
    let ok = app.post_json("/api/v1/volunteers", Some(&admin), &helper(id_born("1962-06-01", 3), "sixty_helps_eighty", true)).await;
    assert_eq!(ok.status, 201, "{}", ok.text);
    assert_eq!(ok.body["age"], 64);
    let stranger =
        app.post_json("/api/v1/volunteers", Some(&admin), &helper(id_born("1980-01-01", 4), "mutual_aid_low_income", false)).await;
    stranger.assert_problem(422, "mutual_aid_requires_beneficiary");
    let person = json!({"name": "刘强", "id_number": id_born("1980-01-01", 5), "region_code": "640202001001", "categories": [{"category": "subsistence_allowance", "valid_from": "2024-01-01"}]});
    assert_eq!(app.post_json("/api/v1/beneficiaries", Some(&admin), &person).await.status, 201);
    let mutual = app.post_json("/api/v1/volunteers", Some(&admin), &helper(id_born("1980-01-01", 5), "mutual_aid_low_income", false)).await;
    assert_eq!(mutual.status, 201, "{}", mutual.text);
    assert!(mutual.body["beneficiary_id"].is_string());
    let id = ok.body["id"].as_str().unwrap();
    for minutes in [90, 120] {
        let logged = app
            .post_json(
                &format!("/api/v1/volunteers/{id}/hours"),
                Some(&admin),
                &json!({"served_on": "2025-03-03", "minutes": minutes, "service_code": "companionship"}),
            )
            .await;
        assert_eq!(logged.status, 201, "{}", logged.text);
    }
    let ledger = app.get(&format!("/api/v1/volunteers/{id}/hours"), Some(&admin)).await;
    assert_eq!((ledger.body["total_minutes"].as_i64(), ledger.body["entries"].as_array().unwrap().len()), (Some(210), 2));
    let too_long =
        app.post_json(&format!("/api/v1/volunteers/{id}/hours"), Some(&admin), &json!({"served_on": "2025-03-03", "minutes": 2000})).await;
    assert_eq!(too_long.body["errors"][0]["field"], "minutes");
}

#[actix_web::test]
async fn matching_an_82_year_olds_meals_need_ranks_capacity_and_never_lists_the_barred() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let person = json!({"name": "张秀兰", "id_number": id_born("1944-03-01", 9), "region_code": "640202001001", "categories": [{"category": "subsistence_allowance", "valid_from": "2024-01-01"}], "groups": ["living_alone"]});
    let person = app.post_json("/api/v1/beneficiaries", Some(&admin), &person).await.body;
    let scores = scores(&[("family_structure", 2)]);
    let assessment = app
        .post_json(
            "/api/v1/assessments",
            Some(&admin),
            &json!({"beneficiary_id": person["id"], "assessed_on": "2025-03-05", "scores": scores}),
        )
        .await;
    assert_eq!(assessment.status, 201, "{}", assessment.text);
    let need = app.get("/api/v1/needs?service_code=meals", Some(&admin)).await.body["items"][0].clone();

    let with_capacity = app.post_json("/api/v1/providers", Some(&admin), &provider(11, "social_organization")).await.body;
    let mut no_capacity = provider(12, "enterprise");
    no_capacity["monthly_capacity"] = json!({"meals": 0});
    let no_capacity = app.post_json("/api/v1/providers", Some(&admin), &no_capacity).await.body;
    let barred = app.post_json("/api/v1/providers", Some(&admin), &provider(13, "enterprise")).await.body;
    use sea_orm::ConnectionTrait;
    app.db
        .conn()
        .execute_unprepared(&format!(
            "UPDATE providers SET barred_until = '2099-01-01' WHERE credit_code = '{}'",
            barred["credit_code"].as_str().unwrap()
        ))
        .await
        .unwrap();

    let matched = app.post_json("/api/v1/matches?explain=true", Some(&admin), &json!({"need_id": need["id"]})).await;
    assert_eq!(matched.status, 200, "{}", matched.text);
    let candidates = matched.body["candidates"].as_array().unwrap();
    assert_eq!(candidates[0]["id"], with_capacity["id"]);
    assert!(candidates[0]["reasons"].as_array().unwrap().iter().any(|r| r["code"] == "serves_county" && r["en"] == "serves the county"));
    let ids: Vec<&Value> = candidates.iter().map(|c| &c["id"]).collect();
    assert!(!ids.contains(&&barred["id"]) && !ids.contains(&&no_capacity["id"]));
    let excluded = matched.body["excluded"].as_array().unwrap();
    let barred_row = excluded.iter().find(|x| x["id"] == barred["id"]).unwrap();
    assert_eq!(
        (barred_row["reasons"][0]["code"].as_str(), barred_row["reasons"][0]["zh"].as_str()),
        (Some("barred"), Some("禁止参与政府购买服务期内"))
    );
    assert!(excluded.iter().any(|x| x["id"] == no_capacity["id"]));
    let quiet = app.post_json("/api/v1/matches", Some(&admin), &json!({"beneficiary_id": person["id"], "service_code": "meals"})).await;
    assert!(quiet.body.get("excluded").is_none());
    assert_eq!(quiet.body["candidates"], matched.body["candidates"], "matching is deterministic");
}

#[actix_web::test]
async fn batch_matching_assigns_within_capacity_deterministically() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let scores = scores(&[("family_structure", 2)]);
    for n in 0..3 {
        let person = json!({"name": format!("老人{n}"), "id_number": id_born("1944-03-01", 20 + n), "region_code": "640202001001",
            "categories": [{"category": "subsistence_allowance", "valid_from": "2024-01-01"}], "groups": ["living_alone"]});
        let person = app.post_json("/api/v1/beneficiaries", Some(&admin), &person).await.body;
        app.post_json(
            "/api/v1/assessments",
            Some(&admin),
            &json!({"beneficiary_id": person["id"], "assessed_on": "2025-03-05", "scores": scores}),
        )
        .await;
    }
    let mut one = provider(31, "social_organization");
    one["monthly_capacity"] = json!({"meals": 1});
    let mut two = provider(32, "enterprise");
    two["monthly_capacity"] = json!({"meals": 1});
    app.post_json("/api/v1/providers", Some(&admin), &one).await;
    app.post_json("/api/v1/providers", Some(&admin), &two).await;
    let first = app.post_json("/api/v1/matches/batch?region_code=640202", Some(&admin), &json!({})).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let meals: Vec<&Value> = first.body["proposals"].as_array().unwrap().iter().collect();
    let providers: std::collections::HashSet<&str> = meals.iter().map(|p| p["provider_id"].as_str().unwrap()).collect();
    assert_eq!(providers.len(), 2, "each provider takes one meals need: {}", first.text);
    assert!(!first.body["unassigned"].as_array().unwrap().is_empty(), "needs beyond capacity wait");
    let second = app.post_json("/api/v1/matches/batch?region_code=640202", Some(&admin), &json!({})).await;
    assert_eq!(first.body, second.body, "deterministic for the same data");
}

/// CSV exports neutralise cells a spreadsheet would run as formulas.
#[actix_web::test]
async fn a_service_named_like_a_formula_is_exported_as_text() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let trap = json!({"code": "formula_trap", "category": "daily_living", "name_zh": "=HYPERLINK(\"http://evil.example\",\"点我\")",
        "name_en": "@SUM(1+1)", "unit": "per_visit", "government_funded": false});
    assert_eq!(app.post_json("/api/v1/services", Some(&admin), &trap).await.status, 201);
    let export = app.get("/api/v1/exports/service-projects?category=daily_living&header=en", Some(&admin)).await;
    let line = export.text.lines().find(|l| l.contains("formula_trap")).unwrap();
    assert!(line.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"点我\"\")\",'@SUM(1+1),"), "{line}");
}
