//! The jobs runtime: long-running work a request starts (imports) runs on a
//! thread of its own, not on the HTTP worker that accepted it, so a batch
//! being validated never holds up the requests that worker serves; the
//! operating system shares the cores between them.

use std::future::Future;
use std::sync::OnceLock;

/// Runs `job` on the jobs runtime, started on first use; on the caller's
/// runtime if a thread for it could not be started.
pub fn spawn<F>(job: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    match runtime() {
        Some(runtime) => drop(runtime.spawn(job)),
        None => drop(actix_web::rt::spawn(job)),
    }
}

fn runtime() -> Option<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            let built = tokio::runtime::Builder::new_multi_thread().worker_threads(1).thread_name("jiuzhu-jobs").enable_all().build();
            built.map_err(|error| tracing::error!(%error, "no thread for the jobs runtime; jobs share the HTTP workers")).ok()
        })
        .as_ref()
}
