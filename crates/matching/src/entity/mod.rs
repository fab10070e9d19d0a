//! sea-orm entities of the matching tables, one file per table.

pub mod delivery;
pub mod feedback;
pub mod follow_up;
pub mod provider;
pub mod service;
pub mod service_order;
pub mod volunteer;
pub mod volunteer_hour;
