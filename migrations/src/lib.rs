//! The whole jiuzhu schema as sea-orm migrations, written with the sea-query
//! schema builder so one set serves SQLite and PostgreSQL. One migration per
//! change; never edit a migration that has shipped.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_foundation;
mod m20261129_000002_reference_data;
mod m20261129_000003_security;
mod m20261129_000004_intake;
mod m20261129_000005_intake_discovery;
mod m20261129_000006_needs_assessment;
mod m20261129_000007_matching_registry;
mod m20261129_000008_procurement_funds;
mod m20261129_000009_procurement_bids;
mod m20261129_000010_contracts;
mod m20261129_000011_service_orders;
mod m20261129_000012_inspections;
mod m20261129_000013_evaluation;
mod m20261129_000014_webhooks;
mod m20261129_000015_follow_up_visits;
mod m20261129_000016_key_townships;
mod m20261129_000017_import_heartbeat;
mod m20261129_000018_order_capacity_index;
mod m20261129_000019_provider_feedback_totals;
mod m20261129_000020_beneficiary_paging_index;
mod m20261201_000021_security_stamp;
mod m20261201_000022_sanction_scope;
mod m20261201_000023_audit_actor_index;
mod m20261201_000024_keyed_audit_chain;
mod m20261201_000025_login_failure_source;
mod m20261201_000026_commit_ordered_relay;
mod m20261201_000027_rate_windows;
mod m20261201_000028_contract_instalments;
mod m20261201_000029_evaluation_report_author;
mod m20261201_000030_overdue_announcements;
mod m20261201_000031_bid_panel;
mod m20261201_000032_local_item_approval;
mod m20261201_000033_item_member;
mod m20261201_000034_item_resolution;
mod m20261203_000035_project_milestones;
mod m20261203_000036_dci_transactions;
mod m20261204_000037_region_changes;

pub use m20261129_000003_security::GENESIS_HASH;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_foundation::Migration),
            Box::new(m20261129_000002_reference_data::Migration),
            Box::new(m20261129_000003_security::Migration),
            Box::new(m20261129_000004_intake::Migration),
            Box::new(m20261129_000005_intake_discovery::Migration),
            Box::new(m20261129_000006_needs_assessment::Migration),
            Box::new(m20261129_000007_matching_registry::Migration),
            Box::new(m20261129_000008_procurement_funds::Migration),
            Box::new(m20261129_000009_procurement_bids::Migration),
            Box::new(m20261129_000010_contracts::Migration),
            Box::new(m20261129_000011_service_orders::Migration),
            Box::new(m20261129_000012_inspections::Migration),
            Box::new(m20261129_000013_evaluation::Migration),
            Box::new(m20261129_000014_webhooks::Migration),
            Box::new(m20261129_000015_follow_up_visits::Migration),
            Box::new(m20261129_000016_key_townships::Migration),
            Box::new(m20261129_000017_import_heartbeat::Migration),
            Box::new(m20261129_000018_order_capacity_index::Migration),
            Box::new(m20261129_000019_provider_feedback_totals::Migration),
            Box::new(m20261129_000020_beneficiary_paging_index::Migration),
            Box::new(m20261201_000021_security_stamp::Migration),
            Box::new(m20261201_000022_sanction_scope::Migration),
            Box::new(m20261201_000023_audit_actor_index::Migration),
            Box::new(m20261201_000024_keyed_audit_chain::Migration),
            Box::new(m20261201_000025_login_failure_source::Migration),
            Box::new(m20261201_000026_commit_ordered_relay::Migration),
            Box::new(m20261201_000027_rate_windows::Migration),
            Box::new(m20261201_000028_contract_instalments::Migration),
            Box::new(m20261201_000029_evaluation_report_author::Migration),
            Box::new(m20261201_000030_overdue_announcements::Migration),
            Box::new(m20261201_000031_bid_panel::Migration),
            Box::new(m20261201_000032_local_item_approval::Migration),
            Box::new(m20261201_000033_item_member::Migration),
            Box::new(m20261201_000034_item_resolution::Migration),
            Box::new(m20261203_000035_project_milestones::Migration),
            Box::new(m20261203_000036_dci_transactions::Migration),
            Box::new(m20261204_000037_region_changes::Migration),
        ]
    }
}

/// Names of every migration, in order; tests key their template database on it.
pub fn fingerprint() -> String {
    Migrator::migrations().iter().map(|m| m.name().to_string()).collect::<Vec<_>>().join(",")
}
