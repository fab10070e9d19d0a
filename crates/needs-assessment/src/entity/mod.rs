//! sea-orm entities of the needs-assessment tables, one file per table.

pub mod assessment;
pub mod assessment_model;
pub mod dci_reference;
pub mod dci_transaction;
pub mod need;

// Rows that belong to a region: read and written through `scope`.
jiuzhu_platform::region_scoped!(assessment, need);
