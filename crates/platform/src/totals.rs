//! Totals summed in the database: one filtered `SUM` of an integer column,
//! 0 when no row matches, as a 64-bit integer on both backends.

use jiuzhu_core::DomainError;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QuerySelect, Select};

/// The sum of `column` over the rows `query` selects.
pub async fn sum_of<E: EntityTrait>(conn: &impl ConnectionTrait, query: Select<E>, column: impl ColumnTrait) -> Result<i64, DomainError> {
    let total: Option<i64> = query
        .select_only()
        .column_as(Expr::cust(format!("CAST(COALESCE(SUM({}), 0) AS BIGINT)", column.as_str())), "total")
        .into_tuple()
        .one(conn)
        .await?;
    Ok(total.unwrap_or(0))
}
