//! `Db`: the connection pool plus a write gate. SQLite allows one writer at a
//! time, so on SQLite every write transaction first takes an in-process
//! mutex; PostgreSQL writes run concurrently under its own locking.

use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, TransactionTrait};
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The work that one node at a time does, each under a PostgreSQL advisory
/// lock of its own key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterLock {
    /// Migrations, the bootstrap administrator and reference data.
    Startup,
    /// Chaining the audit inbox and numbering the event inbox (`relay`).
    Relay,
}

impl ClusterLock {
    /// The advisory lock key: "jiuzhu" in ASCII, then the work's number.
    fn key(self) -> i64 {
        const BASE: i64 = 0x6a69_757a_6875 << 8;
        match self {
            ClusterLock::Startup => BASE,
            ClusterLock::Relay => BASE + 1,
        }
    }
}

/// Held while one node runs start-up work; `release` (or drop) lets the next in.
pub struct StartupLock(Option<DatabaseTransaction>);

impl StartupLock {
    pub async fn release(self) -> Result<(), DbErr> {
        match self.0 {
            Some(txn) => txn.commit().await,
            None => Ok(()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Db {
    conn: DatabaseConnection,
    /// A read-only replica for reports and exports, when one is configured.
    replica: Option<DatabaseConnection>,
    backend: Backend,
    write_gate: Option<Arc<Mutex<()>>>,
    /// The pool of work that runs beside requests (relay, imports,
    /// webhooks, housekeeping), when it has one of its own.
    background: Option<DatabaseConnection>,
}

/// A write transaction; on SQLite it holds the write gate until commit or drop.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl WriteTxn {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }
}

impl Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

/// The pool for a single self-committing write; on SQLite it holds the
/// write gate until dropped.
pub struct Autocommit<'a> {
    conn: &'a DatabaseConnection,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl Deref for Autocommit<'_> {
    type Target = DatabaseConnection;
    fn deref(&self) -> &DatabaseConnection {
        self.conn
    }
}

/// Where an SQLite URL keeps its file, if it names one.
fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// Which database a URL names.
fn backend_of(url: &str) -> Option<Backend> {
    if url.starts_with("sqlite:") {
        Some(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Some(Backend::Postgres)
    } else {
        None
    }
}

/// The pool settings of every connection to `url`: its size, one kept
/// open, a 10 s wait for a free connection, and no per-statement logging.
fn pool_options(url: &str, max_connections: u32) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_string());
    options.max_connections(max_connections).min_connections(1).acquire_timeout(Duration::from_secs(10)).sqlx_logging(false);
    options
}

impl Db {
    /// Connects to `url`: `sqlite://…` or `postgres://…`. For SQLite the
    /// file's folder is created, and connections use WAL, a busy timeout and
    /// foreign keys.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, DbErr> {
        let backend = backend_of(url).ok_or_else(|| DbErr::Custom("database URL must start with sqlite: or postgres://".into()))?;
        if let Some(parent) = sqlite_file(url).and_then(|file| std::path::Path::new(file).parent())
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", parent.display())))?;
        }
        let mut options = pool_options(url, max_connections);
        options.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
        let conn = sea_orm::Database::connect(options).await?;
        let write_gate = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Self { conn, replica: None, backend, write_gate, background: None })
    }

    /// Sends reports and exports to a read-only replica of the same
    /// database (PostgreSQL hot standby) at `url`.
    pub async fn with_replica(mut self, url: &str, max_connections: u32) -> Result<Self, DbErr> {
        if self.backend != Backend::Postgres || backend_of(url) != Some(Backend::Postgres) {
            return Err(DbErr::Custom("a read replica is a PostgreSQL standby of a PostgreSQL primary".into()));
        }
        self.replica = Some(sea_orm::Database::connect(pool_options(url, max_connections)).await?);
        Ok(self)
    }

    /// Gives background work a PostgreSQL pool of its own at `url` (the
    /// same database). A connection's I/O is driven by the runtime that
    /// opened it, so a request must not wait on a connection that a busy
    /// background thread opened: with two pools, request threads use only
    /// connections they opened, and a relay pass or an import batch never
    /// delays a request's round trips. SQLite connections run on threads of
    /// their own and need none.
    pub async fn with_background_pool(mut self, url: &str, max_connections: u32) -> Result<Self, DbErr> {
        if self.backend == Backend::Postgres {
            self.background = Some(sea_orm::Database::connect(pool_options(url, max_connections)).await?);
        }
        Ok(self)
    }

    /// This database as background work uses it: its own pool when it has
    /// one (see `with_background_pool`), the same write gate and replica.
    pub fn background(&self) -> Db {
        match &self.background {
            Some(pool) => Db { conn: pool.clone(), background: None, ..self.clone() },
            None => self.clone(),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for reads.
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Where reports and exports read: the replica when one is configured
    /// (their figures may then lag the primary by the replica's delay),
    /// otherwise the primary. Lists, reads by id, the feed and the audit
    /// log stay on the primary, so a caller always sees its own writes.
    pub fn reports(&self) -> &DatabaseConnection {
        self.replica.as_ref().unwrap_or(&self.conn)
    }

    /// Begins the one transaction of a write use case.
    /// Inside a request that carries an `Idempotency-Key`, the request's
    /// first write transaction also writes the key's claim (see
    /// `idempotency::claimed`), so the claim commits with the write.
    pub async fn begin_write(&self) -> Result<WriteTxn, DbErr> {
        let gate = self.gate().await;
        let txn = self.conn.begin().await?;
        crate::idempotency::write_pending(&txn).await?;
        Ok(WriteTxn { txn, _gate: gate })
    }

    /// The pool, for one write statement that commits on its own (no
    /// transaction round trips); on SQLite it holds the write gate.
    pub async fn autocommit(&self) -> Autocommit<'_> {
        Autocommit { conn: &self.conn, _gate: self.gate().await }
    }

    async fn gate(&self) -> Option<OwnedMutexGuard<()>> {
        match &self.write_gate {
            Some(gate) => Some(gate.clone().lock_owned().await),
            None => None,
        }
    }

    /// Refreshes PostgreSQL's planner statistics for `table` after a bulk
    /// load. A table that grew from empty keeps the plans made while it was
    /// small (a cached sequential scan) until it is analysed; PostgreSQL's
    /// autovacuum may take minutes to get there. SQLite's planner needs no
    /// statistics to use an index, so this does nothing there.
    pub async fn refresh_statistics(&self, table: &'static str) -> Result<(), DbErr> {
        if self.backend == Backend::Postgres {
            self.conn.execute_unprepared(&format!("ANALYZE \"{table}\"")).await?;
        }
        Ok(())
    }

    /// Takes the start-up lock: on PostgreSQL a transaction-scoped advisory
    /// lock, so that of several nodes starting at once one migrates and
    /// seeds while the others wait, then find the work done. SQLite has one
    /// process per file and needs none.
    pub async fn startup_lock(&self) -> Result<StartupLock, DbErr> {
        if self.backend != Backend::Postgres {
            return Ok(StartupLock(None));
        }
        let txn = self.conn.begin().await?;
        self.hold(&txn, ClusterLock::Startup).await?;
        Ok(StartupLock(Some(txn)))
    }

    /// Lets `txn` commit without waiting for its WAL to reach the disk
    /// (PostgreSQL's `synchronous_commit = off`, for this transaction only).
    /// Only for a write whose loss in a crash is harmless *and* that the same
    /// caller follows with a durable commit, which flushes it too: the
    /// idempotency claim before its use case. Nothing on SQLite.
    pub async fn defer_flush(&self, txn: &DatabaseTransaction) -> Result<(), DbErr> {
        if self.backend == Backend::Postgres {
            txn.execute_unprepared("SET LOCAL synchronous_commit = off").await?;
        }
        Ok(())
    }

    /// Waits for `lock` and holds it until `txn` ends. SQLite's write gate
    /// already lets one writer at a time in, so there it does nothing.
    pub async fn hold(&self, txn: &DatabaseTransaction, lock: ClusterLock) -> Result<(), DbErr> {
        if self.backend == Backend::Postgres {
            txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({})", lock.key())).await?;
        }
        Ok(())
    }

    /// Serialises, across nodes, the transactions that check a running
    /// total of one record and then add to it (the quantity ordered under a
    /// contract): on PostgreSQL a transaction-scoped advisory lock on
    /// `space` and `id`. SQLite's write gate already lets one writer in.
    pub async fn serialize_on(&self, txn: &DatabaseTransaction, space: &str, id: uuid::Uuid) -> Result<(), DbErr> {
        if self.backend == Backend::Postgres {
            let statement = sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                [format!("{space}:{id}").into()],
            );
            txn.execute_raw(statement).await?;
        }
        Ok(())
    }

    /// Takes `lock` for the rest of `txn` if no other transaction holds it;
    /// false when one does. Always true on SQLite (see `hold`).
    pub async fn try_hold(&self, txn: &DatabaseTransaction, lock: ClusterLock) -> Result<bool, DbErr> {
        if self.backend != Backend::Postgres {
            return Ok(true);
        }
        let statement = sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!("SELECT pg_try_advisory_xact_lock({}) AS held", lock.key()),
        );
        let row = txn.query_one_raw(statement).await?;
        Ok(row.map(|r| r.try_get::<bool>("", "held")).transpose()?.unwrap_or(false))
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        self.conn.execute_unprepared("SELECT 1").await.is_ok()
    }

    pub fn db_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    pub async fn close(self) -> Result<(), DbErr> {
        if let Some(replica) = self.replica {
            replica.close().await?;
        }
        self.conn.close().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_sqlite_file() {
        assert_eq!(sqlite_file("sqlite://data/jiuzhu.db?mode=rwc"), Some("data/jiuzhu.db"));
        assert_eq!(sqlite_file("sqlite:/tmp/x.db"), Some("/tmp/x.db"));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://localhost/test"), None);
    }
}
