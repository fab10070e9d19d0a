//! sea-orm entities of the procurement tables, one file per table.

pub mod bid;
pub mod bid_score;
pub mod contract;
pub mod contract_entry;
pub mod fund_account;
pub mod procurement_project;
pub mod sanction;

// Rows that belong to a region: read and written through `scope`.
jiuzhu_platform::region_scoped!(contract, fund_account, procurement_project, sanction);
