//! Bulk import of the service target list: jobs, per-row errors by line,
//! and idempotent re-runs.

use jiuzhu_tests::{TestApp, id_born, spawn_app};
use serde_json::{Value, json};

/// A valid citizen ID for the n-th synthetic person (born from 1950 on).
fn synthetic_id(n: u32) -> String {
    let born = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Duration::days(i64::from(n % 20000));
    id_born(&born.to_string(), n % 1000)
}

async fn wait_for(app: &TestApp, token: &str, location: &str) -> Value {
    for _ in 0..300 {
        let job = app.get(location, Some(token)).await;
        if job.body["status"] == "completed" || job.body["status"] == "failed" {
            return job.body;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the import did not finish in 30 s");
}

async fn upload(app: &TestApp, token: &str, content_type: &str, body: String) -> jiuzhu_tests::Reply {
    let request = app.request(awc::http::Method::POST, "/api/v1/imports?kind=beneficiaries").bearer_auth(token);
    app.send(request, Some((content_type, body.into_bytes()))).await
}

#[actix_web::test]
async fn a_thousand_rows_with_three_bad_land_997_and_a_rerun_lands_none() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.add_region(&admin, "640202001", "甲街道").await;
    app.add_region(&admin, "640202001001", "甲社区").await;
    app.add_user(&admin, "county.importer", "county_officer", "640202", json!({})).await;
    let county = app.login("county.importer", "password-1234").await;
    let mut lines = Vec::new();
    for n in 1..=1000u32 {
        let mut row = json!({"name": format!("对象{n}"), "id_number": synthetic_id(n), "region_code": "640202001001",
            "categories": [{"category": "subsistence_allowance", "valid_from": "2024-01-01"}]});
        match n {
            10 => row["id_number"] = json!("640202195001010001"),
            500 => row["region_code"] = json!("640205100"),
            999 => row = json!({"name": "缺身份证"}),
            _ => {}
        }
        lines.push(row.to_string());
    }
    let body = lines.join("\n") + "\n";
    let started = upload(&app, &county, "application/x-ndjson", body.clone()).await;
    assert_eq!(started.status, 202, "{}", started.text);
    let location = started.header("location").unwrap().to_string();
    let job = wait_for(&app, &county, &location).await;
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!((job["total"].as_i64(), job["created"].as_i64(), job["failed"].as_i64()), (Some(1000), Some(997), Some(3)), "{job}");
    let errors = app.get(&format!("{location}/errors"), Some(&county)).await;
    let found: Vec<(i64, &str)> =
        errors.body["items"].as_array().unwrap().iter().map(|e| (e["line"].as_i64().unwrap(), e["code"].as_str().unwrap())).collect();
    assert_eq!(found, [(10, "citizen_id_checksum"), (500, "region_outside_scope"), (999, "required")]);
    assert_eq!(app.get("/api/v1/beneficiaries/count", Some(&county)).await.body["count"], 997);

    let again = upload(&app, &county, "application/x-ndjson", body).await;
    let rerun = wait_for(&app, &county, again.header("location").unwrap()).await;
    assert_eq!(
        (rerun["created"].as_i64(), rerun["updated"].as_i64(), rerun["unchanged"].as_i64(), rerun["failed"].as_i64()),
        (Some(0), Some(0), Some(997), Some(3)),
        "{rerun}"
    );
    assert_eq!(app.get("/api/v1/beneficiaries/count", Some(&county)).await.body["count"], 997);
    app.get(&location, Some(&admin)).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn a_person_repeated_in_one_file_is_created_then_updated_and_every_row_is_audited_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.add_region(&admin, "640202001", "甲街道").await;
    let person = |n: u32, address: &str| {
        json!({"name": format!("对象{n}"), "id_number": synthetic_id(n), "region_code": "640202001", "address": address,
            "categories": [{"category": "marginal", "valid_from": "2024-01-01"}]})
        .to_string()
    };
    // 1,100 people span two batches; person 1 comes back unchanged, then moved.
    let mut lines: Vec<String> = (1..=1100).map(|n| person(n, "甲街道1号")).collect();
    lines.insert(3, person(1, "甲街道1号"));
    lines.insert(5, person(1, "甲街道9号"));
    lines.push(person(2, "甲街道2号"));
    let started = upload(&app, &admin, "application/x-ndjson", lines.join("\n")).await;
    let job = wait_for(&app, &admin, started.header("location").unwrap()).await;
    assert_eq!(
        (job["created"].as_i64(), job["unchanged"].as_i64(), job["updated"].as_i64(), job["failed"].as_i64()),
        (Some(1100), Some(1), Some(2), Some(0)),
        "{job}"
    );
    assert_eq!(app.get("/api/v1/beneficiaries/count", Some(&admin)).await.body["count"], 1100);
    let encoded: String = "对象1".bytes().map(|b| format!("%{b:02X}")).collect();
    let moved = app.get(&format!("/api/v1/beneficiaries?name={encoded}&limit=100"), Some(&admin)).await;
    let first = moved.body["items"].as_array().unwrap().iter().find(|p| p["name"] == "对象1").unwrap().clone();
    assert_eq!((first["address"].as_str(), first["version"].as_i64()), (Some("甲街道9号"), Some(2)), "{first}");
    let chain = app.get("/api/v1/audit-events/verify", Some(&admin)).await;
    assert_eq!(chain.body["valid"], true, "{}", chain.text);
    // The township ships with 石嘴山市's tree, so adding it writes nothing.
    let expected = 2 + 1100 + 2;
    assert_eq!(chain.body["checked"], expected, "login, import.started, every registration, both updates: {}", chain.text);
    let updates = app.get("/api/v1/audit-events?action=beneficiary.updated", Some(&admin)).await;
    assert_eq!(updates.body["items"].as_array().unwrap().len(), 2);
    let events = app.get("/api/v1/events?type=beneficiary.updated", Some(&admin)).await;
    assert_eq!(events.body["items"].as_array().unwrap().len(), 2, "one event per update");
    let last = app.get("/api/v1/events?type=beneficiary.created&limit=100", Some(&admin)).await;
    assert_eq!(last.body["items"].as_array().unwrap().len(), 100, "registrations publish events too");
}

#[actix_web::test]
async fn csv_uploads_upsert_and_bad_headers_or_types_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.add_region(&admin, "640202001", "甲街道").await;
    let csv = format!(
        "name,id_number,region_code,address,category,valid_from,groups,disability_level\n\"王, 五\",{},640202001,\"甲街道1号\",marginal,2024-01-01,disabled;living_alone,2\n",
        synthetic_id(7)
    );
    let started = upload(&app, &admin, "text/csv; charset=utf-8", csv.clone()).await;
    let job = wait_for(&app, &admin, started.header("location").unwrap()).await;
    assert_eq!((job["created"].as_i64(), job["failed"].as_i64()), (Some(1), Some(0)), "{job}");
    let people = app.get("/api/v1/beneficiaries", Some(&admin)).await;
    assert_eq!(people.body["items"][0]["name"], "王, 五");
    let changed = csv.replace("甲街道1号", "甲街道2号");
    let again = upload(&app, &admin, "text/csv", changed).await;
    let job = wait_for(&app, &admin, again.header("location").unwrap()).await;
    assert_eq!(job["updated"], 1, "{job}");
    upload(&app, &admin, "text/csv", "name,shoe_size\nx,42\n".into()).await.assert_problem(422, "validation_failed");
    upload(&app, &admin, "application/json", "{}".into()).await.assert_problem(415, "unsupported_media_type");
    // A file as generated clients send it: bytes, with the format named.
    let file = csv.replace("甲街道2号", "甲街道3号").into_bytes();
    let as_file = |path: &str| app.request(awc::http::Method::POST, path).bearer_auth(&admin);
    let sent = app.send(as_file("/api/v1/imports?kind=beneficiaries&format=csv"), Some(("application/octet-stream", file.clone()))).await;
    assert_eq!(sent.status, 202, "{}", sent.text);
    let job = wait_for(&app, &admin, sent.header("location").unwrap()).await;
    assert_eq!((job["updated"].as_i64(), job["format"].as_str()), (Some(1), Some("csv")), "{job}");
    let unnamed = app.send(as_file("/api/v1/imports?kind=beneficiaries"), Some(("application/octet-stream", file))).await;
    unnamed.assert_problem(422, "validation_failed");
    assert_eq!(unnamed.body["errors"][0]["field"], "format", "{}", unnamed.text);
    // An upload that is not rows is refused before a job is made: nothing
    // at all, or NDJSON whose first line is not a JSON object.
    for (content_type, body, code) in [
        ("text/csv", "name,id_number,region_code,category,valid_from\n", "no_rows"),
        ("application/x-ndjson", "\n\n", "no_rows"),
        ("application/x-ndjson", "-7846\n", "not_ndjson"),
        ("application/x-ndjson", "[{\"name\": \"x\"}]\n", "not_ndjson"),
        ("application/x-ndjson", "{}\n", "not_a_row"),
    ] {
        let refused = upload(&app, &admin, content_type, body.into()).await;
        refused.assert_problem(422, "validation_failed");
        assert_eq!(refused.body["errors"][0]["code"], code, "{body:?}: {}", refused.text);
    }
}

