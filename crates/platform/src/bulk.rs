//! Multi-row inserts for bulk use cases: rows go in as few statements as the
//! backends' bind-parameter limits allow (PostgreSQL 65,535, SQLite 32,766),
//! in the caller's transaction.

use jiuzhu_core::DomainError;
use sea_orm::sea_query::{Alias, CommonTableExpression, WithClause};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbBackend, EntityTrait, IntoActiveModel, Iterable, QueryTrait};

/// Bind parameters per statement: half of SQLite's limit.
const PARAMETERS_PER_STATEMENT: usize = 16_000;

/// Inserts every row (models or active models; every column is written)
/// with multi-row `INSERT`s of as many rows as fit the parameter budget.
pub async fn insert_all<A, M>(conn: &impl ConnectionTrait, rows: impl IntoIterator<Item = M>) -> Result<(), DomainError>
where
    A: ActiveModelTrait + Send,
    M: IntoActiveModel<A>,
{
    let columns = <A::Entity as EntityTrait>::Column::iter().count().max(1);
    let per_statement = (PARAMETERS_PER_STATEMENT / columns).max(1);
    let mut rows = rows.into_iter().map(|row| row.into_active_model().reset_all()).peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per_statement).collect();
        <A::Entity as EntityTrait>::insert_many(chunk).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Inserts two sets of rows of different tables (each set in its order). On
/// PostgreSQL, when both fit one statement's parameter budget, that is one
/// statement (the first insert as a data-modifying CTE): one round trip
/// instead of two for the audit row and event of every write. Otherwise,
/// and on SQLite (which has no such CTE), `insert_all` of each.
pub async fn insert_both<A, B, M, N>(
    conn: &impl ConnectionTrait,
    first: impl IntoIterator<Item = M>,
    second: impl IntoIterator<Item = N>,
) -> Result<(), DomainError>
where
    A: ActiveModelTrait + Send,
    B: ActiveModelTrait + Send,
    M: IntoActiveModel<A>,
    N: IntoActiveModel<B>,
{
    let first: Vec<A> = first.into_iter().map(|row| row.into_active_model().reset_all()).collect();
    let second: Vec<B> = second.into_iter().map(|row| row.into_active_model().reset_all()).collect();
    let parameters = first.len() * <A::Entity as EntityTrait>::Column::iter().count()
        + second.len() * <B::Entity as EntityTrait>::Column::iter().count();
    let together = conn.get_database_backend() == DbBackend::Postgres
        && !first.is_empty()
        && !second.is_empty()
        && parameters <= PARAMETERS_PER_STATEMENT;
    if !together {
        insert_all::<A, A>(conn, first).await?;
        return insert_all::<B, B>(conn, second).await;
    }
    let leading = CommonTableExpression::new()
        .query(<A::Entity as EntityTrait>::insert_many(first).into_query())
        .table_name(Alias::new("leading_insert"))
        .to_owned();
    let statement = WithClause::new().cte(leading).to_owned().query(<B::Entity as EntityTrait>::insert_many(second).into_query());
    conn.execute(&statement).await?;
    Ok(())
}
