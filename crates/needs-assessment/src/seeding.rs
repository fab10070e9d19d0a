//! Generated assessments and needs written straight into needs assessment's
//! tables, for the synthetic seeder: each is scored by `assessments::assess`,
//! rows go in set-wise in the caller's transaction, and the seeder audits
//! the dataset once instead of each row.

use crate::entity::{assessment, need};
use crate::needs::NeedStatus;
use jiuzhu_core::DomainError;
use jiuzhu_platform::bulk::insert_all;
use sea_orm::ConnectionTrait;

/// An assessment as scored, before it is written.
pub type Assessment = assessment::Model;

/// A need as found by an assessment, before it is written.
pub type Need = need::Model;

/// Sets where a generated need stands (for one already served by a generated order).
pub fn set_status(need: &mut Need, status: NeedStatus) {
    need.status = status.code().into();
}

/// Writes the assessments, then their needs.
pub async fn load(conn: &impl ConnectionTrait, assessments: Vec<Assessment>, needs: Vec<Need>) -> Result<(), DomainError> {
    insert_all::<assessment::ActiveModel, _>(conn, assessments).await?;
    insert_all::<need::ActiveModel, _>(conn, needs).await
}
