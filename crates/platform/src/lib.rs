//! Cross-cutting persisted things every domain shares: the database handle
//! (with SQLite's single-writer gate), staff users and the bootstrap
//! administrator, regions, departments, and demo data.

pub mod accounts;
pub mod audit;
pub mod bulk;
pub mod clients;
pub mod concurrency;
pub mod db;
pub mod demo;
pub mod departments;
pub mod duties;
/// Reachable only for the integration tests, which play someone with write
/// access to the database (a tampered audit chain, a crashed node's claims).
/// No crate uses it: a test reads the sources and fails on any such path.
#[doc(hidden)]
pub mod entity;
pub use entity::{move_region_records, region_scoped_tables};
pub mod export;
pub mod hash;
pub mod idempotency;
pub mod imports;
pub mod login;
pub mod login_throttle;
pub mod outbox;
pub mod paging;
pub mod password;
pub mod probing;
pub mod rate_windows;
pub mod record;
pub mod region_tree;
pub mod regions;
pub mod relay;
pub mod scope;
pub mod stats;
pub mod totals;
pub mod user_admin;
pub mod users;
pub mod webhook_dispatch;
pub mod webhooks;

pub use db::{Backend, ClusterLock, Db, WriteTxn};