#[actix_web::test]
async fn a_job_its_server_abandoned_is_marked_failed_and_says_how_to_finish() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let me = app.get("/api/v1/me", Some(&admin)).await;
    let owner = me.body["subject"].as_str().unwrap().to_string();
    let now = jiuzhu_core::Clock::now(&jiuzhu_core::SystemClock);
    let job = |heartbeat_minutes_ago: i64| jiuzhu_platform::entity::import_job::ActiveModel {
        id: Set(jiuzhu_core::id::new_id()),
        kind: Set("beneficiaries".into()),
        format: Set("ndjson".into()),
        owner: Set(owner.clone()),
        status: Set("running".into()),
        total: Set(100_000),
        processed: Set(42_000),
        created: Set(42_000),
        updated: Set(0),
        unchanged: Set(0),
        failed: Set(0),
        created_at: Set(now - chrono::Duration::minutes(30)),
        finished_at: Set(None),
        heartbeat_at: Set(Some(now - chrono::Duration::minutes(heartbeat_minutes_ago))),
    };
    let stopped = job(10).insert(app.db.conn()).await.unwrap();
    let alive = job(0).insert(app.db.conn()).await.unwrap();

    assert_eq!(
        jiuzhu_platform::imports::fail_abandoned(&app.db, now, std::time::Duration::from_secs(120)).await.unwrap(),
        1,
        "only the stale job"
    );
    let failed = app.get(&format!("/api/v1/imports/{}", stopped.id), Some(&admin)).await;
    assert_eq!((failed.body["status"].as_str(), failed.body["processed"].as_i64()), (Some("failed"), Some(42_000)), "{}", failed.text);
    assert!(failed.body["finished_at"].is_string());
    let errors = app.get(&format!("/api/v1/imports/{}/errors", stopped.id), Some(&admin)).await;
    assert_eq!(errors.body["items"][0]["code"], "interrupted", "{}", errors.text);
    assert!(errors.body["items"][0]["message"].as_str().unwrap().contains("42000 of 100000"));
    let running = app.get(&format!("/api/v1/imports/{}", alive.id), Some(&admin)).await;
    assert_eq!(running.body["status"], "running", "a job that saved progress just now is left alone");
    assert_eq!(
        jiuzhu_platform::imports::fail_abandoned(&app.db, now, std::time::Duration::from_secs(120)).await.unwrap(),
        0,
        "failing is done once"
    );

    // The node that was running the failed job wakes up: its progress is
    // refused and the counts stay what housekeeping saw.
    let tally = jiuzhu_platform::imports::Tally { total: 100_000, processed: 0, ..Default::default() };
    let late = jiuzhu_platform::imports::save_progress(
        &app.db,
        stopped.id,
        jiuzhu_platform::imports::JobStatus::Running,
        tally,
        vec![],
        now,
        None,
    )
    .await;
    assert!(matches!(late, Err(jiuzhu_core::DomainError::Conflict { code: "import_no_longer_running", .. })), "{late:?}");
    let kept = app.get(&format!("/api/v1/imports/{}", stopped.id), Some(&admin)).await;
    assert_eq!((kept.body["status"].as_str(), kept.body["processed"].as_i64()), (Some("failed"), Some(42_000)), "{}", kept.text);

    // A run that stops on an error fails its job and keeps the counts it reached.
    jiuzhu_platform::imports::fail(&app.db, alive.id, "stopped on an error".into(), now).await.unwrap();
    let stopped_on_error = app.get(&format!("/api/v1/imports/{}", alive.id), Some(&admin)).await;
    assert_eq!(
        (stopped_on_error.body["status"].as_str(), stopped_on_error.body["processed"].as_i64()),
        (Some("failed"), Some(42_000)),
        "{}",
        stopped_on_error.text
    );
}

