//! Needs assessment: explained needs, exclusions, the model as data, and
//! the needs summary.

use jiuzhu_tests::{TestApp, id_born, scores, spawn_app, xlsx_sheet};
use serde_json::{Value, json};

async fn register(app: &TestApp, token: &str, id_number: &str, region: &str, category: Value) -> String {
    let body = json!({"name": "老人", "id_number": id_number, "region_code": region, "categories": [category], "groups": ["living_alone", "disabled"], "disability_level": 2});
    let reply = app.post_json("/api/v1/beneficiaries", Some(token), &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body["id"].as_str().unwrap().to_string()
}

async fn assess(app: &TestApp, token: &str, person: &str, levels: &[(&str, u8)]) -> Value {
    let reply = app
        .post_json(
            "/api/v1/assessments",
            Some(token),
            &json!({"beneficiary_id": person, "assessed_on": "2025-03-05", "scores": scores(levels)}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body
}

async fn setup(app: &TestApp) -> String {
    let admin = app.admin_token().await;
    for (code, name) in [("640202001", "甲街道"), ("640202001001", "甲社区"), ("640205100", "红果子镇"), ("640205100201", "红果子村")]
    {
        app.add_region(&admin, code, name).await;
    }
    admin
}

/// Two people assessed in 大武口区 and one in 惠农区; returns B, the second
/// person here, so a test can reassess them.
async fn two_counties_of_needs(app: &TestApp, admin: &str) -> String {
    let poor = json!({"category": "subsistence_allowance", "valid_from": "2024-01-01"});
    let here_a = register(app, admin, &id_born("1944-03-01", 3), "640202001001", poor.clone()).await;
    let here_b = register(app, admin, &id_born("1950-05-05", 4), "640202001001", poor.clone()).await;
    let elsewhere = register(app, admin, &id_born("1944-03-01", 5), "640205100201", poor).await;
    assess(app, admin, &here_a, &[("disability", 2), ("family_structure", 2)]).await;
    assess(app, admin, &here_b, &[("illness", 2)]).await;
    assess(app, admin, &elsewhere, &[("disability", 2), ("family_structure", 2)]).await;
    here_b
}

fn service_codes(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|n| n["service_code"].as_str().unwrap()).collect()
}

#[actix_web::test]
async fn an_82_year_old_living_alone_with_level_two_disability_gets_explained_needs() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let person = register(
        &app,
        &admin,
        &id_born("1944-03-01", 1),
        "640202001001",
        json!({"category": "extreme_poverty", "support_mode": "dispersed", "valid_from": "2024-01-01"}),
    )
    .await;
    let result = assess(&app, &admin, &person, &[("disability", 2), ("family_structure", 2)]).await;
    let needs = service_codes(&result["needs"]);
    for wanted in ["meals", "emergency_call", "bathing", "rehabilitation_training"] {
        assert!(needs.contains(&wanted), "{wanted} missing from {needs:?}");
    }
    let meals = result["needs"].as_array().unwrap().iter().find(|n| n["service_code"] == "meals").unwrap();
    assert_eq!(meals["because"]["rule_id"], "R03");
    assert_eq!(meals["because"]["indicator"], "family_structure");
    assert_eq!(meals["because"]["level"], 2);
    let bathing = result["needs"].as_array().unwrap().iter().find(|n| n["service_code"] == "bathing").unwrap();
    assert_eq!((bathing["because"]["indicator"].as_str(), bathing["priority"].as_str()), (Some("disability"), Some("high")));
    assert_eq!(result["hardship_types"], json!(["disability", "family_structure"]));
    assert_eq!(result["degree"], "general");
    assert_eq!(result["reassess_by"], "2026-03-05");
    assert!(result["excluded"].as_array().unwrap().is_empty());
    let listed = app.get("/api/v1/needs?service_code=meals&status=open", Some(&admin)).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    let need = &listed.body["items"][0];
    let one = app.get(&format!("/api/v1/needs/{}", need["id"].as_str().unwrap()), Some(&admin)).await;
    assert_eq!((one.status, one.body["service_code"].as_str()), (200, Some("meals")), "{}", one.text);
    assert_eq!(one.header("etag"), Some(format!("\"{}\"", need["version"]).as_str()));
    let persons = app.get(&format!("/api/v1/needs?beneficiary_id={}", need["beneficiary_id"].as_str().unwrap()), Some(&admin)).await;
    assert_eq!(persons.body["items"].as_array().unwrap().len(), result["needs"].as_array().unwrap().len(), "one person's needs");
    let nobody = app.get(&format!("/api/v1/needs?beneficiary_id={}", uuid::Uuid::nil()), Some(&admin)).await;
    assert!(nobody.body["items"].as_array().unwrap().is_empty());
    // The category is the catalogue's enumeration, filtered by its codes.
    assert_eq!(need["category"], "daily_living");
    let daily = app.get("/api/v1/needs?category=daily_living", Some(&admin)).await;
    let daily = daily.body["items"].as_array().unwrap().clone();
    assert!(daily.iter().any(|n| n["id"] == need["id"]) && daily.iter().all(|n| n["category"] == "daily_living"), "{daily:?}");
    let care = app.get("/api/v1/needs?category=care", Some(&admin)).await;
    assert!(care.body["items"].as_array().unwrap().iter().all(|n| n["category"] == "care" && n["id"] != need["id"]), "{}", care.text);
    let unknown = app.get("/api/v1/needs?category=meals", Some(&admin)).await;
    assert_eq!((unknown.status, unknown.body["code"].as_str()), (400, Some("bad_query")), "{}", unknown.text);
}

#[actix_web::test]
async fn centrally_supported_extreme_poverty_gets_no_meals_need_and_the_exclusion_is_recorded() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let person = register(
        &app,
        &admin,
        &id_born("1944-03-01", 2),
        "640202001001",
        json!({"category": "extreme_poverty", "support_mode": "centralized", "valid_from": "2024-01-01"}),
    )
    .await;
    let result = assess(&app, &admin, &person, &[("disability", 2), ("family_structure", 2)]).await;
    let needs = service_codes(&result["needs"]);
    assert!(!needs.contains(&"meals"), "{needs:?}");
    assert!(needs.contains(&"emergency_call"));
    let excluded = result["excluded"].as_array().unwrap();
    let meals = excluded.iter().find(|x| x["service_code"] == "meals").unwrap();
    assert_eq!((meals["exclusion_id"].as_str(), meals["rule_id"].as_str()), (Some("X01"), Some("R03")));
    assert!(meals["reason"].as_str().unwrap().contains("集中供养"));
    assert_eq!(app.get("/api/v1/needs?service_code=meals", Some(&admin)).await.body["items"].as_array().unwrap().len(), 0);
}

