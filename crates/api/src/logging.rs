//! Structured JSON logs through `tracing`, on stderr so stdout stays free
//! for command output (the spec, the one-time admin password).

use tracing_subscriber::EnvFilter;

pub fn init(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().json().with_env_filter(filter).with_writer(std::io::stderr).with_current_span(false).try_init();
}
