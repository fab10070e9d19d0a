//! The database layer: SQLite runs in WAL mode, demo data is idempotent,
//! and migrations roll back and forward.

use jiuzhu_core::SystemClock;
use jiuzhu_migrations::{Migrator, MigratorTrait};
use jiuzhu_platform::{Backend, demo};
use jiuzhu_tests::{spawn_app, spawn_app_with};
use sea_orm::{ConnectionTrait, Statement};

#[actix_web::test]
async fn sqlite_uses_wal_and_a_busy_timeout() {
    let app = spawn_app().await;
    if app.db.backend() != Backend::Sqlite {
        return;
    }
    let backend = app.db.db_backend();
    let mode = app.db.conn().query_one_raw(Statement::from_string(backend, "PRAGMA journal_mode")).await.unwrap().unwrap();
    assert_eq!(mode.try_get_by_index::<String>(0).unwrap().to_lowercase(), "wal");
    let timeout = app.db.conn().query_one_raw(Statement::from_string(backend, "PRAGMA busy_timeout")).await.unwrap().unwrap();
    assert!(timeout.try_get_by_index::<i64>(0).unwrap() >= 5000);
}

#[actix_web::test]
async fn seed_demo_is_idempotent_and_demo_users_log_in() {
    let app = spawn_app().await;
    let root = jiuzhu_core::RegionCode::default_root();
    let first = {
        let txn = app.db.begin_write().await.unwrap();
        let report = demo::seed(&*txn, &SystemClock, &root).await.unwrap();
        txn.commit().await.unwrap();
        report
    };
    assert!(first.users_added > 0);
    let txn = app.db.begin_write().await.unwrap();
    let second = demo::seed(&*txn, &SystemClock, &root).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(second.users_added, 0);
    let token = app.login("demo-township", demo::DEMO_PASSWORD).await;
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me.body["region_code"], "640202001");
    let due_days = jiuzhu_api::config::Config::default().referral_due_working_days;
    assert_eq!(jiuzhu_api::demo::seed_domain(&app.db, due_days).await.unwrap(), 3);
    assert_eq!(jiuzhu_api::demo::seed_domain(&app.db, due_days).await.unwrap(), 0, "the demo content is seeded once");
    let admin = app.admin_token().await;
    let referrals = app.get("/api/v1/referrals", Some(&admin)).await;
    assert_eq!(referrals.body["items"].as_array().map(Vec::len), Some(1), "the demo application was accepted once: {}", referrals.text);
    assert_eq!(
        (referrals.body["items"][0]["department"].as_str(), referrals.body["items"][0]["status"].as_str()),
        (Some("medical_insurance"), Some("pending"))
    );
    let needs = app.get("/api/v1/needs/summary?group_by=service", Some(&token)).await;
    assert!(needs.body["total_open"].as_i64().unwrap() > 0, "the demo needs list has content: {}", needs.text);
}

#[actix_web::test]
async fn migrations_roll_back_and_forward() {
    let app = spawn_app().await;
    let applied = Migrator::get_applied_migrations(app.db.conn()).await.unwrap().len();
    assert_eq!(applied, Migrator::migrations().len());
    Migrator::down(app.db.conn(), None).await.unwrap();
    assert!(Migrator::get_applied_migrations(app.db.conn()).await.unwrap().is_empty());
    Migrator::up(app.db.conn(), None).await.unwrap();
    assert_eq!(Migrator::get_applied_migrations(app.db.conn()).await.unwrap().len(), applied);
}