#[actix_web::test]
async fn the_needs_summary_counts_exactly_the_open_needs_of_a_county() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let here_b = two_counties_of_needs(&app, &admin).await;
    // A reassessment supersedes: B's earlier needs are withdrawn, not counted.
    let second = assess(&app, &admin, &here_b, &[("housing", 2)]).await;
    assert!(second["supersedes"].is_string());
    let history = format!("/api/v1/beneficiaries/{here_b}/assessments");
    let newest = app.get(&format!("{history}?order=desc&limit=1"), Some(&admin)).await;
    assert_eq!(newest.body["items"][0]["id"], second["id"], "newest first on asking: {}", newest.text);
    let cursor = newest.body["next_cursor"].as_str().unwrap();
    let older = app.get(&format!("{history}?order=desc&limit=1&cursor={cursor}"), Some(&admin)).await;
    assert_eq!(older.body["items"][0]["superseded_by"], second["id"], "{}", older.text);

    let county = app.get("/api/v1/needs/summary?region_code=640202&group_by=service", Some(&admin)).await;
    assert_eq!(county.status, 200, "{}", county.text);
    let counted: i64 = county.body["rows"].as_array().unwrap().iter().map(|r| r["count"].as_i64().unwrap()).sum();
    let mut open = 0;
    let mut cursor: Option<String> = None;
    loop {
        let page = app
            .get(
                &format!(
                    "/api/v1/needs?region_code=640202&status=open&limit=500{}",
                    cursor.as_ref().map(|c| format!("&cursor={c}")).unwrap_or_default()
                ),
                Some(&admin),
            )
            .await;
        open += page.body["items"].as_array().unwrap().len() as i64;
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(counted, open);
    assert_eq!(county.body["total_open"], open);
    let rows = county.body["rows"].as_array().unwrap();
    let count_of = |key: &str| rows.iter().find(|r| r["key"] == key).map(|r| r["count"].as_i64().unwrap()).unwrap_or(0);
    assert_eq!(count_of("meals"), 1, "only A in this county needs meals");
    assert_eq!(count_of("repairs"), 1, "B's current assessment");
    assert_eq!(count_of("medical_escort"), 0, "B's superseded needs are withdrawn");
    let by_region = app.get("/api/v1/needs/summary?region_code=640200&group_by=region", Some(&admin)).await;
    let regions: Vec<&str> = by_region.body["rows"].as_array().unwrap().iter().map(|r| r["key"].as_str().unwrap()).collect();
    assert_eq!(regions, ["640202", "640205"]);
    let by_group = app.get("/api/v1/needs/summary?region_code=640202&group_by=group", Some(&admin)).await;
    let living_alone = by_group.body["rows"].as_array().unwrap().iter().find(|r| r["key"] == "living_alone").unwrap();
    assert_eq!(living_alone["count"], open);
    app.add_user(&admin, "county.b", "county_officer", "640205", json!({})).await;
    let other = app.login("county.b", "password-1234").await;
    app.get("/api/v1/needs/summary?region_code=640202&group_by=service", Some(&other)).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn scores_and_models_are_validated() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let person =
        register(&app, &admin, &id_born("1944-03-01", 6), "640202001001", json!({"category": "marginal", "valid_from": "2024-01-01"}))
            .await;
    let mut partial = scores(&[]);
    partial.as_array_mut().unwrap().retain(|s| s["indicator"] != "housing");
    let missing = app
        .post_json("/api/v1/assessments", Some(&admin), &json!({"beneficiary_id": person, "assessed_on": "2025-03-05", "scores": partial}))
        .await;
    missing.assert_problem(422, "validation_failed");
    assert!(missing.body["errors"][0]["message"].as_str().unwrap().contains("housing"));
    let mut bad = scores(&[]);
    bad[0]["level"] = json!(5);
    bad[1]["indicator"] = json!("luck");
    let refused = app
        .post_json("/api/v1/assessments", Some(&admin), &json!({"beneficiary_id": person, "assessed_on": "2025-03-05", "scores": bad}))
        .await;
    let fields: Vec<&str> = refused.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"scores[0].level") && fields.contains(&"scores[1].indicator"), "{fields:?}");

    let current = app.get("/api/v1/assessment-models/current", Some(&admin)).await;
    assert_eq!(current.body["version"], 1);
    assert_eq!(current.body["dimensions"].as_array().unwrap().len(), 6);
    let mut model = current.body.clone();
    for key in ["version", "created_by", "created_at"] {
        model.as_object_mut().unwrap().remove(key);
    }
    model["dimensions"][0]["indicators"][0]["weight_bp"] = json!(1600);
    let unbalanced = app.post_json("/api/v1/assessment-models", Some(&admin), &model).await;
    unbalanced.assert_problem(422, "validation_failed");
    assert_eq!(unbalanced.body["errors"][0]["code"], "weights_sum");
    model["dimensions"][0]["indicators"][0]["weight_bp"] = json!(1500);
    model["thresholds"]["serious_from"] = json!(90);
    let published = app.post_json("/api/v1/assessment-models", Some(&admin), &model).await;
    assert_eq!((published.status, published.body["version"].as_i64()), (201, Some(2)), "{}", published.text);
    assert_eq!(app.get("/api/v1/assessment-models/1", Some(&admin)).await.body["thresholds"]["serious_from"], 100, "old versions stay");
    let later = assess(&app, &admin, &person, &[]).await;
    assert_eq!(later["model_version"], 2);
}

