//! sea-orm entities of the supply tables, one file per table.

pub mod provider;
pub mod service;
pub mod volunteer;
pub mod volunteer_hour;

// Rows that belong to a region: read and written through `scope`.
jiuzhu_platform::region_scoped!(provider, service, volunteer);
