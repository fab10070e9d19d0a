//! The webhook worker: a background task in every server process that fans
//! outbox events out to webhooks, sends the due deliveries as signed POSTs
//! and records each attempt. Several nodes may run it: claims are leased
//! and deliveries are unique per webhook and event, so nothing is sent twice
//! at once and nothing is lost when a node dies (its lease expires).
//! `https` receivers are reached over rustls (ring), trusting the public web
//! roots and an optional intranet CA. Only targets the `TargetPolicy`
//! allows are reached: the URL's host is judged before sending, and a
//! name's every resolved address is judged before connecting, so the
//! connection goes to an address that was checked; redirects are not
//! followed. The delivery log names the kind of failure, never the socket's
//! own error text.

use crate::config::Config;
use actix_tls::connect::{Resolve, Resolver};
use awc::error::SendRequestError;
use awc::http::header;
use futures_util::future::LocalBoxFuture;
use futures_util::future::join_all;
use jiuzhu_core::Clock;
use jiuzhu_core::target::TargetPolicy;
use jiuzhu_platform::Db;
use jiuzhu_platform::webhook_dispatch::{self, AttemptOutcome, Dispatch, RetryPolicy, signature};
use rustls::ClientConfig;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Deliveries sent at once per pass.
const CONCURRENT_DELIVERIES: u64 = 32;
/// Bytes of a receiver's answer read (and discarded) so the connection can be reused.
const ANSWER_LIMIT: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct WorkerSettings {
    pub policy: RetryPolicy,
    pub poll: Duration,
    pub timeout: Duration,
    /// TLS for `https` receivers: the public web roots plus any configured CA.
    pub tls: Arc<ClientConfig>,
    /// Which addresses receivers may have.
    pub targets: TargetPolicy,
}

impl WorkerSettings {
    /// How long a claimed delivery is held: two receiver timeouts and a
    /// margin, so a live worker always finishes first and a dead one's
    /// claims pass to another node soon after.
    pub fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(5)
    }

    /// Fails when the configured CA file cannot be read or holds no certificate.
    pub fn from_config(config: &Config) -> Result<Self, String> {
        Ok(Self {
            policy: config.webhook_policy(),
            poll: Duration::from_millis(config.webhook_poll_ms),
            timeout: Duration::from_millis(config.webhook_timeout_ms),
            tls: Arc::new(tls_config(config.webhook_ca_file.as_deref())?),
            targets: config.webhook_targets()?,
        })
    }
}

/// rustls with the ring provider, trusting the Mozilla roots and, when
/// given, the CAs in a PEM file.
fn tls_config(ca_file: Option<&str>) -> Result<ClientConfig, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    if let Some(path) = ca_file {
        let certificates = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| format!("JIUZHU_WEBHOOK_CA_FILE {path}: {e}"))?;
        if certificates.is_empty() {
            return Err(format!("JIUZHU_WEBHOOK_CA_FILE {path} holds no certificate"));
        }
        for certificate in certificates {
            roots.add(certificate).map_err(|e| format!("JIUZHU_WEBHOOK_CA_FILE {path}: {e}"))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

/// Starts the worker on the current actix runtime. It runs until the
/// runtime stops; a pass that found work is followed at once by the next.
pub fn spawn(db: Db, clock: Arc<dyn Clock>, settings: WorkerSettings) {
    actix_web::rt::spawn(async move {
        let checked = Resolver::custom(CheckedResolver(settings.targets.clone()));
        let connector = awc::Connector::new()
            .connector(actix_tls::connect::Connector::new(checked).service())
            .rustls_0_23(settings.tls.clone())
            .timeout(settings.timeout);
        let client = awc::Client::builder().connector(connector).timeout(settings.timeout).disable_redirects().finish();
        loop {
            let busy = match pass(&db, clock.as_ref(), &client, &settings).await {
                Ok(sent) => sent > 0,
                Err(error) => {
                    tracing::warn!(%error, "webhook pass failed; trying again after the poll interval");
                    false
                }
            };
            if !busy {
                actix_web::rt::time::sleep(settings.poll).await;
            }
        }
    });
}

/// One pass: fan out new events, then send what is due. Returns how many
/// deliveries were attempted.
async fn pass(db: &Db, clock: &dyn Clock, client: &awc::Client, settings: &WorkerSettings) -> Result<usize, jiuzhu_core::DomainError> {
    webhook_dispatch::fan_out(db, clock.now(), &settings.policy).await?;
    let due = webhook_dispatch::claim_due(db, clock.now(), CONCURRENT_DELIVERIES, settings.lease()).await?;
    let attempted = due.len();
    let results = join_all(due.into_iter().map(|dispatch| async move {
        let outcome = send(client, clock, &settings.targets, &dispatch).await;
        webhook_dispatch::record_attempt(db, &dispatch, &outcome, &settings.policy).await
    }))
    .await;
    let recorded = results.into_iter().collect::<Result<Vec<bool>, _>>()?;
    let overran = recorded.iter().filter(|held| !**held).count();
    if overran > 0 {
        tracing::warn!(overran, "webhook attempts outlasted their lease; the deliveries were left to the worker that took them over");
    }
    Ok(attempted)
}

/// A refusal of the resolver: the name has an address outside the policy.
#[derive(Debug)]
struct TargetRefused;

impl std::fmt::Display for TargetRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the receiver's name resolves to an address that is not allowed")
    }
}

