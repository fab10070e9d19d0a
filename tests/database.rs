//! One fresh database per test. SQLite: a temporary file, migrated by the
//! app itself. PostgreSQL: `CREATE DATABASE … TEMPLATE` from a template that
//! is migrated once per schema version under an advisory lock (so parallel
//! test processes never race), then dropped when the test ends.

use jiuzhu_migrations::{Migrator, MigratorTrait};
use jiuzhu_platform::Db;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

fn test_url() -> Option<String> {
    std::env::var("JIUZHU_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())
}

/// A short stable hash of the migration list, naming the template.
fn schema_hash() -> String {
    let mut hash: u64 = 0xcbf29ce484222325;
    for byte in jiuzhu_migrations::fingerprint().bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x100000001b3);
    }
    format!("{hash:016x}")
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map(|(b, q)| (b, Some(q))).unwrap_or((url, None));
    let root = base.rsplit_once('/').map(|(root, _)| root).unwrap_or(base);
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

async fn exec(db: &Db, sql: &str) {
    db.conn().execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

impl TestDatabase {
    pub async fn create() -> Self {
        match test_url() {
            Some(url) if url.starts_with("postgres") => Self::postgres(url).await,
            _ => {
                let path = std::env::temp_dir().join(format!("jiuzhu-test-{}.db", uuid::Uuid::now_v7()));
                Self { url: format!("sqlite://{}?mode=rwc", path.display()), cleanup: Cleanup::SqliteFile(path) }
            }
        }
    }

    async fn postgres(admin_url: String) -> Self {
        let template = format!("jiuzhu_tpl_{}", schema_hash());
        let admin = Db::connect(&admin_url, 1).await.expect("connect to the PostgreSQL admin database");
        exec(&admin, "SELECT pg_advisory_lock(724200)").await;
        let exists = admin
            .conn()
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT 1 AS one FROM pg_database WHERE datname = $1",
                [template.clone().into()],
            ))
            .await
            .expect("look up the template")
            .is_some();
        if !exists {
            let building = format!("{template}_building");
            exec(&admin, &format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)")).await;
            exec(&admin, &format!("CREATE DATABASE {building}")).await;
            let fresh = Db::connect(&with_database(&admin_url, &building), 1).await.expect("connect to the new template");
            Migrator::up(fresh.conn(), None).await.expect("migrate the template");
            fresh.close().await.expect("close the template");
            exec(&admin, &format!("ALTER DATABASE {building} RENAME TO {template}")).await;
        }
        exec(&admin, "SELECT pg_advisory_unlock(724200)").await;
        let name = format!("jiuzhu_t_{}", uuid::Uuid::now_v7().simple());
        exec(&admin, &format!("CREATE DATABASE {name} TEMPLATE {template}")).await;
        admin.close().await.expect("close the admin connection");
        Self { url: with_database(&admin_url, &name), cleanup: Cleanup::Postgres { admin_url, name } }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime; do the async work on a thread of its own.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                    runtime.block_on(async {
                        if let Ok(admin) = Db::connect(&admin_url, 1).await {
                            let _ = admin.conn().execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                            let _ = admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swaps_the_database_name() {
        assert_eq!(with_database("postgres://postgres@127.0.0.1:5432/test", "x"), "postgres://postgres@127.0.0.1:5432/x");
        assert_eq!(with_database("postgres://h/test?sslmode=disable", "x"), "postgres://h/x?sslmode=disable");
    }
}
