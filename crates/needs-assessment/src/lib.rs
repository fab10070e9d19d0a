//! Needs assessment (需求评估): the versioned assessment model (6 dimensions,
//! 10 indicators, weights, thresholds, need rules, exclusions), immutable
//! assessments with explained results, and the service needs list
//! (服务需求清单) with its database-computed summary, and the registry
//! search other departments ask.

pub mod assessments;
pub mod dci;
mod entity;
pub use entity::{move_region_records, region_scoped_tables};
pub mod figures;
pub mod models;
pub mod needs;
pub mod needs_export;
pub mod registry;
pub mod rules;
pub mod seeding;