#[actix_web::test]
async fn an_assessment_resolves_free_text_application_items() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let person =
        register(&app, &admin, &id_born("1944-03-01", 7), "640202001001", json!({"category": "marginal", "valid_from": "2024-01-01"}))
            .await;
    let application = app
        .post_json(
            "/api/v1/applications",
            Some(&admin),
            &json!({"channel": "walk_in", "beneficiary_id": person, "consent": {"given": true, "date": "2025-03-01", "method": "written"},
        "items": [{"kind": "service", "description": "需要有人帮忙洗澡"}, {"kind": "service", "service_code": "meals"}]}),
        )
        .await;
    assert_eq!(application.status, 201, "{}", application.text);
    let assessment = assess(&app, &admin, &person, &[("disability", 2)]).await;
    let reread = app.get(&format!("/api/v1/applications/{}", application.body["id"].as_str().unwrap()), Some(&admin)).await;
    assert_eq!(reread.body["items"][0]["resolved_by_assessment"], assessment["id"]);
    assert_eq!(reread.body["items"][0]["resolution"]["how"], "assessment");
    // The meals asked for end one way or the other: the need the assessment found, or no need found, with why.
    let derived: Vec<&str> = assessment["needs"].as_array().unwrap().iter().map(|n| n["service_code"].as_str().unwrap()).collect();
    let meals = &reread.body["items"][1]["resolution"];
    assert!(!derived.contains(&"meals"), "the case this test walks: {derived:?}");
    assert_eq!((meals["how"].as_str(), meals["ref_id"].as_str()), (Some("no_need_found"), assessment["id"].as_str()), "{}", reread.text);
    assert!(meals["reason"].as_str().unwrap().contains("meals"));
    let history = app.get(&format!("/api/v1/beneficiaries/{person}/assessments"), Some(&admin)).await;
    assert_eq!((history.body["items"].as_array().unwrap().len(), history.body["next_cursor"].is_null()), (1, true), "{}", history.text);
    let due = app.get("/api/v1/assessments?due_before=2026-12-31", Some(&admin)).await;
    assert_eq!(due.body["items"].as_array().unwrap().len(), 1);
    assert!(app.get("/api/v1/assessments?due_before=2026-01-01", Some(&admin)).await.body["items"].as_array().unwrap().is_empty());
}

