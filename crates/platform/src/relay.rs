//! The commit-ordered relay. Use cases write audit rows and events into
//! inboxes without any shared lock; one relay at a time, cluster-wide
//! (`ClusterLock::Relay`), moves what has committed into the audit chain
//! and the event feed, giving each row the next `seq` or position. A
//! reader therefore never sees a position filled in behind one it was
//! given, and a slow commit delays only its own rows, not every writer.

use crate::audit;
use crate::db::{ClusterLock, Db};
use crate::entity::{audit_inbox, event_inbox};
use crate::outbox;
use jiuzhu_core::DomainError;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

/// Rows of each inbox one pass moves.
pub const BATCH: u64 = 2000;

/// Whether a pass waits for a relay running on another node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Wait, then move what is still waiting (a reader catching up).
    Yes,
    /// Leave the work to the node that holds the relay (the background tick).
    No,
}

/// The background tick's pass: none at all (no transaction, no lock) while
/// both inboxes are empty, otherwise `pass` without waiting for another node.
pub async fn tick(db: &Db) -> Result<usize, DomainError> {
    if Marks::now(db.conn()).await?.nothing() {
        return Ok(0);
    }
    pass(db, Wait::No).await
}

/// One pass: up to `BATCH` rows of each inbox, in one transaction. Returns
/// how many rows moved (0 also when another node holds the relay and
/// `wait` is `No`).
pub async fn pass(db: &Db, wait: Wait) -> Result<usize, DomainError> {
    let txn = db.begin_write().await?;
    let held = match wait {
        Wait::Yes => {
            db.hold(&txn, ClusterLock::Relay).await?;
            true
        }
        Wait::No => db.try_hold(&txn, ClusterLock::Relay).await?,
    };
    if !held {
        txn.commit().await?;
        return Ok(0);
    }
    let moved = audit::chain_pending(&*txn, BATCH).await? + outbox::position_pending(&*txn, BATCH).await?;
    txn.commit().await?;
    Ok(moved)
}

/// The newest inbox entries at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Marks {
    audit: Option<i64>,
    events: Option<i64>,
}

impl Marks {
    async fn now(conn: &impl ConnectionTrait) -> Result<Self, DomainError> {
        Ok(Self {
            audit: newest::<audit_inbox::Entity>(conn, audit_inbox::Column::Entry).await?,
            events: newest::<event_inbox::Entity>(conn, event_inbox::Column::Entry).await?,
        })
    }

    fn nothing(&self) -> bool {
        self.audit.is_none() && self.events.is_none()
    }

    /// Whether rows at or before the marks are still waiting.
    async fn waiting(&self, conn: &impl ConnectionTrait) -> Result<bool, DomainError> {
        Ok(waits::<audit_inbox::Entity>(conn, audit_inbox::Column::Entry, self.audit).await?
            || waits::<event_inbox::Entity>(conn, event_inbox::Column::Entry, self.events).await?)
    }
}

/// The largest value of an integer column (`None` while the table is empty).
pub(crate) async fn newest<E: EntityTrait>(conn: &impl ConnectionTrait, column: E::Column) -> Result<Option<i64>, DomainError> {
    let newest: Option<Option<i64>> = E::find().select_only().expr(Expr::col(column).max()).into_tuple().one(conn).await?;
    Ok(newest.flatten())
}

async fn waits<E: EntityTrait>(conn: &impl ConnectionTrait, entry: E::Column, mark: Option<i64>) -> Result<bool, DomainError> {
    let Some(mark) = mark else {
        return Ok(false);
    };
    Ok(E::find().filter(entry.lte(mark)).select_only().column(entry).limit(1).into_tuple::<i64>().one(conn).await?.is_some())
}

/// Returns once every row that had committed when it was called is in the
/// chain and the feed: reads that must show a caller its own writes (the
/// feed, the audit log, chain verification) call it first. It costs two
/// index reads when nothing waits.
/// Never call it inside a write transaction: on SQLite it takes the write gate.
pub async fn drain(db: &Db) -> Result<(), DomainError> {
    let marks = Marks::now(db.conn()).await?;
    while marks.waiting(db.conn()).await? {
        if pass(db, Wait::Yes).await? == 0 {
            // Another node moved them between the check and the pass.
            break;
        }
    }
    Ok(())
}
