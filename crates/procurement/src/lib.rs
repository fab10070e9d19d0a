//! Government purchase of services (政府购买): fund accounts and the 3%
//! purchase cap, procurement projects with their method, funding and
//! evaluation criteria (price 10–30%), drafts sized from the needs list, the
//! public list, the bid panel, bids with each member's own sheets and the award, contracts with their
//! ledger, supervision and payments, three-year sanctions, acceptance
//! (gated by the evaluation, asked by the caller) and the OCDS export.

pub mod bids;
pub mod contracts;
mod entity;
pub use entity::{move_region_records, region_scoped_tables};
pub mod figures;
pub mod fund_figures;
pub mod funds;
pub mod ocds;
pub mod panel;
pub mod projects;
pub mod rules;