#[actix_web::test]
async fn writes_on_sqlite_are_serialised_not_refused() {
    let app = spawn_app().await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let db = app.db.clone();
        tasks.push(actix_web::rt::spawn(async move {
            let txn = db.begin_write().await.unwrap();
            // Codes the shipped tree does not hold (640202050 to 069).
            let code = format!("6402020{:02}", i + 50);
            let region = jiuzhu_core::RegionCode::parse(&code).unwrap();
            jiuzhu_platform::regions::ensure(&*txn, &SystemClock, &region, "并发测试", true).await.unwrap();
            txn.commit().await.unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let count = app
        .db
        .conn()
        .query_one_raw(Statement::from_string(app.db.db_backend(), "SELECT COUNT(*) AS n FROM regions WHERE is_demo = TRUE"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(count.try_get_by_index::<i64>(0).unwrap(), 20);
}

#[actix_web::test]
async fn fifty_concurrent_if_match_updates_give_one_success_per_version_and_lose_nothing() {
    let app = spawn_app_with(|config| config.rate_limit_per_token = 100_000).await;
    let admin = app.admin_token().await;
    app.add_region(&admin, "640202001", "甲街道").await;
    app.add_region(&admin, "640202001001", "甲社区").await;
    let person = app
        .post_json(
            "/api/v1/beneficiaries",
            Some(&admin),
            &serde_json::json!({"name": "张秀兰", "id_number": jiuzhu_tests::id_born("1944-03-01", 1), "region_code": "640202001001",
                "categories": [{"category": "subsistence_allowance", "valid_from": "2024-01-01"}]}),
        )
        .await;
    let path = format!("/api/v1/beneficiaries/{}", person.body["id"].as_str().unwrap());
    // Each round: fifty writers all read version n and race; one wins, the rest are told the record moved on.
    for version in 1..=3_i64 {
        let attempts = (0..50).map(|writer| {
            let (app, admin, path) = (&app, &admin, &path);
            async move {
                let body = serde_json::json!({"address": format!("甲社区{writer}号")});
                let reply = app.patch_json(path, admin, &body, Some(&format!("\"{version}\""))).await;
                (writer, reply.status)
            }
        });
        let outcomes = futures_util::future::join_all(attempts).await;
        let winners: Vec<usize> = outcomes.iter().filter(|(_, status)| *status == 200).map(|(writer, _)| *writer).collect();
        assert_eq!(winners.len(), 1, "round {version}: exactly one writer wins: {outcomes:?}");
        assert!(outcomes.iter().all(|(_, status)| *status == 200 || *status == 412), "the others get 412: {outcomes:?}");
        let now = app.get(&path, Some(&admin)).await;
        assert_eq!(now.body["version"], version + 1);
        assert_eq!(now.body["address"], format!("甲社区{}号", winners[0]), "the winner's write is the one kept");
    }
    let audit = app.get("/api/v1/audit-events?action=beneficiary.updated&limit=500", Some(&admin)).await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 3, "one audited update per version, no more");
}

/// Three nodes starting at once on one database converge: one creates the
/// administrator and the reference data, the others find them (on
/// PostgreSQL they wait on the start-up lock).
#[actix_web::test]
async fn nodes_starting_together_converge() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    app.db.conn().execute_unprepared("DELETE FROM users").await.unwrap();
    let config = jiuzhu_api::config::Config {
        admin_password: Some("converge-password-1".into()),
        audit_key: Some(jiuzhu_tests::AUDIT_KEY.into()),
        ..jiuzhu_api::config::Config::default()
    };
    let clock = jiuzhu_core::SystemClock;
    let starts = (0..3).map(|_| jiuzhu_api::server::prepare_database(&app.db, &clock, &config));
    let outcomes = futures_util::future::join_all(starts).await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    let created = outcomes.iter().filter(|o| matches!(o, Ok(jiuzhu_platform::users::Bootstrap::CreatedWithConfiguredPassword))).count();
    assert_eq!(created, 1, "{outcomes:?}");
    assert!(!app.login("admin", "converge-password-1").await.is_empty(), "the administrator logs in");
}

/// During a failover the database answers writes with "read-only
/// transaction" (a standby, or a demoted primary): that is an outage, 503
/// with `Retry-After`, not a 500; reads go on, and writes come back once
/// the database takes them again.
#[actix_web::test]
async fn a_read_only_database_answers_writes_with_503_and_recovers() {
    let app = spawn_app().await;
    if app.db.backend() != Backend::Postgres {
        return;
    }
    let admin = app.admin_token().await;
    let operator = jiuzhu_platform::Db::connect(&app.database_url, 1).await.unwrap();
    let reconnect_all_as = |read_only: bool| {
        let operator = &operator;
        async move {
            let conn = operator.conn();
            let name: String = conn
                .query_one_raw(Statement::from_string(operator.db_backend(), "SELECT current_database() AS name"))
                .await
                .unwrap()
                .unwrap()
                .try_get("", "name")
                .unwrap();
            let setting = if read_only { "SET default_transaction_read_only = on" } else { "RESET default_transaction_read_only" };
            conn.execute_unprepared(&format!("ALTER DATABASE \"{name}\" {setting}")).await.unwrap();
            conn.execute_unprepared(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .await
            .unwrap();
        }
    };
    reconnect_all_as(true).await;
    for n in 0..6 {
        let body = serde_json::json!({"username": format!("during.failover.{n}"), "display_name": "x", "role": "auditor", "region_code": "640202", "password": "password-1234"});
        let reply = app.post_json("/api/v1/users", Some(&admin), &body).await;
        reply.assert_problem(503, "database_unavailable");
        assert!(reply.header("retry-after").is_some(), "{:?}", reply.headers);
    }
    assert_eq!(app.get("/api/v1/users?limit=5", Some(&admin)).await.status, 200, "reads go on against a read-only database");
    reconnect_all_as(false).await;
    let mut recovered = false;
    for n in 0..20 {
        let body = serde_json::json!({"username": format!("after.failover.{n}"), "display_name": "x", "role": "auditor", "region_code": "640202", "password": "password-1234"});
        if app.post_json("/api/v1/users", Some(&admin), &body).await.status == 201 {
            recovered = true;
            break;
        }
    }
    assert!(recovered, "writes come back once the database takes them");
}

/// With a read replica configured, exports (and reports) read from it while
/// lists stay on the primary, so a caller sees its own writes there. The
/// stand-in replica here is an empty database: what the export shows came
/// from it.
#[actix_web::test]
async fn exports_read_from_the_replica_and_lists_from_the_primary() {
    if std::env::var("JIUZHU_TEST_DATABASE_URL").map_or(true, |url| !url.starts_with("postgres")) {
        return; // A replica is a PostgreSQL standby.
    }
    let app = jiuzhu_tests::spawn_app_with_stand_in_replica().await;
    let admin = app.admin_token().await;
    for (code, name) in [("640202001", "甲街道"), ("640202001001", "甲社区")] {
        app.add_region(&admin, code, name).await;
    }
    let person = serde_json::json!({"name": "张秀兰", "id_number": "11010519491231002X", "region_code": "640202001001",
        "categories": [{"category": "extreme_poverty", "support_mode": "dispersed", "valid_from": "2024-01-01"}]});
    assert_eq!(app.post_json("/api/v1/beneficiaries", Some(&admin), &person).await.status, 201);
    let listed = app.get("/api/v1/beneficiaries", Some(&admin)).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1, "the list reads the primary: {}", listed.text);
    let exported = app.get("/api/v1/exports/service-targets?header=en", Some(&admin)).await;
    assert_eq!(exported.status, 200, "{}", exported.text);
    assert_eq!(String::from_utf8_lossy(&exported.raw).lines().count(), 1, "the export read the (empty) replica: only its header");
}