/// A department client scoped to `region`.
async fn department_in(app: &TestApp, admin: &str, region: &str) -> String {
    let body = json!({"name": format!("医保局 {region}"), "role": "department", "department": "medical_insurance", "region_code": region});
    app.client_token(admin, &body).await.1
}

#[actix_web::test]
async fn a_department_asks_about_a_thousand_ids_and_each_is_answered_once() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let extreme = json!({"category": "extreme_poverty", "support_mode": "dispersed", "valid_from": "2024-01-01"});
    let listed_here = id_born("1944-03-01", 1);
    let person = register(&app, &admin, &listed_here, "640202001001", extreme.clone()).await;
    assess(&app, &admin, &person, &[("disability", 2), ("family_structure", 2)]).await;
    let listed_there = id_born("1950-05-05", 2);
    register(&app, &admin, &listed_there, "640205100201", extreme).await;

    let mut ids: Vec<String> = (100..1000).map(|n| id_born("1960-01-01", n)).chain((100..196).map(|n| id_born("1961-01-01", n))).collect();
    ids.insert(0, listed_here.clone());
    ids.push(listed_there.clone());
    let valid = id_born("1962-01-01", 1);
    ids.push(format!("{}{}", &valid[..17], if valid.ends_with('0') { '1' } else { '0' }));
    ids.push("not-an-id".into());
    assert_eq!(ids.len(), 1000);
    let city = app.department_token(&admin, "medical_insurance").await;
    let ask = |ids: &[String]| json!({"purpose": "医疗救助资助参保核对", "query_type": "id_numbers", "ids": ids});
    let answer = app.post_json("/api/v1/registry/search", Some(&city), &ask(&ids)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let items = answer.body["items"].as_array().unwrap();
    assert_eq!((items.len(), answer.body["asked"].as_u64(), answer.body["found"].as_u64()), (1000, Some(1000), Some(2)));
    assert!(items.iter().zip(&ids).all(|(item, id)| item["reference"] == id.as_str()), "answered in the order asked");
    let first = &items[0]["record"];
    assert_eq!(items[0]["status"], "found");
    assert_eq!(first["id_number"], format!("{}********{}", &listed_here[..6], &listed_here[14..]), "masked: {first}");
    assert_eq!(first["name"], "老**");
    assert_eq!(first["categories"][0]["valid_from"], "2024-01-01");
    assert_eq!(first["assessment"]["degree"], "general");
    assert!(first["open_needs"].as_u64().unwrap() >= 4, "{first}");
    assert_eq!(items[997]["record"].get("assessment"), Some(&Value::Null), "never assessed: {}", items[997]);
    assert_eq!(items[1]["status"], "not_found");
    assert_eq!((items[997]["status"].as_str(), items[998]["status"].as_str()), (Some("found"), Some("invalid")));
    assert_eq!(items.iter().filter(|i| i["status"] == "invalid").count(), 2, "a bad checksum is invalid too");

    let audit = app.get("/api/v1/audit-events?action=registry.searched", Some(&admin)).await;
    let rows = audit.body["items"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "one audit row per search: {}", audit.text);
    assert_eq!(rows[0]["detail"]["purpose"], "医疗救助资助参保核对");
    assert_eq!(rows[0]["detail"]["found"], 2);

    let county = department_in(&app, &admin, "640205").await;
    let scoped = app.post_json("/api/v1/registry/search", Some(&county), &ask(&[listed_here.clone(), listed_there.clone()])).await;
    let statuses: Vec<&str> = scoped.body["items"].as_array().unwrap().iter().map(|i| i["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["not_found", "found"], "people outside the caller's area are not found");

    let mut narrow = ask(std::slice::from_ref(&listed_here));
    narrow["fields"] = json!(["categories"]);
    let narrowed = app.post_json("/api/v1/registry/search", Some(&city), &narrow).await;
    let record = narrowed.body["items"][0]["record"].as_object().unwrap();
    let mut keys: Vec<&str> = record.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["categories", "id_number", "status"]);

    let mut reveal = ask(std::slice::from_ref(&listed_here));
    reveal["reveal"] = json!(true);
    app.post_json("/api/v1/registry/search", Some(&city), &reveal).await.assert_problem(403, "forbidden");
    let revealed = app.post_json("/api/v1/registry/search", Some(&admin), &reveal).await;
    assert_eq!(revealed.body["items"][0]["record"]["id_number"], listed_here.as_str());

    let mut too_many = ids.clone();
    too_many.push(listed_here.clone());
    let refused = app.post_json("/api/v1/registry/search", Some(&city), &ask(&too_many)).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.body["errors"][0]["field"], "ids");
    let no_purpose =
        app.post_json("/api/v1/registry/search", Some(&city), &json!({"query_type": "id_numbers", "ids": [listed_here]})).await;
    assert_eq!(no_purpose.status, 422, "{}", no_purpose.text);
    let officer = app.add_user(&admin, "county.officer", "county_officer", "640202", json!({})).await;
    assert_eq!(officer["role"], "county_officer");
    let officer = app.login("county.officer", "password-1234").await;
    app.post_json("/api/v1/registry/search", Some(&officer), &ask(&ids[..1])).await.assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn an_expression_search_pages_through_the_matches_in_scope() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let extreme = json!({"category": "extreme_poverty", "support_mode": "dispersed", "valid_from": "2024-01-01"});
    let low = json!({"category": "subsistence_allowance", "valid_from": "2024-01-01"});
    register(&app, &admin, &id_born("1944-03-01", 1), "640202001001", extreme.clone()).await;
    register(&app, &admin, &id_born("1944-03-01", 2), "640202001001", extreme).await;
    register(&app, &admin, &id_born("1944-03-01", 3), "640202001001", low).await;
    let city = app.department_token(&admin, "education").await;
    let page = |cursor: Option<&str>| json!({"purpose": "教育救助对象核对", "query_type": "expression", "expression": {"category": "extreme_poverty", "region_code": "640202"}, "limit": 1, "cursor": cursor});
    let first = app.post_json("/api/v1/registry/search", Some(&city), &page(None)).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["items"].as_array().unwrap().len(), 1);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app.post_json("/api/v1/registry/search", Some(&city), &page(Some(cursor))).await;
    assert_eq!(second.body["items"].as_array().unwrap().len(), 1);
    assert!(second.body["next_cursor"].is_null(), "two matches, two pages: {}", second.text);
    assert_ne!(first.body["items"][0]["record"]["id_number"], second.body["items"][0]["record"]["id_number"]);
    let mixed = json!({"purpose": "核对", "query_type": "expression", "ids": ["x"]});
    let refused = app.post_json("/api/v1/registry/search", Some(&city), &mixed).await;
    let mut fields: Vec<&str> = refused.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["expression", "ids"], "{}", refused.text);
}

