//! `AppState`: what every handler shares: the database, the clock and the
//! business settings that come from configuration.

use jiuzhu_core::Clock;
use jiuzhu_core::target::TargetPolicy;
use jiuzhu_platform::Db;
use jiuzhu_platform::webhook_dispatch::RetryPolicy;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    /// Working days a department has to finish a referral.
    pub referral_due_working_days: u32,
    /// Above this amount (fen) a signal about an unlisted person raises a task.
    pub signal_threshold_fen: i64,
    /// Days after completion when an order's follow-up visit is due.
    pub follow_up_days: u32,
    /// Days within which a provider may appeal an evaluation.
    pub appeal_days: u32,
    /// The OCDS `ocid` prefix.
    pub ocid_prefix: String,
    /// Where webhooks may point: the public internet and the allowed networks.
    pub webhook_targets: TargetPolicy,
    /// Where this node's signed audit checkpoints are.
    pub audit_checkpoint_file: String,
    /// The load balancers whose forwarding headers name the client.
    pub trusted_proxies: jiuzhu_core::forwarded::TrustedProxies,
    /// How webhook deliveries are retried; a manual retry grants `max_attempts` more.
    pub webhook_policy: RetryPolicy,
}
