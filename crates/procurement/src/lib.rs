//! Government purchase of services (政府购买), first part: fund accounts and
//! the 3% purchase cap, procurement projects with their method, funding and
//! evaluation criteria (price 10–30%), drafts sized from the needs list, and
//! the public list of published projects. Bids, awards, contracts,
//! sanctions, acceptance and OCDS come next.

pub mod bids;
pub mod entity;
pub mod funds;
pub mod projects;
pub mod rules;
