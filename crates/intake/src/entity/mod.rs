//! sea-orm entities of the intake tables, one file per table.

pub mod application;
pub mod application_item;
pub mod beneficiary;
pub mod discovery;
pub mod hotline_ticket;
pub mod household;
pub mod referral;
pub mod signal;
pub mod visit;

// Rows that belong to a region: read and written through `scope`.
jiuzhu_platform::region_scoped!(application, beneficiary, discovery, hotline_ticket, household, referral, visit);
