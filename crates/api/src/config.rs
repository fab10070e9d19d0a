//! Configuration: built-in defaults, then an optional `jiuzhu.toml`, then
//! environment variables. Nothing needs to be set for a local run. Every
//! setting is declared once, in `settings!` below: its field, type,
//! default, bounds and description, from which come the environment name,
//! the file key, the checks and the README's table.

use serde::Deserialize;
use std::fmt::Display;
use std::path::Path;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/jiuzhu.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// Environment variables are the file's keys in upper case behind this.
const ENV_PREFIX: &str = "JIUZHU_";

/// A secret setting: usable as text, shown as `<redacted>` by `Debug`, so a
/// logged or printed configuration never carries it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
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

/// Why a configuration was refused; the binary prints it and exits.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("{path}: {reason}")]
    BadFile { path: String, reason: String },
    /// A value that does not parse or lies outside the setting's bounds
    /// (never clamped silently). A secret's value is never quoted.
    #[error("{name} must be {expected}, got {got}")]
    BadValue { name: String, expected: String, got: String },
}

/// The command line reports a refused configuration as its message.
impl From<ConfigError> for String {
    fn from(error: ConfigError) -> Self {
        error.to_string()
    }
}

/// How a setting's text (an environment variable) becomes its value.
trait SettingValue: Sized {
    fn parse(name: &str, text: &str) -> Result<Self, ConfigError>;
}

impl SettingValue for String {
    fn parse(_: &str, text: &str) -> Result<Self, ConfigError> {
        Ok(text.to_string())
    }
}

impl SettingValue for Secret {
    fn parse(_: &str, text: &str) -> Result<Self, ConfigError> {
        Ok(Secret(text.to_string()))
    }
}

impl<T: SettingValue> SettingValue for Option<T> {
    fn parse(name: &str, text: &str) -> Result<Self, ConfigError> {
        T::parse(name, text).map(Some)
    }
}

/// A division code: 6 digits for a province, city or county, 9 or 12 below.
impl SettingValue for jiuzhu_core::RegionCode {
    fn parse(name: &str, text: &str) -> Result<Self, ConfigError> {
        jiuzhu_core::RegionCode::parse(text.trim()).map_err(|reason| ConfigError::BadValue {
            name: name.to_string(),
            expected: format!("a division code ({reason})"),
            got: format!("{text:?}"),
        })
    }
}

/// A comma-separated list; empty entries are dropped.
impl SettingValue for Vec<String> {
    fn parse(_: &str, text: &str) -> Result<Self, ConfigError> {
        Ok(text.split(',').map(|entry| entry.trim().to_string()).filter(|entry| !entry.is_empty()).collect())
    }
}

macro_rules! whole_numbers {
    ($($ty:ty),+) => {$(
        impl SettingValue for $ty {
            fn parse(name: &str, text: &str) -> Result<Self, ConfigError> {
                text.trim().parse().map_err(|_| ConfigError::BadValue {
                    name: name.to_string(),
                    expected: format!("a whole number from {} to {}", <$ty>::MIN, <$ty>::MAX),
                    got: format!("{text:?}"),
                })
            }
        }
    )+};
}
whole_numbers!(u32, u64, usize, i64);

/// A value inside `lo..=hi`, or the error naming the bounds.
fn within<T: PartialOrd + Display>(name: &str, value: T, lo: T, hi: T) -> Result<T, ConfigError> {
    if value < lo || value > hi {
        return Err(ConfigError::BadValue { name: name.to_string(), expected: format!("from {lo} to {hi}"), got: value.to_string() });
    }
    Ok(value)
}

/// One setting as the README documents it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingDoc {
    /// The environment variable (the file key is its lower-case tail).
    pub variable: String,
    /// Another variable read when the first is unset.
    pub also: Option<&'static str>,
    /// The default as a reader should see it.
    pub default: &'static str,
    /// The accepted values of a number.
    pub range: Option<String>,
    pub meaning: String,
}

fn env_name(field: &str) -> String {
    format!("{ENV_PREFIX}{}", field.to_ascii_uppercase())
}

