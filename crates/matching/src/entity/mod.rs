//! sea-orm entities of the matching tables, one file per table.

pub mod delivery;
pub mod feedback;
pub mod follow_up;
pub mod inspection;
pub mod inspection_sample;
pub mod service_order;

// Rows that belong to a region: read and written through `scope`.
jiuzhu_platform::region_scoped!(delivery, follow_up, inspection, inspection_sample, service_order);
