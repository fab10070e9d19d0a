//! sea-orm entities of the platform tables, one file per table.

pub mod api_client;
pub mod audit_chain_head;
pub mod audit_event;
pub mod audit_inbox;
pub mod department;
pub mod event;
pub mod event_inbox;
pub mod idempotency_key;
pub mod import_error;
pub mod import_job;
pub mod login_failure;
pub mod region;
pub mod user;
pub mod webhook;
pub mod webhook_attempt;
pub mod webhook_delivery;

// Rows that belong to a region: read and written through `scope`.
crate::region_scoped!(api_client, user; history: audit_event, event);
