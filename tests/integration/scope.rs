//! Region scope is one mechanism (`platform::scope`, ADR 0010): no module
//! builds a region subtree by hand, and every table with a `region_code`
//! column belongs to an entity declared region-scoped.

use jiuzhu_platform::scope::RegionScoped;
use jiuzhu_tests::spawn_app;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use std::collections::BTreeSet;

/// Files that may build a region's subtree themselves, and why.
const SUBTREE_BUILDERS: [(&str, &str); 6] = [
    ("crates/core/src/region.rs", "defines the subtree prefix"),
    ("crates/platform/src/scope.rs", "the mechanism"),
    ("crates/platform/src/stats.rs", "a report window, whose region comes from Actor::region_within"),
    ("crates/reports/src/pilot_summary.rs", "counts inside a report window"),
    ("crates/reports/src/overview.rs", "counts inside a report window"),
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

fn table<E: RegionScoped + Default>() -> String {
    E::default().table_name().to_string()
}

#[actix_web::test]
async fn every_table_with_a_region_belongs_to_a_region_scoped_entity() {
    use jiuzhu_evaluation::entity as evaluation;
    use jiuzhu_intake::entity as intake;
    use jiuzhu_matching::entity as matching;
    use jiuzhu_needs_assessment::entity as needs;
    use jiuzhu_platform::entity as platform;
    use jiuzhu_procurement::entity as procurement;
    let declared: BTreeSet<String> = [
        table::<evaluation::evaluation::Entity>(),
        table::<intake::application::Entity>(),
        table::<intake::beneficiary::Entity>(),
        table::<intake::discovery::Entity>(),
        table::<intake::hotline_ticket::Entity>(),
        table::<intake::household::Entity>(),
        table::<intake::referral::Entity>(),
        table::<intake::visit::Entity>(),
        table::<matching::delivery::Entity>(),
        table::<matching::follow_up::Entity>(),
        table::<matching::inspection::Entity>(),
        table::<matching::inspection_sample::Entity>(),
        table::<matching::provider::Entity>(),
        table::<matching::service::Entity>(),
        table::<matching::service_order::Entity>(),
        table::<matching::volunteer::Entity>(),
        table::<needs::assessment::Entity>(),
        table::<needs::need::Entity>(),
        table::<platform::api_client::Entity>(),
        table::<platform::audit_event::Entity>(),
        table::<platform::event::Entity>(),
        table::<platform::user::Entity>(),
        table::<procurement::contract::Entity>(),
        table::<procurement::fund_account::Entity>(),
        table::<procurement::procurement_project::Entity>(),
        table::<procurement::sanction::Entity>(),
        // Scoped by its owner, whose account decides what it carries.
        "webhooks".to_string(),
        // The relay's inboxes: nobody reads them but the relay, which moves
        // their rows into `audit_events` and `events`.
        "audit_inbox".to_string(),
        "event_inbox".to_string(),
    ]
    .into_iter()
    .collect();
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
