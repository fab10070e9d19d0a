//! Matching (匹配), first part: the service project list (the 32 guidance
//! items and local additions), providers (承接主体) with their eligibility,
//! offer and capacity, volunteers with the mutual-aid programmes and their
//! time ledger, and the ranking of candidates for a need. Service orders,
//! deliveries and supervision come next.

pub mod catalogue;
pub mod entity;
pub mod matches;
pub mod providers;
pub mod rules;
pub mod volunteers;
