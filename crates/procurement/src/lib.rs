//! Government purchase of services (政府购买): fund accounts and the 3%
//! purchase cap, procurement projects with their method, funding and
//! evaluation criteria (price 10–30%), drafts sized from the needs list, the
//! public list, bids with panel scores and the award, contracts with their
//! ledger, supervision and payments, and three-year sanctions. Acceptance
//! (which needs the evaluation) and the OCDS export come next.

pub mod bids;
pub mod contracts;
pub mod entity;
pub mod funds;
pub mod projects;
pub mod rules;