/// Declares every setting once. Each entry is its description (the doc
/// comment, also the README's text), `field: Type = default`, the default as
/// shown, optionally `also "VAR"` (a fallback variable) and
/// `within lo, hi` (bounds, checked wherever the value comes from).
macro_rules! settings {
    ($(
        $(#[doc = $doc:literal])+
        $field:ident : $ty:ty = $default:expr, shown $shown:literal $(, also $also:literal)? $(, within $lo:expr, $hi:expr)? ;
    )+) => {
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Config {
            $( $(#[doc = $doc])+ pub $field: $ty, )+
        }

        /// The optional file: every key is optional and named like the
        /// variable without the prefix, in lower case.
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct FileConfig {
            $( $field: Option<$ty>, )+
        }

        impl Default for Config {
            fn default() -> Self {
                Self { $( $field: $default, )+ }
            }
        }

        impl Config {
            /// Every setting, in declaration order, as the README lists them.
            pub fn reference() -> Vec<SettingDoc> {
                vec![$(
                    SettingDoc {
                        variable: env_name(stringify!($field)),
                        also: None $( .or(Some($also)) )?,
                        default: $shown,
                        range: None $( .or(Some({
                            let (lo, hi): ($ty, $ty) = ($lo, $hi);
                            if hi == <$ty>::MAX { format!("at least {lo}") } else { format!("{lo}–{hi}") }
                        })) )?,
                        meaning: [$($doc),+].iter().map(|line| line.trim()).collect::<Vec<_>>().join(" "),
                    },
                )+]
            }

            fn from_sources(file: FileConfig, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
                let defaults = Self::default();
                Ok(Self {$(
                    $field: {
                        let name = env_name(stringify!($field));
                        let text = env(&name) $( .or_else(|| env($also)) )?;
                        let value: $ty = match text {
                            Some(text) => <$ty as SettingValue>::parse(&name, &text)?,
                            None => file.$field.unwrap_or(defaults.$field),
                        };
                        $( let value = within(&name, value, $lo, $hi)?; )?
                        value
                    },
                )+})
            }
        }
    };
}

settings! {
    /// `sqlite://…` or `postgres://…`; the SQLite folder is created
    database_url: String = DEFAULT_DATABASE_URL.into(), shown "`sqlite://data/jiuzhu.db?mode=rwc`", also "DATABASE_URL";
    /// a PostgreSQL hot standby of the primary: reports (`/reports/*`,
    /// `/needs/summary`) and exports read from it, and may lag the primary
    /// by the standby's delay; everything else reads the primary
    read_database_url: Option<String> = None, shown "none";
    /// the division code of the region this deployment serves, with its
    /// subtree: a province (`640000`), a city (`640200`) or a county-level
    /// city. The first start creates it; a database keeps the root it was
    /// set up with (a start with another root is refused). 石嘴山市's tree
    /// ships with jiuzhu; another root loads its own with `jiuzhu load-regions`
    root_region: jiuzhu_core::RegionCode = jiuzhu_core::RegionCode::default_root(), shown "`640200` (石嘴山市)";
    /// listen address
    bind: String = DEFAULT_BIND.into(), shown "`127.0.0.1:8080`";
    /// HS256 signing secret, at least 32 characters
    jwt_secret: Option<Secret> = None, shown "random per start, with a warning";
    /// password of the bootstrap `admin`
    admin_password: Option<Secret> = None, shown "random, printed once";
    /// log filter (`tracing` env-filter syntax); logs are JSON on stderr
    log: String = "info".into(), shown "`info`";
    /// access-token lifetime, in seconds
    token_ttl_secs: u64 = 30 * 60, shown "`1800`", within 60, 86_400;
    /// how long a node trusts what it read of a token's account, in ms: a
    /// role, department, password or deactivation change made through
    /// another node ends the account's tokens here within this time, and at
    /// once on the node that made it
    account_cache_ms: u64 = 2_000, shown "`2000`", within 0, 10_000;
    /// how often the relay moves committed audit rows and events from their
    /// inboxes into the audit chain and the event feed, in ms; one node at a
    /// time does it, and reads of `/events` and `/audit-events` catch up
    /// first, so a caller always sees its own writes
    relay_interval_ms: u64 = 50, shown "`50`", within 5, 10_000;
    /// largest JSON body, in bytes (413 above)
    body_limit_bytes: usize = 1024 * 1024, shown "`1048576`", within 1024, 1 << 30;
    /// largest bulk upload (`POST /imports`), in bytes (413 above)
    import_limit_bytes: usize = 64 * 1024 * 1024, shown "`67108864`", within 1024 * 1024, 1 << 32;
    /// database pool size; on PostgreSQL background work (relay, imports,
    /// webhooks) has a second pool of this size (ADR 0014)
    max_connections: u32 = 10, shown "`10`", within 1, 1000;
    /// JWKS of an external identity provider: its RS256/ES256 tokens are
    /// accepted, chosen by `kid`; a token's `sub` names the jiuzhu
    /// username, whose active account decides the role, region and rights
    jwks_file: Option<String> = None, shown "unset";
    /// the `iss` that external tokens must carry
    jwks_issuer: String = "jiuzhu-idp".into(), shown "`jiuzhu-idp`";
    /// the audit chain's HMAC key, at least 32 bytes; every node of one
    /// database needs the same key
    audit_key: Option<Secret> = None, shown "unset";
    /// where the key is read when `JIUZHU_AUDIT_KEY` is unset; created with
    /// a random key (mode 0600) when missing. Keep it off the database
    /// server and back it up
    audit_key_file: String = "data/audit.key".into(), shown "`data/audit.key`";
    /// where this node appends the signed checkpoints (row count and head)
    /// of the audit chain; they are also logged at INFO as `audit
    /// checkpoint`. Ship either off the machine
    audit_checkpoint_file: String = "data/audit-checkpoints.ndjson".into(), shown "`data/audit-checkpoints.ndjson`";
    /// seconds between two checkpoints
    audit_checkpoint_secs: u64 = 60, shown "`60`", within 1, 86_400;
    /// requests per minute per bearer token across all nodes (429 above);
    /// nodes share their counts through the database four times a second,
    /// so the cluster may overrun by what one sync interval lets through
    rate_limit_per_token: u32 = 1200, shown "`1200`", within 1, u32::MAX;
    /// requests per minute per client address across all nodes (also the
    /// source the login lock-out counts)
    rate_limit_per_ip: u32 = 3000, shown "`3000`", within 1, u32::MAX;
    /// failed logins from one source within `JIUZHU_LOGIN_WINDOW_MINUTES`
    /// that lock the account for that source (ten times as many from all
    /// sources together, and at least 50, lock it for everyone);
    /// `jiuzhu unlock` clears them
    login_max_failures: u32 = 5, shown "`5`", within 1, 100;
    /// the window, in minutes, in which failed logins count together
    login_window_minutes: u32 = 15, shown "`15`", within 1, 1440;
    /// how long, in minutes after the last failure, a locked account stays locked
    login_lock_minutes: u32 = 15, shown "`15`", within 1, 1440;
    /// comma-separated address blocks of the load balancers in front of the
    /// nodes, e.g. `10.0.0.0/8`; only a request from one of them has its
    /// client address taken from `Forwarded` or `X-Forwarded-For` (the
    /// nearest hop that is not a trusted proxy). Without it the peer is the
    /// client and those headers are ignored
    trusted_proxies: Vec<String> = Vec::new(), shown "none";
    /// comma-separated browser origins allowed to call the API, or `*`;
    /// preflights are answered for them
    cors_origins: Vec<String> = Vec::new(), shown "none";
    /// working days a department has to finish a referral
    referral_due_working_days: u32 = 5, shown "`5`", within 1, 60;
    /// a department signal about an unlisted person raises a discovery task
    /// above this amount, in fen
    signal_threshold_fen: i64 = 2_000_000, shown "`2000000`", within 0, i64::MAX;
    /// days after an order completes when its follow-up visit is due
    follow_up_days: u32 = 30, shown "`30`", within 1, 365;
    /// days after an evaluation report's delivery within which the provider may appeal
    appeal_days: u32 = 15, shown "`15`", within 1, 365;
    /// the OCDS `ocid` prefix of this publisher
    ocid_prefix: String = "ocds-jz0000-".into(), shown "`ocds-jz0000-`";
    /// the address clients reach this server at, for links in published
    /// data (the OCDS package's `uri` and its extension)
    public_base_url: String = "http://localhost:8080".into(), shown "`http://localhost:8080`";
    /// the id this registry answers DCI messages as (`sender_id` of its
    /// answers), registered with the departments that call it
    dci_registry_id: String = "jiuzhu".into(), shown "`jiuzhu`";
    /// the licence of published OCDS data
    ocds_license: String = "https://creativecommons.org/licenses/by/4.0/".into(), shown "`https://creativecommons.org/licenses/by/4.0/`";
    /// the address of the OCDS publication policy (what is published, when,
    /// and what is left out); by default the one this server serves
    ocds_publication_policy: Option<String> = None, shown "`<JIUZHU_PUBLIC_BASE_URL>/api/v1/public/ocds/publication-policy`";
    /// attempts per webhook delivery before it is `failed` (a manual retry
    /// grants as many again)
    webhook_max_attempts: u32 = 15, shown "`15`", within 1, 100;
    /// wait after a delivery's first failure, in ms; it doubles with each further one
    webhook_backoff_base_ms: u64 = 1_000, shown "`1000`", within 1, 86_400_000;
    /// longest wait between attempts, in ms (the defaults keep trying for
    /// about 90 minutes); never below the base
    webhook_backoff_cap_ms: u64 = 15 * 60 * 1_000, shown "`900000`", within 1, 86_400_000;
    /// how often the webhook worker looks for new events when idle, in ms
    webhook_poll_ms: u64 = 1_000, shown "`1000`", within 10, 3_600_000;
    /// how long a receiver has to answer, in ms
    webhook_timeout_ms: u64 = 10_000, shown "`10000`", within 100, 120_000;
    /// comma-separated address blocks webhooks may reach besides the public
    /// internet, e.g. `10.0.0.0/8` for the government intranet; loopback,
    /// private, link-local and reserved addresses are refused otherwise, at
    /// registration and before every connection
    webhook_allowed_networks: Vec<String> = Vec::new(), shown "none";
    /// PEM file of extra CAs trusted for `https` webhook receivers (an
    /// intranet CA); the public web roots are always trusted
    webhook_ca_file: Option<String> = None, shown "unset";
    /// an import job whose node has not beaten for this many seconds (a
    /// running job beats every second, also while it waits on a lock) died
    /// with its server; housekeeping on any node marks it failed
    /// (`interrupted`) by compare-and-set on that heartbeat, keeping the
    /// counts it reached. The uploaded file lives in that node's temporary
    /// directory and goes with it: the rows already imported are complete,
    /// and uploading the same file again (to any node) leaves them unchanged
    /// and adds the rest
    import_abandoned_after_secs: u64 = 120, shown "`120`",
        within 3 * jiuzhu_platform::imports::HEARTBEAT_EVERY.as_secs(), 86_400;
    /// how long a client has to send a request's headers, in ms; a stalled
    /// client gets 408 and its connection is closed
    client_request_timeout_ms: u64 = 5_000, shown "`5000`", within 100, 60_000;
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

    /// The lock-out rule these settings describe.
    pub fn lockout(&self) -> jiuzhu_platform::login_throttle::Lockout {
        jiuzhu_platform::login_throttle::Lockout::new(
            self.login_max_failures as usize,
            chrono::Duration::minutes(i64::from(self.login_window_minutes)),
            chrono::Duration::minutes(i64::from(self.login_lock_minutes)),
        )
    }

    /// Reads `JIUZHU_CONFIG` (default `jiuzhu.toml`, if present) and the environment.
    pub fn load() -> Result<Self, ConfigError> {
        let path = std::env::var("JIUZHU_CONFIG").unwrap_or_else(|_| "jiuzhu.toml".into());
        let file = if Path::new(&path).exists() {
            let text = std::fs::read_to_string(&path).map_err(|e| ConfigError::Unreadable { path: path.clone(), reason: e.to_string() })?;
            Some(toml::from_str::<FileConfig>(&text).map_err(|e| ConfigError::BadFile { path: path.clone(), reason: e.to_string() })?)
        } else {
            None
        };
        Self::checked(file.unwrap_or_default(), |name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// The settings from these sources, with the checks that span settings.
    fn checked(file: FileConfig, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let config = Self::from_sources(file, env)?;
        config.webhook_targets().map_err(|reason| ConfigError::BadValue {
            name: env_name("webhook_allowed_networks"),
            expected: "comma-separated address blocks such as 10.0.0.0/8".into(),
            got: reason,
        })?;
        if config.jwt_secret.as_ref().is_some_and(|s| s.len() < 32) {
            return Err(ConfigError::BadValue {
                name: env_name("jwt_secret"),
                expected: "at least 32 characters".into(),
                got: "a shorter secret".into(),
            });
        }
        Ok(config)
    }

    /// The README's table of settings, as `reference()` describes them.
    pub fn reference_table() -> String {
        let mut table = String::from("| variable | default | range | meaning |\n|---|---|---|---|\n");
        for setting in Self::reference() {
            let also = setting.also.map(|name| format!(" (also `{name}`)")).unwrap_or_default();
            let range = setting.range.unwrap_or_default();
            table.push_str(&format!("| `{}`{also} | {} | {range} | {} |\n", setting.variable, setting.default, setting.meaning));
        }
        table
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

    fn with_env(pairs: &[(&str, &str)], file: FileConfig) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::checked(file, |name| map.get(name).cloned())
    }

    fn from_file(toml_text: &str) -> Result<Config, ConfigError> {
        with_env(&[], toml::from_str::<FileConfig>(toml_text).unwrap())
    }

    #[test]
    fn cors_origins_are_a_comma_separated_list() {
        let config = with_env(&[("JIUZHU_CORS_ORIGINS", "https://a.example, https://b.example,")], FileConfig::default()).unwrap();
        assert_eq!(config.cors_origins, ["https://a.example", "https://b.example"]);
        assert_eq!(from_file("cors_origins = [\"https://c.example\"]").unwrap().cors_origins, ["https://c.example"]);
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
    fn rejects_bad_numbers_and_short_secrets_without_quoting_them() {
        let error = with_env(&[("JIUZHU_TOKEN_TTL_SECS", "soon")], FileConfig::default()).unwrap_err();
        assert_eq!(error.to_string(), "JIUZHU_TOKEN_TTL_SECS must be a whole number from 0 to 18446744073709551615, got \"soon\"");
        let error = with_env(&[("JIUZHU_JWT_SECRET", "short-secret")], FileConfig::default()).unwrap_err();
        assert!(!error.to_string().contains("short-secret"), "{error}");
        assert!(with_env(&[("JIUZHU_JWT_SECRET", "short-secret")], FileConfig::default()).is_err());
    }

    /// A bound holds wherever the value comes from: the file's values were
    /// once taken as they were while the environment's were clamped.
    #[test]
    fn bounds_hold_for_the_file_as_for_the_environment() {
        let from_env = with_env(&[("JIUZHU_RELAY_INTERVAL_MS", "1")], FileConfig::default()).unwrap_err();
        assert_eq!(from_env.to_string(), "JIUZHU_RELAY_INTERVAL_MS must be from 5 to 10000, got 1");
        assert_eq!(from_file("relay_interval_ms = 1").unwrap_err(), from_env);
        assert_eq!(from_file("max_connections = 0").unwrap_err().to_string(), "JIUZHU_MAX_CONNECTIONS must be from 1 to 1000, got 0");
        assert_eq!(from_file("relay_interval_ms = 5").unwrap().relay_interval_ms, 5);
        assert_eq!(with_env(&[("JIUZHU_LOGIN_MAX_FAILURES", "3")], FileConfig::default()).unwrap().lockout().max_failures(), 3);
    }

    #[test]
    fn file_rejects_unknown_keys() {
        assert!(toml::from_str::<FileConfig>("bnid = \"x\"").is_err());
    }

    /// The README's table is this module's, so the two cannot drift apart.
    #[test]
    fn the_readme_lists_every_setting_as_declared() {
        let readme = include_str!("../../../README.md");
        let table = Config::reference_table();
        assert!(readme.contains(&table), "README.md's configuration table differs from config.rs; it should read:\n{table}");
        for setting in Config::reference() {
            assert!(!setting.meaning.is_empty(), "{} has no description", setting.variable);
        }
    }
}
