//! sea-orm entities of the evaluation tables, one file per table.

pub mod appeal;
pub mod evaluation;
pub mod scheme;
pub mod score_sheet;
