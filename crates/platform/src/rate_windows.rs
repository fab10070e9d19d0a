//! Request counts shared by the nodes, per rate-limit key and minute. A
//! node adds the hits it counted since its last sync in one statement and
//! reads back each key's total across nodes (see `api::rate_limit`).

use crate::db::Db;
use jiuzhu_core::DomainError;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};

#[derive(sea_orm::DeriveIden)]
enum RateWindows {
    Table,
    Key,
    Minute,
    Hits,
}

/// Hits of one key in one minute (unix seconds / 60).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hits {
    pub key: String,
    pub minute: i64,
    pub hits: i64,
}

/// Adds each count to its key's minute and returns the totals after the
/// addition, across every node. Rows are written in key order, so that two
/// nodes adding to the same keys lock them in the same order (no deadlock).
pub async fn add(db: &Db, counts: &[Hits]) -> Result<Vec<Hits>, DomainError> {
    if counts.is_empty() {
        return Ok(Vec::new());
    }
    let mut counts = counts.to_vec();
    counts.sort_by(|a, b| (&a.key, a.minute).cmp(&(&b.key, b.minute)));
    let mut insert = Query::insert();
    insert.into_table(RateWindows::Table).columns([RateWindows::Key, RateWindows::Minute, RateWindows::Hits]);
    for count in counts {
        insert
            .values([count.key.clone().into(), count.minute.into(), count.hits.into()])
            .map_err(|e| DomainError::Internal(e.to_string()))?;
    }
    insert.on_conflict(
        OnConflict::columns([RateWindows::Key, RateWindows::Minute])
            .value(RateWindows::Hits, Expr::col((RateWindows::Table, RateWindows::Hits)).add(Expr::cust("excluded.hits")))
            .to_owned(),
    );
    insert.returning(Query::returning().columns([RateWindows::Key, RateWindows::Minute, RateWindows::Hits]));
    let txn = db.begin_write().await?;
    let rows = txn.query_all_raw(db.db_backend().build(&insert)).await?;
    txn.commit().await?;
    rows.iter()
        .map(|row| Ok(Hits { key: row.try_get("", "key")?, minute: row.try_get("", "minute")?, hits: row.try_get("", "hits")? }))
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(DomainError::from)
}

/// Drops the counts of minutes before `minute`.
pub async fn forget_before(db: &Db, minute: i64) -> Result<(), DomainError> {
    let delete = Query::delete().from_table(RateWindows::Table).and_where(Expr::col(RateWindows::Minute).lt(minute)).to_owned();
    let txn = db.begin_write().await?;
    txn.execute_raw(db.db_backend().build(&delete)).await?;
    txn.commit().await?;
    Ok(())
}
