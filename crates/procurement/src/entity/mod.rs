//! sea-orm entities of the procurement tables, one file per table.

pub mod bid;
pub mod bid_score;
pub mod contract;
pub mod contract_entry;
pub mod fund_account;
pub mod procurement_project;
pub mod sanction;
