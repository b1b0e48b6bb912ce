//! Settings read from the environment once, at start-up.

use crate::realtime::{DispatchSettings, PresenceSettings};
use chat_media::StorageConfig;
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub addr: SocketAddr,
    pub pool_size: u32,
    pub workers: usize,
    pub body: BodyLimits,
    pub token_ttl: Duration,
    pub password_hashing: PasswordHashing,
    /// Register and login attempts a minute per client address.
    pub auth_attempts_per_minute: u32,
    /// User directory searches (`GET /users`) a minute per client address.
    pub user_searches_per_minute: u32,
    pub log_filter: String,
    pub log_json: bool,
    /// Browser origins (`https://app.example.com`, or `*`) whose pages may call the API (CORS) and
    /// open a WebSocket, besides the server's own.
    pub allowed_origins: Vec<String>,
    pub realtime: RealtimeConfig,
    pub uploads: UploadConfig,
}

/// Where uploads' bytes go and what an upload may cost.
#[derive(Clone, Debug)]
pub struct UploadConfig {
    pub storage: StorageConfig,
    pub max_bytes: u64,
    /// How long an upload's body may pause between two chunks.
    pub idle_timeout: Duration,
    /// How long an upload may take in all (a pending row lives an hour: keep this well under).
    pub max_duration: Duration,
    /// An upload no message carries is erased once this old.
    pub unattached_ttl: Duration,
    /// How often the janitor looks for uploads to erase.
    pub prune_interval: Duration,
}

impl Default for UploadConfig {
    fn default() -> Self {
        Self {
            storage: StorageConfig { url: ".data/uploads".into(), options: Vec::new() },
            max_bytes: 25 * 1024 * 1024,
            idle_timeout: Duration::from_secs(10),
            max_duration: Duration::from_secs(30 * 60),
            unattached_ttl: Duration::from_secs(24 * 3600),
            prune_interval: Duration::from_secs(600),
        }
    }
}

/// WebSocket and event-log settings.
#[derive(Clone, Debug)]
pub struct RealtimeConfig {
    pub ping_interval: Duration,
    pub idle_timeout: Duration,
    /// Outgoing frames a connection may have waiting before it is closed as too slow.
    pub queue_capacity: usize,
    pub event_retention: Duration,
    pub presence: PresenceSettings,
    /// How the listener, the pump, the receipt publisher and retention are paced.
    pub dispatch: DispatchSettings,
}

impl Default for RealtimeConfig {
    fn default() -> Self {
        Self {
            ping_interval: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(45),
            queue_capacity: 256,
            event_retention: Duration::from_secs(7 * 24 * 3600),
            presence: PresenceSettings::default(),
            dispatch: DispatchSettings::default(),
        }
    }
}

/// What a request body may cost: its size, and how long it may take to arrive (a client that
/// stops sending would otherwise hold its connection for as long as it likes).
#[derive(Clone, Copy, Debug)]
pub struct BodyLimits {
    pub max_bytes: usize,
    pub read_timeout: Duration,
}

impl Default for BodyLimits {
    fn default() -> Self {
        Self { max_bytes: 64 * 1024, read_timeout: Duration::from_secs(10) }
    }
}

/// Argon2id cost. The defaults follow OWASP's recommendation (19 MiB, 2 passes).
#[derive(Clone, Copy, Debug)]
pub struct PasswordHashing {
    pub memory_kib: u32,
    pub iterations: u32,
}

