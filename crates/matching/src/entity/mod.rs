//! sea-orm entities of the matching tables, one file per table.

pub mod provider;
pub mod service;
pub mod volunteer;
pub mod volunteer_hour;
