//! Configuration: built-in defaults, then an optional `jiuzhu.toml`, then
//! environment variables. Nothing needs to be set for a local run.

use serde::Deserialize;
use std::path::Path;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/jiuzhu.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// A secret setting: usable as text, shown as `<redacted>` by `Debug`, so a
/// logged or printed configuration never carries it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::ops::Deref for Secret {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Self {
        Self(text.to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub database_url: String,
    /// A PostgreSQL hot standby of `database_url` that reports and exports
    /// read from; none by default.
    pub read_database_url: Option<String>,
    pub bind: String,
    /// `None` means: generate a random secret at start and warn.
    pub jwt_secret: Option<Secret>,
    pub admin_password: Option<Secret>,
    pub log: String,
    /// Lifetime of access tokens, in seconds.
    pub token_ttl_secs: u64,
    /// How long a node trusts what it read of a token's account (ms): a
    /// change made through another node ends sessions here within this time.
    pub account_cache_ms: u64,
    /// How often this node's relay moves committed audit rows and events
    /// from their inboxes into the chain and the feed (ms). Reads of the
    /// feed and the audit log catch up at once whatever it is.
    pub relay_interval_ms: u64,
    /// Largest accepted request body, in bytes.
    pub body_limit_bytes: usize,
    pub max_connections: u32,
    /// A JWKS file of an external identity provider whose RS256/ES256 tokens are accepted.
    pub jwks_file: Option<String>,
    /// The `iss` those external tokens carry.
    pub jwks_issuer: String,
    /// The audit chain's key (at least 32 bytes); the same on every node.
    /// Unset: read from `audit_key_file`.
    pub audit_key: Option<Secret>,
    /// Where the audit key is kept when `audit_key` is unset; created with a
    /// random key when missing.
    pub audit_key_file: String,
    /// Where this node appends the audit chain's signed checkpoints.
    pub audit_checkpoint_file: String,
    /// Seconds between two checkpoints.
    pub audit_checkpoint_secs: u64,
    /// Requests per minute per bearer token, across all nodes.
    pub rate_limit_per_token: u32,
    /// Working days a department has to finish a referral.
    pub referral_due_working_days: u32,
    /// A department signal about an unlisted person raises a discovery task
    /// above this amount, in fen.
    pub signal_threshold_fen: i64,
    /// Days after an order completes when its follow-up visit is due.
    pub follow_up_days: u32,
    /// Days after an evaluation report's delivery within which the provider may appeal.
    pub appeal_days: u32,
    /// The OCDS `ocid` prefix of this publisher.
    pub ocid_prefix: String,
    /// Requests per minute per client IP, across all nodes.
    pub rate_limit_per_ip: u32,
    /// Address blocks of the load balancers in front of the nodes: only a
    /// request from one of them has its client taken from `Forwarded` or
    /// `X-Forwarded-For`. None by default: the peer is the client.
    pub trusted_proxies: Vec<String>,
    /// Browser origins allowed to call the API (`*` for any); none by default.
    pub cors_origins: Vec<String>,
    /// Attempts per webhook delivery before it is marked failed.
    pub webhook_max_attempts: u32,
    /// Wait after a delivery's first failed attempt, in ms; it doubles with each further one.
    pub webhook_backoff_base_ms: u64,
    /// Longest wait between two attempts, in ms.
    pub webhook_backoff_cap_ms: u64,
    /// How often the webhook worker looks for work when idle, in ms.
    pub webhook_poll_ms: u64,
    /// How long a receiver has to answer, in ms.
    pub webhook_timeout_ms: u64,
    /// Address blocks webhooks may reach besides the public internet (the
    /// government intranet), e.g. `10.0.0.0/8`; none by default.
    pub webhook_allowed_networks: Vec<String>,
    /// PEM certificates of extra CAs trusted for `https` webhooks (an intranet's own CA).
    pub webhook_ca_file: Option<String>,
    /// An import job silent this long (seconds) died with its server and is marked failed.
    pub import_abandoned_after_secs: u64,
    /// A client has this long (ms) to send a request's headers, so a slow
    /// or stalled client cannot hold a worker (408 after it).
    pub client_request_timeout_ms: u64,
}

