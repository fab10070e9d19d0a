//! Evaluation of purchased projects (项目评估): indicator schemes (Annex 3's
//! default and custom ones with sub-indicators), mid-term and final
//! evaluations by a purchaser-led group or a third party, score sheets,
//! totals and grades, reports, approval and publication, appeals whose
//! review is final, the evidence beside the scores and the grade summary.

mod entity;
pub use entity::{move_region_records, region_scoped_tables};
pub mod evaluations;
pub mod figures;
pub mod rules;
pub mod schemes;