#[actix_web::test]
async fn the_needs_export_has_exactly_the_rows_the_list_shows_for_a_region() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let here_b = two_counties_of_needs(&app, &admin).await;
    assess(&app, &admin, &here_b, &[("housing", 2)]).await;

    let listed = app.get("/api/v1/needs?region_code=640202&limit=500", Some(&admin)).await;
    let mut listed: Vec<String> = listed.body["items"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_string()).collect();
    listed.sort();
    assert!(listed.len() > 4, "withdrawn needs are listed too: {listed:?}");

    let export = app.get("/api/v1/exports/service-needs?region_code=640202&header=en", Some(&admin)).await;
    assert_eq!(export.status, 200, "{}", export.text);
    assert_eq!(export.content_type(), "text/csv; charset=utf-8");
    let mut lines = export.text.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next(),
        Some("need_id,name,id_number,region_code,service_code,service_name,category,priority,degree,status,created_at")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let mut exported: Vec<String> = rows.iter().map(|r| r[0].to_string()).collect();
    exported.sort();
    assert_eq!(exported, listed, "exactly the listed rows, once each");
    assert!(rows.iter().all(|r| r[1] == "老**" && r[2].contains("********") && r[3].starts_with("640202")), "masked and in region");
    let meals = rows.iter().find(|r| r[4] == "meals").unwrap();
    assert_eq!(meals[5], "助餐服务");

    let targets = app.get("/api/v1/exports/service-targets?region_code=640202&header=en", Some(&admin)).await;
    let people = app.get("/api/v1/beneficiaries?region_code=640202&limit=500", Some(&admin)).await;
    let mut people: Vec<&str> = people.body["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    people.sort();
    let mut target_rows: Vec<Vec<&str>> = targets.text.lines().skip(1).map(|l| l.split(',').collect()).collect();
    target_rows.sort();
    assert_eq!(target_rows.iter().map(|r| r[0]).collect::<Vec<_>>(), people, "exactly the listed people");
    assert!(target_rows.iter().all(|r| r[2].contains("********") && r[7].starts_with("subsistence_allowance:2024-01-01~")));
    let chinese = app.get("/api/v1/exports/service-needs?region_code=640202", Some(&admin)).await;
    assert!(chinese.text.starts_with("\u{feff}需求编号,姓名,身份证号"), "{}", &chinese.text[..60.min(chinese.text.len())]);
    let audit = app.get("/api/v1/audit-events?action=export.service_needs", Some(&admin)).await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 2);
    let audit = app.get("/api/v1/audit-events?action=export.service_targets", Some(&admin)).await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1);

    // The same list as an Excel workbook: one sheet, the header row and a row per need.
    let workbook = app.get("/api/v1/exports/service-needs?region_code=640202&format=xlsx", Some(&admin)).await;
    assert_eq!(workbook.status, 200);
    assert_eq!(workbook.content_type(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert_eq!(workbook.header("content-disposition"), Some("attachment; filename=\"service-needs.xlsx\""));
    let sheet = xlsx_sheet(&workbook);
    assert_eq!(sheet.matches("<row ").count(), 2 + listed.len(), "a title row, a header row and one row per listed need");
    // Read back as a spreadsheet program reads it: the title says what,
    // where and who; labels, and times as dates.
    let cells = jiuzhu_tests::xlsx_cells(&workbook);
    let title = cells.get_value((0, 0)).map(|c| c.to_string()).unwrap_or_default();
    assert!(title.starts_with("服务需求清单") && title.contains("640202") && title.contains("导出人：系统管理员（市民政"), "{title}");
    assert_eq!(cells.get_value((1, 9)), Some(&calamine::Data::String("状态".into())));
    let statuses: Vec<String> = (2..cells.height() as u32).filter_map(|r| cells.get_value((r, 9)).map(|c| c.to_string())).collect();
    assert!(statuses.iter().all(|s| ["待匹配", "已匹配", "服务中", "已满足", "已撤销"].contains(&s.as_str())), "{statuses:?}");
    assert!(matches!(cells.get_value((2, 10)), Some(calamine::Data::DateTime(_))), "{:?}", cells.get_value((2, 10)));
    assert!(sheet.contains("<t>需求编号</t>") && sheet.contains("<t>640202********"), "Chinese headings, masked ID numbers");
    // For people: values labelled in the heading's language, the time a
    // date, the heading frozen and filterable. The CSV, for machines, keeps the codes.
    assert!(sheet.contains("<t>待匹配</t>") && !sheet.contains("<t>open</t>"), "need statuses are labelled: {sheet}");
    assert!(sheet.contains("<t>照护服务类</t>") || sheet.contains("<t>生活服务类</t>") || sheet.contains("<t>关爱服务类</t>"));
    assert!(sheet.contains("ySplit=\"2\"") && sheet.contains("<autoFilter ref=\"A2:K"), "a frozen, filterable heading: {sheet}");
    assert!(sheet.contains("<cols>"), "columns have widths");
    let first = app.get(&format!("/api/v1/needs/{}", listed[0]), Some(&admin)).await;
    let created = first.body["created_at"].as_str().unwrap();
    assert!(!sheet.contains(&created[..19]), "the time is a date, not text");
    assert!(chinese.text.contains(",open,"), "the CSV keeps the codes");
    let english = app.get("/api/v1/exports/service-needs?region_code=640202&format=xlsx&header=en", Some(&admin)).await;
    assert!(xlsx_sheet(&english).contains("<t>Open</t>"), "labels follow the heading's language");
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let asked = app
        .request(awc::http::Method::GET, "/api/v1/exports/service-needs?region_code=640202")
        .bearer_auth(&admin)
        .insert_header(("Accept", xlsx));
    assert_eq!(app.send(asked, None).await.content_type(), xlsx, "Accept chooses the format when the query does not");
    let projects = app.get("/api/v1/exports/service-projects?category=daily_living&header=en", Some(&admin)).await;
    let listed = app.get("/api/v1/services?category=daily_living", Some(&admin)).await;
    let codes: Vec<&str> = listed.body.as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap()).collect();
    let exported: Vec<&str> = projects.text.lines().skip(1).map(|l| l.split(',').nth(1).unwrap()).collect();
    assert_eq!(exported, codes, "the service project list, in its own order");
    assert!(projects.text.starts_with("\u{feff}number,code,category,name_zh"));
    assert!(projects.text.contains("\r\n13,meals,daily_living,助餐服务,Meals,"), "{}", projects.text);
    let audit = app.get("/api/v1/audit-events?action=export.service_projects", Some(&admin)).await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1);
    let projects = app.get("/api/v1/exports/service-projects?category=daily_living&format=xlsx", Some(&admin)).await;
    let cells = jiuzhu_tests::xlsx_cells(&projects);
    assert_eq!(cells.get_value((2, 0)), Some(&calamine::Data::Float(13.0)), "the number is a number");
    assert_eq!(cells.get_value((2, 2)), Some(&calamine::Data::String("生活服务类".into())));
    assert_eq!(cells.get_value((2, 7)), Some(&calamine::Data::String("是".into())), "a flag reads 是 or 否");
    app.add_user(&admin, "county.b", "county_officer", "640205", json!({})).await;
    let other = app.get("/api/v1/exports/service-needs?region_code=640202", Some(&app.login("county.b", "password-1234").await)).await;
    assert_eq!(other.text.trim_start_matches('\u{feff}').lines().count(), 1, "another county exports nothing of ours");
    app.get("/api/v1/exports/service-needs?format=pdf", Some(&admin)).await.assert_problem(400, "bad_query");
    app.get("/api/v1/exports/service-needs", None).await.assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn the_overview_matches_counts_recomputed_from_the_lists() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let poor = json!({"category": "subsistence_allowance", "valid_from": "2024-01-01"});
    let a = register(&app, &admin, &id_born("1944-03-01", 3), "640202001001", poor.clone()).await;
    let b = register(&app, &admin, &id_born("1950-05-05", 4), "640202001001", poor.clone()).await;
    register(&app, &admin, &id_born("1951-05-05", 6), "640202001001", poor.clone()).await;
    let elsewhere = register(&app, &admin, &id_born("1944-03-01", 5), "640205100201", poor).await;
    assess(&app, &admin, &a, &[("disability", 2), ("family_structure", 2)]).await;
    assess(&app, &admin, &b, &[("illness", 2)]).await;
    assess(&app, &admin, &b, &[("housing", 3), ("income", 3)]).await;
    assess(&app, &admin, &elsewhere, &[("disability", 2)]).await;

    let overview = app.get("/api/v1/reports/overview?region_code=640202", Some(&admin)).await;
    assert_eq!(overview.status, 200, "{}", overview.text);
    let figures = &overview.body;
    let open = app.get("/api/v1/needs?region_code=640202&status=open&limit=500", Some(&admin)).await;
    let mut by_service = std::collections::BTreeMap::<String, i64>::new();
    for need in open.body["items"].as_array().unwrap() {
        *by_service.entry(need["service_code"].as_str().unwrap().to_string()).or_default() += 1;
    }
    assert_eq!(figures["open_needs_by_service"], json!(by_service), "recomputed from the needs list");
    let people = app.get("/api/v1/beneficiaries?region_code=640202&limit=500", Some(&admin)).await;
    assert_eq!(figures["beneficiaries_by_status"]["active"], people.body["items"].as_array().unwrap().len());
    for (key, filter) in [("beneficiaries_by_group", "group"), ("beneficiaries_by_category", "category")] {
        for (code, n) in figures[key].as_object().unwrap() {
            let listed =
                app.get(&format!("/api/v1/beneficiaries?region_code=640202&status=active&{filter}={code}&limit=500"), Some(&admin)).await;
            assert_eq!(listed.body["items"].as_array().unwrap().len() as i64, n.as_i64().unwrap(), "{key}.{code} recomputed from the list");
        }
    }
    assert_eq!(figures["beneficiaries_by_group"]["elderly"], 3);
    let degrees: i64 = figures["assessments_by_degree"].as_object().unwrap().values().map(|v| v.as_i64().unwrap()).sum();
    assert_eq!(degrees, 2, "current assessments only, this county only: {figures}");
    let city = app.get("/api/v1/reports/overview", Some(&admin)).await;
    assert_eq!(city.body["beneficiaries_by_status"]["active"], 4);
    let before = app.get("/api/v1/reports/overview?region_code=640202&to=2000-01-01T00:00:00Z", Some(&admin)).await;
    assert_eq!(before.body["beneficiaries_by_status"], json!({}), "nothing was registered before 2000");
    app.get("/api/v1/reports/overview?from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z", Some(&admin))
        .await
        .assert_problem(422, "validation_failed");
    app.add_user(&admin, "county.b", "county_officer", "640205", json!({})).await;
    let other = app.login("county.b", "password-1234").await;
    app.get("/api/v1/reports/overview?region_code=640202", Some(&other)).await.assert_problem(404, "not_found");

    // The monthly series: twelve months by default, this month holding what the lists hold.
    let series = app.get("/api/v1/reports/timeseries?metric=beneficiaries&region_code=640202", Some(&admin)).await;
    assert_eq!(series.status, 200, "{}", series.text);
    let points = series.body["points"].as_array().unwrap();
    assert_eq!(points.len(), 12);
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let this_month =
        chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()).with_timezone(&beijing).format("%Y-%m").to_string();
    assert_eq!(points[11], json!({"period": this_month, "count": 3}), "three people registered here this month");
    assert!(points[..11].iter().all(|p| p["count"] == 0));
    let needs = app.get("/api/v1/reports/timeseries?metric=needs&interval=day&region_code=640202", Some(&admin)).await;
    let total: i64 = needs.body["points"].as_array().unwrap().iter().map(|p| p["count"].as_i64().unwrap()).sum();
    let listed = app.get("/api/v1/needs?region_code=640202&limit=500", Some(&admin)).await;
    assert_eq!(total, listed.body["items"].as_array().unwrap().len() as i64, "daily needs add up to the list");
    // Each metric counts its own table (each area counts its tables itself):
    // three assessments were made here, and nothing of the other kinds.
    let sum_of =
        |series: &jiuzhu_tests::Reply| series.body["points"].as_array().unwrap().iter().map(|p| p["count"].as_i64().unwrap()).sum::<i64>();
    let assessments = app.get("/api/v1/reports/timeseries?metric=assessments&region_code=640202", Some(&admin)).await;
    assert_eq!(sum_of(&assessments), 3, "{}", assessments.text);
    for metric in ["applications", "referrals", "orders", "deliveries", "follow_ups", "projects", "evaluations"] {
        let series = app.get(&format!("/api/v1/reports/timeseries?metric={metric}&region_code=640202"), Some(&admin)).await;
        assert_eq!((metric, sum_of(&series)), (metric, 0), "{}", series.text);
    }
    let decade = "/api/v1/reports/timeseries?metric=orders&from=2000-01-01T00:00:00Z&to=2025-01-01T00:00:00Z";
    let refused = app.get(decade, Some(&admin)).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.body["errors"][0]["code"], "too_many_periods");
    app.get("/api/v1/reports/timeseries?metric=gossip", Some(&admin)).await.assert_problem(400, "bad_query");
    app.get("/api/v1/reports/timeseries?metric=needs&region_code=640202", Some(&other)).await.assert_problem(404, "not_found");
}
