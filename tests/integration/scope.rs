//! Region scope is one mechanism (`platform::scope`, ADR 0010): no module
//! builds a region subtree by hand, and every table with a `region_code`
//! column belongs to an entity declared region-scoped.

use jiuzhu_tests::spawn_app;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use std::collections::BTreeSet;

/// Files that may build a region's subtree themselves, and why.
const SUBTREE_BUILDERS: [(&str, &str); 4] = [
    ("crates/core/src/region.rs", "defines the subtree prefix"),
    ("crates/platform/src/scope.rs", "the mechanism"),
    ("crates/platform/src/stats.rs", "a report window, whose region comes from Actor::region_within"),
    ("crates/procurement/src/fund_figures.rs", "sums inside a report window"),
];

fn rust_files(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn region_subtrees_are_built_only_by_the_scope_mechanism() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files);
    assert!(files.len() > 100, "the crates were found");
    let mut offenders = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&root).unwrap().display().to_string();
        if SUBTREE_BUILDERS.iter().any(|(allowed, _)| *allowed == relative) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.contains("subtree_prefix()") || line.contains("RegionCode.like(") || line.contains("region_pattern") {
                offenders.push(format!("{relative}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "scope by hand instead of platform::scope:\n{}", offenders.join("\n"));
}

/// Each area keeps its tables to itself (ADR 0017): no crate names another
/// crate's `entity` module; it calls the owner's functions instead.
#[test]
fn no_crate_reads_another_crates_tables() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files);
    let mut offenders = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&root).unwrap().display().to_string();
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let names_a_crate = line.contains("jiuzhu_") && !line.contains("jiuzhu_core::");
            if names_a_crate && (line.contains("::entity::") || line.contains("::entity;") || line.contains("::entity as")) {
                offenders.push(format!("{relative}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "another crate's tables read directly:\n{}", offenders.join("\n"));
}

#[actix_web::test]
async fn every_table_with_a_region_belongs_to_a_region_scoped_entity() {
    let declared: BTreeSet<String> = [
        jiuzhu_evaluation::region_scoped_tables(),
        jiuzhu_intake::region_scoped_tables(),
        jiuzhu_matching::region_scoped_tables(),
        jiuzhu_supply::region_scoped_tables(),
        jiuzhu_needs_assessment::region_scoped_tables(),
        jiuzhu_platform::region_scoped_tables(),
        jiuzhu_procurement::region_scoped_tables(),
        // Scoped by its owner, whose account decides what it carries.
        vec!["webhooks"],
        // The relay's inboxes: nobody reads them but the relay, which moves
        // their rows into `audit_events` and `events`.
        vec!["audit_inbox", "event_inbox"],
    ]
    .into_iter()
    .flatten()
    .map(String::from)
    .collect();
    assert!(declared.contains("beneficiaries") && declared.contains("service_orders"), "{declared:?}");
    let app = spawn_app().await;
    let conn = app.db.conn();
    let sql = match conn.get_database_backend() {
        DatabaseBackend::Postgres => {
            "SELECT table_name AS name FROM information_schema.columns WHERE column_name = 'region_code' AND table_schema = current_schema()"
        }
        _ => {
            "SELECT m.name AS name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = 'region_code'"
        }
    };
    let rows = conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql)).await.unwrap();
    let with_region: BTreeSet<String> = rows.iter().map(|r| r.try_get::<String>("", "name").unwrap()).collect();
    assert!(with_region.len() > 20, "the tables were found: {with_region:?}");
    let undeclared: Vec<&String> = with_region.difference(&declared).collect();
    assert!(undeclared.is_empty(), "tables with a region_code that no region-scoped entity declares: {undeclared:?}");
}
