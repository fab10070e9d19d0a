//! Intake (受理): the service target list (beneficiaries and households)
//! and its bulk import, one-form applications, the referral of non-service
//! needs to the departments that own them, proactive discovery with
//! department signals, station visits and the 12349 hotline.

pub mod applications;
pub mod beneficiaries;
pub mod beneficiaries_export;
pub mod discoveries;
mod entity;
pub use entity::{move_region_records, region_scoped_tables};
pub mod figures;
pub mod hotline;
pub mod households;
pub mod import;
pub mod referrals;
pub mod rules;
pub mod seeding;
pub mod visits;
