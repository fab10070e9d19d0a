//! The figures reports take from needs assessment's tables, counted here so
//! that no report reads them: assessments and needs in a region subtree and
//! creation window, one aggregate query per figure, and rows created per
//! period for the time series.

use crate::entity::{assessment, need};
use crate::needs::NeedStatus;
use jiuzhu_core::DomainError;
use jiuzhu_platform::stats::{Counted, Counts, Window, count, count_by};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait};

jiuzhu_platform::counted_tables! {
    /// Needs assessments
    Assessments => assessment,
    /// Service needs
    Needs => need,
}

const ASSESSMENTS: Counted<assessment::Column> =
    Counted { region: assessment::Column::RegionCode, created_at: assessment::Column::CreatedAt };
const NEEDS: Counted<need::Column> = Counted { region: need::Column::RegionCode, created_at: need::Column::CreatedAt };

fn current() -> Condition {
    Condition::all().add(assessment::Column::SupersededBy.is_null())
}

/// Current (not superseded) assessments made in the window.
pub async fn current_assessments(conn: &impl ConnectionTrait, window: &Window) -> Result<i64, DomainError> {
    count::<assessment::Entity>(conn, &ASSESSMENTS, window, current()).await
}

/// Current (not superseded) assessments made in the window, by degree.
pub async fn current_assessments_by_degree(conn: &impl ConnectionTrait, window: &Window) -> Result<Counts, DomainError> {
    count_by::<assessment::Entity>(conn, &ASSESSMENTS, window, assessment::Column::Degree, current()).await
}

/// Needs identified in the window, by status.
pub async fn needs_by_status(conn: &impl ConnectionTrait, window: &Window) -> Result<Counts, DomainError> {
    count_by::<need::Entity>(conn, &NEEDS, window, need::Column::Status, Condition::all()).await
}

/// Needs identified in the window (only those in `status`, when given), by service code.
pub async fn needs_by_service(conn: &impl ConnectionTrait, window: &Window, status: Option<NeedStatus>) -> Result<Counts, DomainError> {
    let mut condition = Condition::all();
    if let Some(status) = status {
        condition = condition.add(need::Column::Status.eq(status.code()));
    }
    count_by::<need::Entity>(conn, &NEEDS, window, need::Column::ServiceCode, condition).await
}