/// The optional file: every key is optional and named like the variable
/// without the `JIUZHU_` prefix, in lower case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    read_database_url: Option<String>,
    bind: Option<String>,
    jwt_secret: Option<String>,
    admin_password: Option<String>,
    log: Option<String>,
    token_ttl_secs: Option<u64>,
    account_cache_ms: Option<u64>,
    relay_interval_ms: Option<u64>,
    body_limit_bytes: Option<usize>,
    max_connections: Option<u32>,
    rate_limit_per_token: Option<u32>,
    rate_limit_per_ip: Option<u32>,
    cors_origins: Option<Vec<String>>,
    webhook_max_attempts: Option<u32>,
    webhook_backoff_base_ms: Option<u64>,
    webhook_backoff_cap_ms: Option<u64>,
    webhook_poll_ms: Option<u64>,
    webhook_timeout_ms: Option<u64>,
    webhook_ca_file: Option<String>,
    webhook_allowed_networks: Option<Vec<String>>,
    trusted_proxies: Option<Vec<String>>,
    import_abandoned_after_secs: Option<u64>,
    client_request_timeout_ms: Option<u64>,
    jwks_file: Option<String>,
    jwks_issuer: Option<String>,
    audit_key: Option<String>,
    audit_key_file: Option<String>,
    audit_checkpoint_file: Option<String>,
    audit_checkpoint_secs: Option<u64>,
    referral_due_working_days: Option<u32>,
    signal_threshold_fen: Option<i64>,
    follow_up_days: Option<u32>,
    appeal_days: Option<u32>,
    ocid_prefix: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: DEFAULT_DATABASE_URL.into(),
            read_database_url: None,
            bind: DEFAULT_BIND.into(),
            jwt_secret: None,
            admin_password: None,
            log: "info".into(),
            token_ttl_secs: 30 * 60,
            account_cache_ms: 2_000,
            relay_interval_ms: 50,
            body_limit_bytes: 1024 * 1024,
            max_connections: 10,
            jwks_file: None,
            jwks_issuer: "jiuzhu-idp".into(),
            audit_key: None,
            audit_key_file: "data/audit.key".into(),
            audit_checkpoint_file: "data/audit-checkpoints.ndjson".into(),
            audit_checkpoint_secs: 60,
            rate_limit_per_token: 1200,
            referral_due_working_days: 5,
            signal_threshold_fen: 2_000_000,
            follow_up_days: 30,
            appeal_days: 15,
            ocid_prefix: "ocds-jz0000-".into(),
            rate_limit_per_ip: 3000,
            cors_origins: Vec::new(),
            webhook_max_attempts: 15,
            webhook_backoff_base_ms: 1_000,
            webhook_backoff_cap_ms: 15 * 60 * 1_000,
            webhook_poll_ms: 1_000,
            webhook_timeout_ms: 10_000,
            webhook_ca_file: None,
            webhook_allowed_networks: Vec::new(),
            trusted_proxies: Vec::new(),
            import_abandoned_after_secs: 120,
            client_request_timeout_ms: 5_000,
        }
    }
}

impl Config {
    /// The webhook retry policy these settings describe.
    pub fn webhook_policy(&self) -> jiuzhu_platform::webhook_dispatch::RetryPolicy {
        jiuzhu_platform::webhook_dispatch::RetryPolicy {
            max_attempts: self.webhook_max_attempts,
            base: std::time::Duration::from_millis(self.webhook_backoff_base_ms),
            cap: std::time::Duration::from_millis(self.webhook_backoff_cap_ms.max(self.webhook_backoff_base_ms)),
        }
    }

    /// Where webhooks may point, from `webhook_allowed_networks`.
    pub fn webhook_targets(&self) -> Result<jiuzhu_core::target::TargetPolicy, String> {
        jiuzhu_core::target::TargetPolicy::allowing(&self.webhook_allowed_networks)
    }