impl std::error::Error for TargetRefused {}

/// Resolves a receiver's name and answers its addresses only when every one
/// of them is allowed, so the connection is made to a checked address.
struct CheckedResolver(TargetPolicy);

impl Resolve for CheckedResolver {
    fn lookup<'a>(&'a self, host: &'a str, port: u16) -> LocalBoxFuture<'a, Result<Vec<SocketAddr>, Box<dyn std::error::Error>>> {
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port)).await?.collect();
            if addresses.iter().any(|a| !self.0.allows(a.ip())) {
                return Err(Box::new(TargetRefused) as Box<dyn std::error::Error>);
            }
            Ok(addresses)
        })
    }
}

/// The kind of a failed attempt, as the delivery log shows it.
fn failure_kind(failure: &SendRequestError) -> &'static str {
    use awc::error::ConnectError as C;
    let io_kind = |e: &std::io::Error| match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused",
        std::io::ErrorKind::TimedOut => "timeout",
        std::io::ErrorKind::InvalidData => "TLS failure",
        _ => "connection failed",
    };
    match failure {
        SendRequestError::Connect(C::Resolver(error)) if error.is::<TargetRefused>() => "target not allowed",
        SendRequestError::Connect(C::Resolver(_) | C::NoRecords | C::Unresolved) => "name not resolved",
        SendRequestError::Connect(C::Timeout) | SendRequestError::Timeout => "timeout",
        SendRequestError::Connect(C::SslIsNotSupported) => "TLS not supported",
        SendRequestError::Connect(C::Io(e)) | SendRequestError::Send(e) => io_kind(e),
        SendRequestError::Url(_) => "invalid URL",
        _ => "connection failed",
    }
}

/// POSTs the delivery's body with its event id and a fresh signature, when
/// the receiver's host is a target the policy allows.
async fn send(client: &awc::Client, clock: &dyn Clock, targets: &TargetPolicy, dispatch: &Dispatch) -> AttemptOutcome {
    let delivery = &dispatch.delivery;
    let attempted_at = clock.now();
    let started = Instant::now();
    let host = jiuzhu_platform::webhooks::url_host(&dispatch.url).unwrap_or("");
    if targets.check_host(host).is_err() {
        let error = Some("target not allowed".to_string());
        return AttemptOutcome { attempted_at, status_code: None, error, duration: started.elapsed() };
    }
    let request = client
        .post(&dispatch.url)
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((header::USER_AGENT, concat!("jiuzhu-webhooks/", env!("CARGO_PKG_VERSION"))))
        .insert_header(("X-Jiuzhu-Event-Id", delivery.event_id.to_string()))
        .insert_header(("X-Jiuzhu-Event-Type", delivery.event_type.clone()))
        .insert_header(("X-Jiuzhu-Delivery-Id", delivery.id.to_string()))
        .insert_header(("X-Jiuzhu-Signature", signature(&dispatch.secret, attempted_at.timestamp(), &delivery.body)));
    let (status_code, error) = match request.send_body(delivery.body.clone()).await {
        Ok(mut answer) => {
            let status = answer.status().as_u16();
            let _ = answer.body().limit(ANSWER_LIMIT).await;
            let error = (!answer.status().is_success()).then(|| format!("the receiver answered {status}"));
            (Some(status), error)
        }
        Err(failure) => (None, Some(failure_kind(&failure).to_string())),
    };
    AttemptOutcome { attempted_at, status_code, error, duration: started.elapsed() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_trusts_the_web_roots_and_refuses_a_bad_ca_file() {
        assert!(tls_config(None).is_ok());
        let missing = tls_config(Some("/nonexistent/ca.pem")).unwrap_err();
        assert!(missing.contains("/nonexistent/ca.pem"), "{missing}");
        let empty = std::env::temp_dir().join(format!("jiuzhu-empty-ca-{}.pem", std::process::id()));
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let refused = tls_config(empty.to_str());
        std::fs::remove_file(&empty).ok();
        assert!(refused.unwrap_err().contains("holds no certificate"));
    }

    #[actix_web::test]
    async fn names_are_resolved_and_every_address_judged_before_connecting() {
        let public_only = CheckedResolver(TargetPolicy::default());
        let refused = public_only.lookup("localhost", 80).await.unwrap_err();
        assert!(refused.is::<TargetRefused>(), "localhost resolves to loopback: {refused}");
        let numeric = public_only.lookup("2130706433", 80).await;
        assert!(numeric.is_err(), "a number the resolver reads as 127.0.0.1");
        let loopback = TargetPolicy::allowing(&["127.0.0.0/8".into(), "::1".into()]).unwrap();
        let addresses = CheckedResolver(loopback).lookup("localhost", 8080).await.unwrap();
        assert!(!addresses.is_empty() && addresses.iter().all(|a| a.ip().is_loopback() && a.port() == 8080));
    }
}
