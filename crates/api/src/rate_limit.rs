//! Rate limits across nodes: a fixed one-minute window per bearer token and
//! per client address (behind trusted proxies, the forwarded one). Each
//! node counts locally and, every `SYNC_EVERY`, adds what it counted to the
//! shared counts in the database and reads back those keys' totals, so the
//! limit holds for the cluster: it can be exceeded only by what nodes
//! admitted before their next sync told them of the others' hits (at most
//! `SYNC_EVERY` of traffic per node). Over the limit answers 429 with
//! `Retry-After`. Health probes are exempt.

use crate::problem::ApiError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use jiuzhu_core::DomainError;
use jiuzhu_platform::Db;
use jiuzhu_platform::hash::sha256_hex;
use jiuzhu_platform::rate_windows::{self, Hits};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often a node shares its counts.
pub const SYNC_EVERY: Duration = Duration::from_millis(250);

/// One key's minute as this node knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    minute: i64,
    /// Hits this node admitted.
    local: u32,
    /// Of those, the ones already added to the shared count.
    shared_local: u32,
    /// The cluster's total at the last sync (this node's shared hits included).
    cluster: u32,
}

impl Window {
    fn fresh(minute: i64) -> Self {
        Self { minute, local: 0, shared_local: 0, cluster: 0 }
    }

    /// Every hit known here: the cluster's, plus this node's not yet shared.
    fn known(&self) -> u32 {
        self.cluster.saturating_add(self.local - self.shared_local)
    }
}

#[derive(Debug)]
pub struct RateLimiter {
    per_token: u32,
    per_ip: u32,
    windows: Mutex<HashMap<String, Window>>,
}

impl RateLimiter {
    pub fn new(per_token: u32, per_ip: u32) -> Self {
        Self { per_token, per_ip, windows: Mutex::new(HashMap::new()) }
    }

    fn windows(&self) -> std::sync::MutexGuard<'_, HashMap<String, Window>> {
        self.windows.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a request for `key` in the minute of `unix_secs`; `Err(wait)` when over `limit`.
    pub fn hit(&self, key: &str, limit: u32, unix_secs: i64) -> Result<(), u64> {
        let minute = unix_secs.div_euclid(60);
        let mut windows = self.windows();
        if windows.len() > 100_000 {
            windows.retain(|_, w| w.minute == minute);
        }
        let window = windows.entry(key.to_string()).or_insert_with(|| Window::fresh(minute));
        if window.minute != minute {
            *window = Window::fresh(minute);
        }
        if window.known() >= limit {
            return Err((60 - unix_secs.rem_euclid(60)).max(1) as u64);
        }
        window.local += 1;
        Ok(())
    }

    /// The hits admitted here since the last sync, now counted as shared.
    fn unshared(&self) -> Vec<Hits> {
        let mut windows = self.windows();
        windows
            .iter_mut()
            .filter(|(_, w)| w.local > w.shared_local)
            .map(|(key, w)| {
                let delta = w.local - w.shared_local;
                w.shared_local = w.local;
                w.cluster = w.cluster.saturating_add(delta);
                Hits { key: key.clone(), minute: w.minute, hits: i64::from(delta) }
            })
            .collect()
    }

    /// Takes the cluster's totals after a sync.
    fn absorb(&self, totals: Vec<Hits>) {
        let mut windows = self.windows();
        for total in totals {
            if let Some(window) = windows.get_mut(&total.key).filter(|w| w.minute == total.minute) {
                window.cluster = window.cluster.max(u32::try_from(total.hits).unwrap_or(u32::MAX));
            }
        }
    }

    /// Hands back counts a failed sync did not share.
    fn unshare(&self, counts: Vec<Hits>) {
        let mut windows = self.windows();
        for count in counts {
            if let Some(window) = windows.get_mut(&count.key).filter(|w| w.minute == count.minute) {
                let delta = u32::try_from(count.hits).unwrap_or(0).min(window.shared_local);
                window.shared_local -= delta;
                window.cluster = window.cluster.saturating_sub(delta);
            }
        }
    }