/// A job whose node beats (as a running import does every second, also
/// while a batch waits on a lock) is left running by housekeeping.
#[actix_web::test]
async fn a_job_that_beats_is_not_failed_by_housekeeping() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let owner = app.get("/api/v1/me", Some(&admin)).await.body["subject"].as_str().unwrap().to_string();
    let now = jiuzhu_core::Clock::now(&jiuzhu_core::SystemClock);
    let job = jiuzhu_platform::entity::import_job::ActiveModel {
        id: Set(jiuzhu_core::id::new_id()),
        kind: Set("beneficiaries".into()),
        format: Set("ndjson".into()),
        owner: Set(owner),
        status: Set("running".into()),
        total: Set(10),
        processed: Set(5),
        created: Set(5),
        updated: Set(0),
        unchanged: Set(0),
        failed: Set(0),
        created_at: Set(now - chrono::Duration::minutes(30)),
        finished_at: Set(None),
        heartbeat_at: Set(Some(now - chrono::Duration::minutes(10))),
    }
    .insert(app.db.conn())
    .await
    .unwrap();
    jiuzhu_platform::imports::beat(&app.db, job.id, now).await.unwrap();
    assert_eq!(jiuzhu_platform::imports::fail_abandoned(&app.db, now, std::time::Duration::from_secs(120)).await.unwrap(), 0);
    let running = app.get(&format!("/api/v1/imports/{}", job.id), Some(&admin)).await;
    assert_eq!(running.body["status"], "running", "{}", running.text);
}
