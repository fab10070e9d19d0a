//! sea-orm entities of the matching tables, one file per table.

pub mod delivery;
pub mod feedback;
pub mod follow_up;
pub mod inspection;
pub mod inspection_sample;
pub mod provider;
pub mod service;
pub mod service_order;
pub mod volunteer;
pub mod volunteer_hour;

// Rows that belong to a region: read and written through `scope`.
jiuzhu_platform::region_scoped!(delivery, follow_up, inspection, inspection_sample, provider, service, service_order, volunteer);
