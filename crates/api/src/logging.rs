//! Structured JSON logs through `tracing`, on stderr so stdout stays free
//! for command output (the spec, the one-time admin password). actix-http
//! reports a client's broken or oversized request (a 2 MB header) as an
//! ERROR of its own; those are a client's doing, so they are logged again
//! here at WARN, with the limit and the cause, and never as errors.

use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, filter};

/// Where actix-http reports a connection's stream errors.
const STREAM_ERRORS: &str = "actix_http::h1::dispatcher";
/// actix-http's limit on a request head, in bytes.
const HEAD_LIMIT_BYTES: usize = 32 * 1024;

fn is_stream_error(meta: &tracing::Metadata<'_>) -> bool {
    meta.target() == STREAM_ERRORS && *meta.level() == tracing::Level::ERROR
}

/// Re-logs actix-http's stream errors at WARN, as JSON lines of the same
/// shape on the same writer (an event cannot be emitted from inside another).
struct StreamErrorsAsWarnings<W> {
    writer: W,
}

#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S, W> Layer<S> for StreamErrorsAsWarnings<W>
where
    S: tracing::Subscriber,
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + 'static,
{
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        use std::io::Write;
        if !is_stream_error(event.metadata()) {
            return;
        }
        let mut message = Message::default();
        event.record(&mut message);
        let timestamp = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
        let line = serde_json::json!({
            "timestamp": timestamp.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "level": "WARN",
            "fields": {"message": "refused a client's request head", "cause": message.0, "oversized": message.0.contains("too large"),
                "head_limit_bytes": HEAD_LIMIT_BYTES},
            "target": "jiuzhu_api::http",
        });
        let _ = writeln!(self.writer.make_writer(), "{line}");
    }
}

/// The subscriber `init` installs, writing JSON lines to `writer`.
fn subscriber<W>(filter: &str, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Clone + Send + Sync + 'static,
{
    // Both filters state their levels, so that callsites below them (the
    // dependencies' debug and trace events) stay switched off statically.
    let mut env = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    if let Ok(directive) = format!("{STREAM_ERRORS}=off").parse() {
        env = env.add_directive(directive);
    }
    let json = tracing_subscriber::fmt::layer().json().with_writer(writer.clone()).with_current_span(false).with_filter(env);
    let warnings = StreamErrorsAsWarnings { writer }.with_filter(filter::Targets::new().with_target(STREAM_ERRORS, tracing::Level::ERROR));
    tracing_subscriber::registry().with(json).with(warnings)
}

pub fn init(filter: &str) {
    let _ = subscriber(filter, std::io::stderr).try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn an_oversized_request_head_is_a_warning_not_an_error() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let make = move || writer.clone();
        tracing::subscriber::with_default(subscriber("info", make), || {
            tracing::error!(target: "actix_http::h1::dispatcher", "stream error: request parse error: message head is too large");
            tracing::error!(target: "jiuzhu_api::problem", "internal error");
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            lines[0].contains("\"level\":\"WARN\"") && lines[0].contains("\"oversized\":true") && lines[0].contains("32768"),
            "{}",
            lines[0]
        );
        assert!(lines[1].contains("\"level\":\"ERROR\""), "the server's own errors stay errors");
    }
}
