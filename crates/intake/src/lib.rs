//! Intake (受理): the service target list (beneficiaries), one-form
//! applications, and the referral of non-service needs to the departments
//! that own them. Discoveries, signals, visits, hotline tickets and bulk
//! import are still to come.

pub mod applications;
pub mod beneficiaries;
pub mod entity;
pub mod import;
pub mod referrals;
pub mod rules;
