//! The region tree: a deployment for another root that loads its own tree
//! from the `china-division` package's CSV, and a division change that
//! retires a village into its successor with the village's records.

use jiuzhu_core::{RegionCode, SystemClock};
use jiuzhu_platform::region_tree::{self, LoadOptions};
use jiuzhu_tests::{spawn_app, spawn_app_with};
use serde_json::{Value, json};

const ID_WOMAN_1949: &str = "11010519491231002X";

fn person(region: &str) -> Value {
    json!({"name": "马桂英", "id_number": ID_WOMAN_1949, "region_code": region, "address": "金丰社区2号楼",
        "categories": [{"category": "extreme_poverty", "support_mode": "dispersed", "valid_from": "2024-01-01"}],
        "groups": ["living_alone"], "material_assistance": []})
}

fn package_files() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/china-division");
    ["villages.csv", "streets.csv", "areas.csv", "cities.csv"]
        .iter()
        .map(|name| (name.to_string(), std::fs::read_to_string(dir.join(name)).unwrap()))
        .collect()
}

/// 吴忠市 (640300) starts on a fresh database with only its root, loads
/// its tree from the package's files (in any order), and an officer of one
/// of its townships registers a person there; 石嘴山市 is nowhere in it.
#[actix_web::test]
async fn another_city_starts_loads_its_tree_and_takes_intake() {
    let root = RegionCode::parse("640300").unwrap();
    let app = spawn_app_with(|c| c.root_region = root.clone()).await;
    let admin = app.admin_token().await;
    let tops = app.get("/api/v1/regions", Some(&admin)).await;
    assert_eq!(tops.body["items"].as_array().unwrap().len(), 1, "{}", tops.text);
    assert_eq!((tops.body["items"][0]["code"].as_str(), tops.body["items"][0]["name_zh"].as_str()), (Some("640300"), Some("640300")));
    assert_eq!(app.get("/api/v1/regions/640200", Some(&admin)).await.status, 404, "no 石嘴山市 in this deployment");
    let refused = region_tree::load(&app.db, &SystemClock, &root, &package_files(), LoadOptions::default()).await.unwrap();
    assert_eq!(refused.refused.len(), 1, "{:?}", refused.refused);
    assert_eq!((refused.refused[0].source.as_str(), refused.refused[0].line), ("villages.csv", 6));
    assert_eq!(app.get("/api/v1/regions/640302", Some(&admin)).await.status, 404, "a refused line writes nothing");
    let options = LoadOptions { skip_refused: true, ..LoadOptions::default() };
    let loaded = region_tree::load(&app.db, &SystemClock, &root, &package_files(), options).await.unwrap();
    assert_eq!((loaded.added.len(), loaded.outside, loaded.refused.len()), (7, 1, 1), "{loaded:?}");
    assert_eq!(loaded.named_root.as_ref().map(|l| l.name_zh.as_str()), Some("吴忠市"));
    let again = region_tree::load(&app.db, &SystemClock, &root, &package_files(), options).await.unwrap();
    assert_eq!((again.added.len(), again.kept), (0, 8), "a second load keeps everything");
    let village = app.get("/api/v1/regions/640302100003", Some(&admin)).await;
    assert_eq!((village.body["name_zh"].as_str(), village.body["parent_code"].as_str()), (Some("金丰社区居委会"), Some("640302100")));
    assert_eq!(app.get("/api/v1/regions/640300", Some(&admin)).await.body["name_zh"], "吴忠市");
    app.add_user(&admin, "jinji.officer", "township_officer", "640302100", json!({})).await;
    let officer = app.login("jinji.officer", "password-1234").await;
    let created = app.post_json("/api/v1/beneficiaries", Some(&officer), &person("640302100003")).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let outside = app.post_json("/api/v1/beneficiaries", Some(&officer), &person("640302101")).await;
    assert_eq!(outside.status, 422, "another township is outside the officer's region: {}", outside.text);
    assert_eq!(app.get("/api/v1/audit-events/verify", Some(&admin)).await.body["valid"], true);
}

