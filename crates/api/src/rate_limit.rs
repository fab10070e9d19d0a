//! Per-node rate limits: a fixed one-minute window per bearer token and per
//! client IP. Over the limit answers 429 with `Retry-After`. Health probes
//! are exempt.

use crate::problem::ApiError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use jiuzhu_core::DomainError;
use jiuzhu_platform::hash::sha256_hex;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug)]
pub struct RateLimiter {
    per_token: u32,
    per_ip: u32,
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

impl RateLimiter {
    pub fn new(per_token: u32, per_ip: u32) -> Self {
        Self { per_token, per_ip, windows: Mutex::new(HashMap::new()) }
    }

    /// Counts a request for `key` in the minute of `unix_secs`; `Err(wait)` when over `limit`.
    pub fn hit(&self, key: &str, limit: u32, unix_secs: i64) -> Result<(), u64> {
        let minute = unix_secs.div_euclid(60);
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|_, (m, _)| *m == minute);
        }
        let entry = windows.entry(key.to_string()).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        if entry.1 >= limit {
            return Err((60 - unix_secs.rem_euclid(60)).max(1) as u64);
        }
        entry.1 += 1;
        Ok(())
    }
}

pub async fn rate_limit(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<BoxBody>, Error> {
    let exempt = matches!(req.path(), "/healthz" | "/readyz");
    if let (false, Some(limiter), Some(state)) =
        (exempt, req.app_data::<web::Data<RateLimiter>>(), req.app_data::<web::Data<crate::state::AppState>>())
    {
        let now = state.clock.now().timestamp();
        let ip = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
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
    fn limits_within_a_minute_and_resets_the_next() {
        let limiter = RateLimiter::new(2, 2);
        assert_eq!(limiter.hit("a", 2, 120), Ok(()));
        assert_eq!(limiter.hit("a", 2, 130), Ok(()));
        assert_eq!(limiter.hit("a", 2, 150), Err(30));
        assert_eq!(limiter.hit("b", 2, 150), Ok(()), "keys are independent");
        assert_eq!(limiter.hit("a", 2, 180), Ok(()), "a new minute");
    }
}
