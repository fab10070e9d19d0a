//! Supply (服务供给): what can be bought and who can deliver it. The service
//! project list (the 32 guidance items and local additions, with the city's
//! approval of government-funded local items), providers (承接主体) with
//! their eligibility, offer, capacity and running satisfaction totals, and
//! volunteers with the mutual-aid programmes and their time ledger. Matching
//! and procurement both build on it and on nothing of each other.

pub mod catalogue;
pub mod catalogue_export;
mod entity;
pub mod hsds;
pub use entity::{move_region_records, region_scoped_tables};
pub mod providers;
pub mod rules;
pub mod volunteers;