    /// One sync: this node's new hits go to the database, every key's total comes back.
    pub async fn sync(&self, db: &Db) -> Result<(), DomainError> {
        let counts = self.unshared();
        if counts.is_empty() {
            return Ok(());
        }
        match rate_windows::add(db, &counts).await {
            Ok(totals) => {
                self.absorb(totals);
                Ok(())
            }
            Err(error) => {
                self.unshare(counts);
                Err(error)
            }
        }
    }
}

/// Starts the sync on the current actix runtime; once a minute it also
/// drops the shared counts of minutes past.
pub fn spawn_sync(limiter: Arc<RateLimiter>, db: Db, clock: Arc<dyn jiuzhu_core::Clock>) {
    actix_web::rt::spawn(async move {
        let mut last_cleanup = i64::MIN;
        loop {
            actix_web::rt::time::sleep(SYNC_EVERY).await;
            if let Err(error) = limiter.sync(&db).await {
                tracing::warn!(%error, "rate-limit sync failed; this node counts alone until the next one");
            }
            let minute = clock.now().timestamp().div_euclid(60);
            if minute != last_cleanup {
                last_cleanup = minute;
                if let Err(error) = rate_windows::forget_before(&db, minute - 1).await {
                    tracing::warn!(%error, "dropping old rate-limit counts failed");
                }
            }
        }
    });
}

pub async fn rate_limit(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<BoxBody>, Error> {
    let exempt = matches!(req.path(), "/healthz" | "/readyz");
    if let (false, Some(limiter), Some(state)) =
        (exempt, req.app_data::<web::Data<RateLimiter>>(), req.app_data::<web::Data<crate::state::AppState>>())
    {
        let now = state.clock.now().timestamp();
        let ip = crate::middleware::client_address(req.request());
        let mut verdict = limiter.hit(&format!("ip:{ip}"), limiter.per_ip, now);
        if verdict.is_ok()
            && let Ok(token) = crate::auth::bearer_token(req.request())
        {
            // Keyed on the token itself, so no spelling of the header opens a new bucket.
            verdict = limiter.hit(&format!("token:{}", sha256_hex(&[token.as_bytes()])), limiter.per_token, now);
        }
        if let Err(retry_after_secs) = verdict {
            return Err(ApiError::Domain(DomainError::TooManyRequests { retry_after_secs }).into());
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_on_other_nodes_count_against_the_limit() {
        let limiter = RateLimiter::new(10, 10);
        for _ in 0..3 {
            limiter.hit("t", 10, 120).unwrap();
        }
        let shared = limiter.unshared();
        assert_eq!(shared, vec![Hits { key: "t".into(), minute: 2, hits: 3 }]);
        assert!(limiter.unshared().is_empty(), "shared once");
        // The database's total: these 3 and 6 admitted by other nodes.
        limiter.absorb(vec![Hits { key: "t".into(), minute: 2, hits: 9 }]);
        assert_eq!(limiter.hit("t", 10, 121), Ok(()));
        assert_eq!(limiter.hit("t", 10, 122), Err(58), "9 elsewhere and here, then 1 more: the limit of 10");
        limiter.absorb(vec![Hits { key: "t".into(), minute: 1, hits: 50 }]);
        assert_eq!(limiter.hit("t", 10, 180), Ok(()), "a new minute starts from nothing");
    }

    #[test]
    fn a_failed_sync_keeps_the_hits_to_share_next_time() {
        let limiter = RateLimiter::new(10, 10);
        limiter.hit("t", 10, 120).unwrap();
        let counts = limiter.unshared();
        limiter.unshare(counts.clone());
        assert_eq!(limiter.unshared(), counts);
    }

    #[test]
    fn limits_within_a_minute_and_resets_the_next() {
        let limiter = RateLimiter::new(2, 2);
        assert_eq!(limiter.hit("a", 2, 120), Ok(()));
        assert_eq!(limiter.hit("a", 2, 130), Ok(()));
        assert_eq!(limiter.hit("a", 2, 150), Err(30));
        assert_eq!(limiter.hit("b", 2, 150), Ok(()), "keys are independent");
        assert_eq!(limiter.hit("a", 2, 180), Ok(()), "a new minute");
    }
}
