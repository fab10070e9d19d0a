//! sea-orm entities of the needs-assessment tables, one file per table.

pub mod assessment;
pub mod assessment_model;
pub mod need;