/// Retiring a village moves its people and staff to the successor in one
/// audited change; the retired code stays readable, takes no new records,
/// and drops out of the tree's listing unless asked for.
#[actix_web::test]
async fn retiring_a_village_moves_its_records_and_keeps_the_chain_valid() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.add_user(&admin, "junma.worker", "village_worker", "640202001001", json!({})).await;
    app.add_user(&admin, "changsheng.officer", "township_officer", "640202001", json!({})).await;
    let officer = app.login("changsheng.officer", "password-1234").await;
    let created = app.post_json("/api/v1/beneficiaries", Some(&officer), &person("640202001001")).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let path = "/api/v1/regions/640202001001/retire";
    let body = json!({"successor_code": "640202001002", "reason": "撤销骏马社区，并入金驼社区"});
    app.post_json(path, Some(&admin), &body).await.assert_problem(428, "if_match_required");
    let township = json!({"successor_code": "640202001", "reason": "x"});
    let wrong = app.post_json_with(path, Some(&admin), &township, &[("If-Match", "\"1\"")]).await;
    assert_eq!(wrong.status, 422, "a township cannot succeed a village: {}", wrong.text);
    let parent = app
        .post_json_with(
            "/api/v1/regions/640202001/retire",
            Some(&admin),
            &json!({"successor_code": "640202002", "reason": "x"}),
            &[("If-Match", "\"1\"")],
        )
        .await;
    parent.assert_problem(422, "region_has_active_children");
    let retired = app.post_json_with(path, Some(&admin), &body, &[("If-Match", "\"1\"")]).await;
    assert_eq!(retired.status, 200, "{}", retired.text);
    assert_eq!(retired.body["moved"]["beneficiaries"], 1, "{}", retired.text);
    assert_eq!(retired.body["moved"]["users"], 1, "{}", retired.text);
    assert_eq!(retired.body["region"]["successor_code"], "640202001002");
    let moved = app.get(&format!("/api/v1/beneficiaries/{}", created.body["id"].as_str().unwrap()), Some(&officer)).await;
    assert_eq!(moved.body["region_code"], "640202001002", "{}", moved.text);
    let kept = app.get("/api/v1/regions/640202001001", Some(&admin)).await;
    assert_eq!((kept.status, kept.body["retired_at"].is_string()), (200, true), "{}", kept.text);
    let listed = app.get("/api/v1/regions?parent=640202001&limit=200", Some(&admin)).await;
    assert!(!listed.text.contains("640202001001"), "{}", listed.text);
    let with_retired = app.get("/api/v1/regions?parent=640202001&limit=200&include_retired=true", Some(&admin)).await;
    assert!(with_retired.text.contains("640202001001"), "{}", with_retired.text);
    let mut later = person("640202001001");
    later["id_number"] = json!("440524188001010014");
    let refused = app.post_json("/api/v1/beneficiaries", Some(&officer), &later).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(refused.body["errors"][0]["code"], "region_retired", "{}", refused.text);
    let again = app.post_json_with(path, Some(&admin), &body, &[("If-Match", "\"2\"")]).await;
    again.assert_problem(422, "region_retired");
    assert_eq!(app.get("/api/v1/audit-events/verify", Some(&admin)).await.body["valid"], true);
    let audit = app.get("/api/v1/audit-events?action=region.retired", Some(&admin)).await;
    assert!(audit.text.contains("640202001001"), "one audit row for the change: {}", audit.text);
}

/// A database set up for one root refuses to start under another.
#[actix_web::test]
async fn a_database_keeps_its_root() {
    let app = spawn_app().await;
    let config = jiuzhu_api::config::Config { root_region: RegionCode::parse("640300").unwrap(), ..app.config.clone() };
    let error = jiuzhu_api::server::prepare_database(&app.db, &SystemClock, &config).await.unwrap_err();
    assert!(error.to_string().contains("640200") || format!("{error:?}").contains("640200"), "{error:?}");
}
