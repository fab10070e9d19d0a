//! `AppState`: what every handler shares: the database, the clock, the
//! settings, and the forms of them that were parsed once at start.

use crate::config::Config;
use jiuzhu_core::Clock;
use jiuzhu_core::target::TargetPolicy;
use jiuzhu_platform::Db;
use jiuzhu_platform::login_throttle::Lockout;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    /// This node's settings, as loaded and checked (secrets redacted in `Debug`).
    pub settings: Arc<Config>,
    /// Where webhooks may point: the public internet and the allowed networks.
    pub webhook_targets: TargetPolicy,
    /// The load balancers whose forwarding headers name the client.
    pub trusted_proxies: jiuzhu_core::forwarded::TrustedProxies,
    /// The login lock-out's figures.
    pub lockout: Lockout,
}
