//! Multi-row inserts for bulk use cases: rows go in as few statements as the
//! backends' bind-parameter limits allow (PostgreSQL 65,535, SQLite 32,766),
//! in the caller's transaction.

use jiuzhu_core::DomainError;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Iterable};

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
