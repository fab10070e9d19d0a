//! The figures reports take from procurement's tables, counted here so that
//! no report reads them: projects (by status and method, with their
//! budgets), contracts and sanctions in a region subtree and creation
//! window, and rows created per period for the time series.

use crate::entity::{contract, procurement_project, sanction};
use jiuzhu_core::DomainError;
use jiuzhu_platform::stats::{Counted, Counts, Window, count, count_by, sum_by};
use sea_orm::{Condition, ConnectionTrait};

jiuzhu_platform::counted_tables! {
    /// Procurement projects
    Projects => procurement_project,
}

const PROJECTS: Counted<procurement_project::Column> =
    Counted { region: procurement_project::Column::RegionCode, created_at: procurement_project::Column::CreatedAt };

const CONTRACTS: Counted<contract::Column> = Counted { region: contract::Column::RegionCode, created_at: contract::Column::CreatedAt };
const SANCTIONS: Counted<sanction::Column> = Counted { region: sanction::Column::RegionCode, created_at: sanction::Column::CreatedAt };

/// Projects created in the window, by procurement method.
pub async fn projects_by_method(conn: &impl ConnectionTrait, window: &Window) -> Result<Counts, DomainError> {
    count_by::<procurement_project::Entity>(conn, &PROJECTS, window, procurement_project::Column::Method, Condition::all()).await
}

/// The budgets (fen) of the projects created in the window, by procurement method.
pub async fn budget_fen_by_method(conn: &impl ConnectionTrait, window: &Window) -> Result<Counts, DomainError> {
    let (method, budget) = (procurement_project::Column::Method, procurement_project::Column::BudgetFen);
    sum_by::<procurement_project::Entity>(conn, &PROJECTS, window, method, budget, Condition::all()).await
}

/// Contracts signed in the window, by status.
pub async fn contracts_by_status(conn: &impl ConnectionTrait, window: &Window) -> Result<Counts, DomainError> {
    count_by::<contract::Entity>(conn, &CONTRACTS, window, contract::Column::Status, Condition::all()).await
}

/// Sanctions recorded in the window by deciders in the region.
pub async fn sanctions(conn: &impl ConnectionTrait, window: &Window) -> Result<i64, DomainError> {
    count::<sanction::Entity>(conn, &SANCTIONS, window, Condition::all()).await
}

/// Projects created in the window, by status.
pub async fn projects_by_status(conn: &impl ConnectionTrait, window: &Window) -> Result<Counts, DomainError> {
    count_by::<procurement_project::Entity>(conn, &PROJECTS, window, procurement_project::Column::Status, Condition::all()).await
}
