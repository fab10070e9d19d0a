//! sea-orm entities of the intake tables, one file per table.

pub mod application;
pub mod application_item;
pub mod beneficiary;
pub mod referral;