    /// Reads `JIUZHU_CONFIG` (default `jiuzhu.toml`, if present) and the environment.
    pub fn load() -> Result<Self, String> {
        let path = std::env::var("JIUZHU_CONFIG").unwrap_or_else(|_| "jiuzhu.toml".into());
        let file = if Path::new(&path).exists() {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
            Some(toml::from_str::<FileConfig>(&text).map_err(|e| format!("{path}: {e}"))?)
        } else {
            None
        };
        Self::from_sources(file.unwrap_or_default(), |name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    fn from_sources(file: FileConfig, env: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let d = Self::default();
        let number = |name: &str| -> Result<Option<u64>, String> {
            env(name).map(|v| v.parse::<u64>().map_err(|_| format!("{name} must be a whole number, got {v:?}"))).transpose()
        };
        let config = Self {
            database_url: env("JIUZHU_DATABASE_URL").or_else(|| env("DATABASE_URL")).or(file.database_url).unwrap_or(d.database_url),
            read_database_url: env("JIUZHU_READ_DATABASE_URL").or(file.read_database_url),
            bind: env("JIUZHU_BIND").or(file.bind).unwrap_or(d.bind),
            jwt_secret: env("JIUZHU_JWT_SECRET").or(file.jwt_secret).map(Secret::from),
            admin_password: env("JIUZHU_ADMIN_PASSWORD").or(file.admin_password).map(Secret::from),
            log: env("JIUZHU_LOG").or(file.log).unwrap_or(d.log),
            token_ttl_secs: number("JIUZHU_TOKEN_TTL_SECS")?.or(file.token_ttl_secs).unwrap_or(d.token_ttl_secs),
            account_cache_ms: number("JIUZHU_ACCOUNT_CACHE_MS")?.or(file.account_cache_ms).unwrap_or(d.account_cache_ms).min(10_000),
            relay_interval_ms: number("JIUZHU_RELAY_INTERVAL_MS")?
                .or(file.relay_interval_ms)
                .unwrap_or(d.relay_interval_ms)
                .clamp(5, 10_000),
            body_limit_bytes: number("JIUZHU_BODY_LIMIT_BYTES")?
                .map(|n| n as usize)
                .or(file.body_limit_bytes)
                .unwrap_or(d.body_limit_bytes),
            max_connections: number("JIUZHU_MAX_CONNECTIONS")?
                .map(|n| n.clamp(1, 1000) as u32)
                .or(file.max_connections)
                .unwrap_or(d.max_connections),
            jwks_file: env("JIUZHU_JWKS_FILE").or(file.jwks_file),
            jwks_issuer: env("JIUZHU_JWKS_ISSUER").or(file.jwks_issuer).unwrap_or(d.jwks_issuer),
            audit_key: env("JIUZHU_AUDIT_KEY").or(file.audit_key).map(Secret::from),
            audit_key_file: env("JIUZHU_AUDIT_KEY_FILE").or(file.audit_key_file).unwrap_or(d.audit_key_file),
            audit_checkpoint_file: env("JIUZHU_AUDIT_CHECKPOINT_FILE").or(file.audit_checkpoint_file).unwrap_or(d.audit_checkpoint_file),
            audit_checkpoint_secs: number("JIUZHU_AUDIT_CHECKPOINT_SECS")?
                .or(file.audit_checkpoint_secs)
                .unwrap_or(d.audit_checkpoint_secs)
                .clamp(1, 86_400),
            rate_limit_per_token: number("JIUZHU_RATE_LIMIT_PER_TOKEN")?
                .map(|n| n.clamp(1, u64::from(u32::MAX)) as u32)
                .or(file.rate_limit_per_token)
                .unwrap_or(d.rate_limit_per_token),
            referral_due_working_days: number("JIUZHU_REFERRAL_DUE_WORKING_DAYS")?
                .map(|n| n.clamp(1, 60) as u32)
                .or(file.referral_due_working_days)
                .unwrap_or(d.referral_due_working_days),
            signal_threshold_fen: number("JIUZHU_SIGNAL_THRESHOLD_FEN")?
                .map(|n| i64::try_from(n).unwrap_or(i64::MAX))
                .or(file.signal_threshold_fen)
                .unwrap_or(d.signal_threshold_fen),
            follow_up_days: number("JIUZHU_FOLLOW_UP_DAYS")?
                .map(|n| n.clamp(1, 365) as u32)
                .or(file.follow_up_days)
                .unwrap_or(d.follow_up_days),
            appeal_days: number("JIUZHU_APPEAL_DAYS")?.map(|n| n.clamp(1, 365) as u32).or(file.appeal_days).unwrap_or(d.appeal_days),
            ocid_prefix: env("JIUZHU_OCID_PREFIX").or(file.ocid_prefix).unwrap_or(d.ocid_prefix),
            rate_limit_per_ip: number("JIUZHU_RATE_LIMIT_PER_IP")?
                .map(|n| n.clamp(1, u64::from(u32::MAX)) as u32)
                .or(file.rate_limit_per_ip)
                .unwrap_or(d.rate_limit_per_ip),
            cors_origins: env("JIUZHU_CORS_ORIGINS")
                .map(|list| list.split(',').map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect())
                .or(file.cors_origins)
                .unwrap_or(d.cors_origins),
            webhook_max_attempts: number("JIUZHU_WEBHOOK_MAX_ATTEMPTS")?
                .map(|n| n.clamp(1, 100) as u32)
                .or(file.webhook_max_attempts)
                .unwrap_or(d.webhook_max_attempts),
            webhook_backoff_base_ms: number("JIUZHU_WEBHOOK_BACKOFF_BASE_MS")?
                .or(file.webhook_backoff_base_ms)
                .unwrap_or(d.webhook_backoff_base_ms)
                .max(1),
            webhook_backoff_cap_ms: number("JIUZHU_WEBHOOK_BACKOFF_CAP_MS")?
                .or(file.webhook_backoff_cap_ms)
                .unwrap_or(d.webhook_backoff_cap_ms)
                .max(1),
            webhook_poll_ms: number("JIUZHU_WEBHOOK_POLL_MS")?.or(file.webhook_poll_ms).unwrap_or(d.webhook_poll_ms).max(10),
            webhook_timeout_ms: number("JIUZHU_WEBHOOK_TIMEOUT_MS")?
                .or(file.webhook_timeout_ms)
                .unwrap_or(d.webhook_timeout_ms)
                .clamp(100, 120_000),
            webhook_ca_file: env("JIUZHU_WEBHOOK_CA_FILE").or(file.webhook_ca_file),
            webhook_allowed_networks: env("JIUZHU_WEBHOOK_ALLOWED_NETWORKS")
                .map(|list| list.split(',').map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect())
                .or(file.webhook_allowed_networks)
                .unwrap_or(d.webhook_allowed_networks),
            trusted_proxies: env("JIUZHU_TRUSTED_PROXIES")
                .map(|list| list.split(',').map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect())
                .or(file.trusted_proxies)
                .unwrap_or(d.trusted_proxies),
            import_abandoned_after_secs: number("JIUZHU_IMPORT_ABANDONED_AFTER_SECS")?
                .or(file.import_abandoned_after_secs)
                .unwrap_or(d.import_abandoned_after_secs)
                .clamp(3 * jiuzhu_platform::imports::HEARTBEAT_EVERY.as_secs(), 86_400),
            client_request_timeout_ms: number("JIUZHU_CLIENT_REQUEST_TIMEOUT_MS")?
                .or(file.client_request_timeout_ms)
                .unwrap_or(d.client_request_timeout_ms)
                .clamp(100, 60_000),
        };
        config.webhook_targets().map_err(|e| format!("JIUZHU_WEBHOOK_ALLOWED_NETWORKS: {e}"))?;
        if config.jwt_secret.as_ref().is_some_and(|s| s.len() < 32) {
            return Err("JIUZHU_JWT_SECRET must be at least 32 characters".into());
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn debug_output_never_carries_a_secret() {
        let config = Config {
            jwt_secret: Some("jwt-secret-that-must-not-leak-0123456".into()),
            admin_password: Some("admin-password-that-must-not-leak".into()),
            audit_key: Some("audit-key-that-must-not-leak-0123456789".into()),
            ..Config::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("must-not-leak"), "{shown}");
        assert_eq!(shown.matches("<redacted>").count(), 3, "{shown}");
    }

    fn with_env(pairs: &[(&str, &str)], file: FileConfig) -> Result<Config, String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_sources(file, |name| map.get(name).cloned())
    }

    #[test]
    fn cors_origins_are_a_comma_separated_list() {
        let config = with_env(&[("JIUZHU_CORS_ORIGINS", "https://a.example, https://b.example,")], FileConfig::default()).unwrap();
        assert_eq!(config.cors_origins, ["https://a.example", "https://b.example"]);
    }

    #[test]
    fn defaults_need_nothing() {
        let config = with_env(&[], FileConfig::default()).unwrap();
        assert_eq!(config, Config::default());
        assert_eq!(config.database_url, "sqlite://data/jiuzhu.db?mode=rwc");
    }

    #[test]
    fn environment_beats_file_and_database_url_is_a_fallback() {
        let file = FileConfig { bind: Some("0.0.0.0:9000".into()), log: Some("debug".into()), ..FileConfig::default() };
        let config = with_env(&[("JIUZHU_BIND", "127.0.0.1:1"), ("DATABASE_URL", "postgres://x/y")], file).unwrap();
        assert_eq!(config.bind, "127.0.0.1:1");
        assert_eq!(config.log, "debug");
        assert_eq!(config.database_url, "postgres://x/y");
        let config =
            with_env(&[("JIUZHU_DATABASE_URL", "sqlite::memory:"), ("DATABASE_URL", "postgres://x/y")], FileConfig::default()).unwrap();
        assert_eq!(config.database_url, "sqlite::memory:");
    }

    #[test]
    fn rejects_bad_numbers_and_short_secrets() {
        assert!(with_env(&[("JIUZHU_TOKEN_TTL_SECS", "soon")], FileConfig::default()).is_err());
        assert!(with_env(&[("JIUZHU_JWT_SECRET", "short")], FileConfig::default()).is_err());
    }

    #[test]
    fn file_rejects_unknown_keys() {
        assert!(toml::from_str::<FileConfig>("bnid = \"x\"").is_err());
    }
}
