//! Matching (匹配): the service project list (the 32 guidance items and
//! local additions), providers (承接主体) with their eligibility, offer and
//! capacity, volunteers with the mutual-aid programmes and their time
//! ledger, the ranking of candidates for a need, and service orders with
//! their deliveries, feedback and follow-up visits; reproducible inspection
//! samples, inspections and provider performance. Batch matching comes next.

pub mod catalogue;
pub mod catalogue_export;
mod entity;
pub use entity::region_scoped_tables;
pub mod figures;
pub mod follow_ups;
pub mod inspections;
pub mod matches;
pub mod orders;
pub mod providers;
pub mod ranking;
pub mod rules;
pub mod satisfaction;
pub mod seeding;
pub mod volunteers;
