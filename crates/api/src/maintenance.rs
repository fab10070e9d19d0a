//! Housekeeping every server process runs in the background: import jobs
//! left behind by a server that stopped mid-file are marked failed, so no
//! job stays `running` forever.

use jiuzhu_core::Clock;
use jiuzhu_platform::{Db, imports};
use std::sync::Arc;
use std::time::Duration;

/// Starts housekeeping on the current actix runtime: a pass at once, then
/// one every half `abandoned_after` (at most a minute apart).
pub fn spawn(db: Db, clock: Arc<dyn Clock>, abandoned_after: Duration) {
    let every = (abandoned_after / 2).clamp(Duration::from_secs(1), Duration::from_secs(60));
    actix_web::rt::spawn(async move {
        loop {
            if let Err(error) = imports::fail_abandoned(&db, clock.now(), abandoned_after).await {
                tracing::warn!(%error, "housekeeping pass failed");
            }
            actix_web::rt::time::sleep(every).await;
        }
    });
}
