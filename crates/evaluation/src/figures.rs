//! The figures reports take from evaluation's tables, counted here so that
//! no report reads them: evaluations by grade and appeals by status in a
//! region subtree and creation window, and evaluations started per period
//! for the time series.

use crate::entity::{appeal, evaluation};
use jiuzhu_core::DomainError;
use jiuzhu_platform::stats::{Counted, Counts, Window, count_by};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};

jiuzhu_platform::counted_tables! {
    /// Evaluations started
    Evaluations => evaluation,
}

const EVALUATIONS: Counted<evaluation::Column> =
    Counted { region: evaluation::Column::RegionCode, created_at: evaluation::Column::CreatedAt };

/// Evaluations started in the window, by grade; `none` until scored.
pub async fn evaluations_by_grade(conn: &impl ConnectionTrait, window: &Window) -> Result<Counts, DomainError> {
    count_by::<evaluation::Entity>(conn, &EVALUATIONS, window, evaluation::Column::Grade, Condition::all()).await
}

/// Appeals lodged in the window against evaluations in the window's region
/// (whenever those started), by status.
pub async fn appeals_by_status(conn: &impl ConnectionTrait, window: &Window) -> Result<Counts, DomainError> {
    let evaluations_here = evaluation::Entity::find().select_only().column(evaluation::Column::Id).filter(EVALUATIONS.in_region(window));
    let mut appeals = appeal::Entity::find()
        .select_only()
        .column(appeal::Column::Status)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(appeal::Column::EvaluationId.in_subquery(evaluations_here.into_query()))
        .group_by(appeal::Column::Status);
    if let Some(from) = window.from {
        appeals = appeals.filter(appeal::Column::CreatedAt.gte(from));
    }
    if let Some(to) = window.to {
        appeals = appeals.filter(appeal::Column::CreatedAt.lt(to));
    }
    let rows: Vec<(String, i64)> = appeals.into_tuple().all(conn).await?;
    Ok(rows.into_iter().collect())
}
