//! The relay's background tick: every `relay_interval_ms` this node moves
//! what has committed into the audit chain and the feed, unless another
//! node is doing it (see `jiuzhu_platform::relay`).

use jiuzhu_platform::Db;
use jiuzhu_platform::relay::{self, BATCH};
use std::time::Duration;

/// Starts the tick on the current actix runtime; a full batch is followed
/// at once by the next, so a backlog (after an import) clears at the
/// relay's own speed.
pub fn spawn(db: Db, every: Duration) {
    actix_web::rt::spawn(async move {
        loop {
            loop {
                match relay::tick(&db).await {
                    Ok(moved) if moved as u64 >= BATCH => continue,
                    Ok(_) => break,
                    Err(error) => {
                        tracing::warn!(%error, "relay pass failed; trying again after the interval");
                        break;
                    }
                }
            }
            actix_web::rt::time::sleep(every).await;
        }
    });
}
