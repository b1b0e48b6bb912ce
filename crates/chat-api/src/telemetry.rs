//! Structured logging with `tracing`: human-readable by default, JSON lines for log collectors.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; a second call (as in tests) is a harmless no-op.
pub fn init(filter: &str, json: bool) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = if json { builder.json().try_init() } else { builder.compact().try_init() };
}
