//! Housekeeping every server process runs in the background: import jobs
//! left behind by a server that stopped mid-file are marked failed, so no
//! job stays `running` forever.

use jiuzhu_core::Clock;
use jiuzhu_platform::{Db, imports};
use std::sync::Arc;
use std::time::Duration;

/// How often housekeeping runs.
const EVERY: Duration = Duration::from_secs(60);

/// Starts housekeeping on the current actix runtime; the first pass runs at once.
pub fn spawn(db: Db, clock: Arc<dyn Clock>) {
    actix_web::rt::spawn(async move {
        loop {
            if let Err(error) = imports::fail_abandoned(&db, clock.now()).await {
                tracing::warn!(%error, "housekeeping pass failed");
            }
            actix_web::rt::time::sleep(EVERY).await;
        }
    });
}