impl Default for PasswordHashing {
    fn default() -> Self {
        Self { memory_kib: 19 * 1024, iterations: 2 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("DATABASE_URL is not set (`make run` starts a local database and sets it for you)")]
    MissingDatabaseUrl,
    #[error("{name} is invalid: {value:?}")]
    Invalid { name: &'static str, value: String },
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let database_url = std::env::var("DATABASE_URL").map_err(|_| ConfigError::MissingDatabaseUrl)?;
        let defaults = PasswordHashing::default();
        let body = BodyLimits::default();
        let uploads = UploadConfig::default();
        Ok(Self {
            database_url,
            addr: parse_var("CHAT_ADDR", "127.0.0.1:8000".parse().map_err(|_| invalid("CHAT_ADDR", ""))?)?,
            pool_size: at_least("CHAT_DB_POOL_SIZE", parse_var("CHAT_DB_POOL_SIZE", 8)?, 1)?,
            workers: at_least(
                "CHAT_WORKERS",
                parse_var("CHAT_WORKERS", std::thread::available_parallelism().map_or(2, usize::from))?,
                1,
            )?,
            body: BodyLimits {
                max_bytes: parse_var("CHAT_MAX_BODY_BYTES", body.max_bytes)?,
                read_timeout: Duration::from_secs(at_least(
                    "CHAT_BODY_TIMEOUT_SECS",
                    parse_var("CHAT_BODY_TIMEOUT_SECS", body.read_timeout.as_secs())?,
                    1,
                )?),
            },
            token_ttl: Duration::from_secs(3600 * parse_var::<u64>("CHAT_TOKEN_TTL_HOURS", 24 * 30)?),
            auth_attempts_per_minute: at_least("CHAT_AUTH_PER_MINUTE", parse_var("CHAT_AUTH_PER_MINUTE", 30)?, 1)?,
            user_searches_per_minute: at_least(
                "CHAT_USER_SEARCH_PER_MINUTE",
                parse_var("CHAT_USER_SEARCH_PER_MINUTE", 120)?,
                1,
            )?,
            password_hashing: PasswordHashing {
                memory_kib: parse_var("CHAT_ARGON2_MEMORY_KIB", defaults.memory_kib)?,
                iterations: parse_var("CHAT_ARGON2_ITERATIONS", defaults.iterations)?,
            },
            log_filter: std::env::var("CHAT_LOG").unwrap_or_else(|_| "info".into()),
            log_json: std::env::var("CHAT_LOG_FORMAT").is_ok_and(|format| format == "json"),
            allowed_origins: std::env::var("CHAT_ALLOWED_ORIGINS")
                .unwrap_or_default()
                .split(',')
                .map(|origin| origin.trim().to_owned())
                .filter(|origin| !origin.is_empty())
                .collect(),
            realtime: RealtimeConfig {
                ping_interval: Duration::from_secs(at_least(
                    "CHAT_WS_PING_SECS",
                    parse_var("CHAT_WS_PING_SECS", 15)?,
                    1,
                )?),
                idle_timeout: Duration::from_secs(at_least(
                    "CHAT_WS_IDLE_TIMEOUT_SECS",
                    parse_var("CHAT_WS_IDLE_TIMEOUT_SECS", 45)?,
                    1,
                )?),
                queue_capacity: at_least("CHAT_WS_QUEUE", parse_var("CHAT_WS_QUEUE", 256)?, 1)?,
                event_retention: Duration::from_secs(
                    3600 * at_most(
                        "CHAT_EVENT_RETENTION_HOURS",
                        parse_var::<u64>("CHAT_EVENT_RETENTION_HOURS", 168)?,
                        24 * 365 * 10,
                    )?,
                ),
                presence: {
                    // A process silent for `timeout` is swept: its users go offline within
                    // `timeout` + `beat` of it dying.
                    let millis = |name, default| -> Result<Duration, ConfigError> {
                        Ok(Duration::from_millis(at_least(name, parse_var(name, default)?, 10)?))
                    };
                    PresenceSettings {
                        beat: millis("CHAT_PRESENCE_BEAT_MS", 5_000)?,
                        timeout: millis("CHAT_PRESENCE_TIMEOUT_MS", 15_000)?,
                        grace: millis("CHAT_PRESENCE_GRACE_MS", 3_000)?,
                        coalesce: millis("CHAT_PRESENCE_COALESCE_MS", 3_000)?,
                    }
                },
                dispatch: DispatchSettings::default(),
            },
            uploads: UploadConfig {
                storage: StorageConfig {
                    url: std::env::var("CHAT_STORAGE_URL").unwrap_or(uploads.storage.url),
                    options: Vec::new(),
                },
                max_bytes: at_least(
                    "CHAT_MAX_UPLOAD_BYTES",
                    parse_var("CHAT_MAX_UPLOAD_BYTES", uploads.max_bytes)?,
                    1,
                )?,
                idle_timeout: uploads.idle_timeout,
                max_duration: uploads.max_duration,
                unattached_ttl: Duration::from_secs(at_least(
                    "CHAT_UPLOAD_UNATTACHED_SECS",
                    parse_var("CHAT_UPLOAD_UNATTACHED_SECS", uploads.unattached_ttl.as_secs())?,
                    1,
                )?),
                prune_interval: Duration::from_secs(at_least(
                    "CHAT_UPLOAD_PRUNE_SECS",
                    parse_var("CHAT_UPLOAD_PRUNE_SECS", uploads.prune_interval.as_secs())?,
                    1,
                )?),
            },
        })
    }
}

fn invalid(name: &'static str, value: &str) -> ConfigError {
    ConfigError::Invalid { name, value: value.to_owned() }
}

fn at_least<T: PartialOrd + ToString>(name: &'static str, value: T, min: T) -> Result<T, ConfigError> {
    if value >= min { Ok(value) } else { Err(invalid(name, &value.to_string())) }
}

fn at_most<T: PartialOrd + ToString>(name: &'static str, value: T, max: T) -> Result<T, ConfigError> {
    if value <= max { Ok(value) } else { Err(invalid(name, &value.to_string())) }
}

fn parse_var<T: std::str::FromStr>(name: &'static str, default: T) -> Result<T, ConfigError> {
    match std::env::var(name) {
        Ok(value) => value.parse().map_err(|_| invalid(name, &value)),
        Err(_) => Ok(default),
    }
}
