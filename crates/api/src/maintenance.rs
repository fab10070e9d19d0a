//! Housekeeping every server process runs in the background: import jobs
//! left behind by a server that stopped mid-file are marked failed, so no
//! job stays `running` forever; referrals and follow-up visits past due are
//! announced once each (`referral.overdue`, `follow_up.overdue`).

use jiuzhu_core::{Actor, Clock, Context, DomainError, RegionCode, Role};
use jiuzhu_intake::referrals;
use jiuzhu_matching::follow_ups;
use jiuzhu_platform::{Db, imports};
use std::sync::Arc;
use std::time::Duration;

/// Starts housekeeping on the current actix runtime: a pass at once, then
/// one every half `abandoned_after` (at most a minute apart).
/// Overdue items are announced as a system actor at `root`.
pub fn spawn(db: Db, clock: Arc<dyn Clock>, root: RegionCode, abandoned_after: Duration) {
    let every = (abandoned_after / 2).clamp(Duration::from_secs(1), Duration::from_secs(60));
    actix_web::rt::spawn(async move {
        loop {
            if let Err(error) = imports::fail_abandoned(&db, clock.now(), abandoned_after).await {
                tracing::warn!(%error, "housekeeping pass failed");
            }
            if let Err(error) = announce_overdue(&db, &root, clock.now()).await {
                tracing::warn!(%error, "announcing overdue items failed");
            }
            actix_web::rt::time::sleep(every).await;
        }
    });
}

/// Announces what went overdue since the last pass, as housekeeping (a
/// system actor over the whole deployment, `root`, recorded as such in the audit log).
pub async fn announce_overdue(db: &Db, root: &RegionCode, now: chrono::DateTime<chrono::Utc>) -> Result<usize, DomainError> {
    let ctx = Context {
        actor: Actor { subject: HOUSEKEEPING.into(), role: Role::CityAdmin, region: root.clone(), department: None, provider_id: None },
        request_id: HOUSEKEEPING.into(),
        now,
    };
    Ok(referrals::announce_overdue(db, &ctx).await? + follow_ups::announce_overdue(db, &ctx).await?)
}

/// The actor housekeeping writes as.
const HOUSEKEEPING: &str = "jiuzhu-housekeeping";
