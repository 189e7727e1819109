//! Logging: `tracing` to stderr, as text or JSON lines, filtered by the
//! configured level (`RUST_LOG` syntax).

use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat};

/// Installs the subscriber. The server logs at the configured level; the
/// management commands only warnings, so that stdout stays for results.
pub fn init(config: &Config, server: bool) {
    let level = if server {
        config.log_level.as_str()
    } else {
        "warn"
    };
    let filter = EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match config.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}
