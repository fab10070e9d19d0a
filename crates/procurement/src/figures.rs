//! The figures reports take from procurement's tables, counted here so that
//! no report reads them: projects in a region subtree and creation window,
//! and rows created per period for the time series.

use crate::entity::procurement_project;
use jiuzhu_core::DomainError;
use jiuzhu_platform::stats::{Counted, Counts, Window, count_by};
use sea_orm::{Condition, ConnectionTrait};

jiuzhu_platform::counted_tables! {
    /// Procurement projects
    Projects => procurement_project,
}

const PROJECTS: Counted<procurement_project::Column> =
    Counted { region: procurement_project::Column::RegionCode, created_at: procurement_project::Column::CreatedAt };

/// Projects created in the window, by status.
pub async fn projects_by_status(conn: &impl ConnectionTrait, window: &Window) -> Result<Counts, DomainError> {
    count_by::<procurement_project::Entity>(conn, &PROJECTS, window, procurement_project::Column::Status, Condition::all()).await
}
