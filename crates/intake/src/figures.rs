//! The figures reports take from intake's tables, counted here so that
//! no report reads them: rows created per period in a region subtree.

use crate::entity::{application, beneficiary, referral};

jiuzhu_platform::counted_tables! {
    /// People on the service target list
    Beneficiaries => beneficiary,
    /// One-form applications
    Applications => application,
    /// Transfers to departments
    Referrals => referral,
}
