//! Matching (匹配): services sent to people. The ranking of providers and
//! volunteers (from supply) for a need, batch proposals for a region,
//! service orders with their deliveries, feedback and follow-up visits,
//! reproducible inspection samples, inspections and provider performance.

mod entity;
pub use entity::{move_region_records, region_scoped_tables};
pub mod figures;
pub mod follow_ups;
pub mod inspections;
pub mod matches;
pub mod orders;
pub mod ranking;
pub mod rules;
pub mod satisfaction;
pub mod seeding;
