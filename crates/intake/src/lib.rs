//! Intake (受理): the service target list (beneficiaries), one-form
//! applications, and the referral of non-service needs to the departments
//! that own them. Discoveries, signals, visits, hotline tickets and bulk
//! import are still to come.

pub mod applications;
pub mod beneficiaries;
pub mod discoveries;
pub mod entity;
pub mod hotline;
pub mod import;
pub mod referrals;
pub mod rules;
pub mod visits;
