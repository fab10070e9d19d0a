//! sea-orm entities of the evaluation tables, one file per table.

pub mod appeal;
pub mod evaluation;
pub mod scheme;
pub mod score_sheet;

// Rows that belong to a region: read and written through `scope`.
jiuzhu_platform::region_scoped!(evaluation);
