//! Settings read from the environment once, at start-up: `Config::default()` is the one place
//! every default is written, and `Config::from_env` overlays what the environment sets.

use crate::realtime::{DispatchSettings, PresenceSettings};
use chat_media::StorageConfig;
use chat_outbound::Backoff;
use std::net::{Ipv4Addr, SocketAddr};
use std::ops::RangeBounds;
use std::str::FromStr;
use std::time::Duration;

/// A mebibyte, the unit of the sizes set in MiB.
const MIB: u64 = 1024 * 1024;

#[derive(Clone, Debug)]
pub struct Config {
    /// Required: `from_env` refuses to start without `DATABASE_URL` (the default is empty).
    pub database_url: String,
    pub addr: SocketAddr,
    pub pool_size: u32,
    /// The bounded wait (`CHAT_DB_WAIT_MS`): past it, a wait for a connection, a new connection or a
    /// statement's answer ends in 503 with `Retry-After` (chat-store's `PoolSettings::wait`).
    pub db_wait: Duration,
    /// Read replicas (`CHAT_REPLICA_URLS`, space-separated) for the reads that may use one, and
    /// how far behind one may be (`CHAT_REPLICA_MAX_LAG_MS`) and how long a read waits for one to
    /// catch up with what its reader has seen (`CHAT_REPLICA_CATCH_UP_MS`).
    pub replicas: chat_store::ReplicaSettings,
    /// The deployment's other PostgreSQL clusters (`CHAT_CLUSTER_URLS`, space-separated), numbered
    /// from 1 in this order; `DATABASE_URL` is cluster 0, the directory, whose `shard_map` places
    /// chats on them (docs/ARCHITECTURE.md, "Spreading chats over several clusters").
    pub cluster_urls: Vec<String>,
    pub workers: usize,
    pub body: BodyLimits,
    pub token_ttl: Duration,
    pub password_hashing: PasswordHashing,
    /// Register and login attempts a minute per client address.
    pub auth_attempts_per_minute: u32,
    /// User directory searches (`GET /users`) a minute per client address.
    pub user_searches_per_minute: u32,
    /// Messages a user may post: a burst (`CHAT_SEND_BURST`) refilled at `CHAT_SEND_PER_MINUTE`,
    /// the same on every server process.
    pub send_limit: chat_store::SendLimit,
    /// The most bytes of newest history pages a process keeps (`CHAT_HISTORY_CACHE_MIB`; 0: none).
    pub history_cache_bytes: u64,
    pub log_filter: String,
    pub log_json: bool,
    /// Browser origins (`https://app.example.com`, or `*`) whose pages may call the API (CORS) and
    /// open a WebSocket, besides the server's own.
    pub allowed_origins: Vec<String>,
    /// Usernames that are server admins (`CHAT_ADMIN_USERNAMES`), besides the first person who
    /// registered and those given the role.
    pub admin_usernames: Vec<String>,
    pub realtime: RealtimeConfig,
    pub uploads: UploadConfig,
    pub push: PushConfig,
    pub webhooks: WebhookConfig,
    pub previews: PreviewConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: String::new(),
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 8000)),
            pool_size: 8,
            db_wait: chat_store::PoolSettings::default().wait,
            replicas: chat_store::ReplicaSettings::default(),
            cluster_urls: Vec::new(),
            workers: std::thread::available_parallelism().map_or(2, usize::from),
            body: BodyLimits::default(),
            token_ttl: Duration::from_secs(30 * 24 * 3600),
            password_hashing: PasswordHashing::default(),
            auth_attempts_per_minute: 30,
            user_searches_per_minute: 120,
            send_limit: chat_store::SendLimit::default(),
            history_cache_bytes: 32 * MIB,
            log_filter: "info".into(),
            log_json: false,
            allowed_origins: Vec::new(),
            admin_usernames: Vec::new(),
            realtime: RealtimeConfig::default(),
            uploads: UploadConfig::default(),
            push: PushConfig::default(),
            webhooks: WebhookConfig::default(),
            previews: PreviewConfig::default(),
        }
    }
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

/// Push notifications (issue 20): the VAPID identity, which addresses pushers may name, what a
/// push may carry, and the worker's pacing.
#[derive(Clone, Debug)]
pub struct PushConfig {
    /// The VAPID private key (the P-256 scalar, 32 bytes, base64url); none: the key kept in the
    /// database (generated on first start).
    pub vapid_private_key: Option<Secret>,
    /// The VAPID `sub` claim: how a push service can reach the operator (`mailto:` or `https:`).
    pub vapid_subject: String,
    /// Hosts exempt from the public-address rule (a gateway on the operator's network).
    pub allowed_hosts: Vec<String>,
    /// Whether pushes carry the sender's name and a preview, or ids only.
    pub content: PushContent,
    /// How long a message's push waits for a device to acknowledge it over its WebSocket.
    pub hold: Duration,
    /// How often the sender looks for due deliveries without being woken.
    pub poll: Duration,
    /// How long a claimed delivery is a process's own: longer than `timeout`.
    pub lease: Duration,
    /// The longest one send may take.
    pub timeout: Duration,
    /// The wait before the second try of a failed send; doubled each time, up to `retry_longest`.
    pub retry_first: Duration,
    pub retry_longest: Duration,
    /// Tries in all before a delivery is given up.
    pub max_attempts: u32,
    /// How long a push service keeps a push for an offline device (Web Push `TTL`; at most a day,
    /// which is also the VAPID signature's lifetime).
    pub ttl: Duration,
}

impl Default for PushConfig {
    fn default() -> Self {
        Self {
            vapid_private_key: None,
            vapid_subject: "mailto:admin@localhost".into(),
            allowed_hosts: Vec::new(),
            content: PushContent::Full,
            hold: Duration::from_secs(3),
            poll: Duration::from_secs(1),
            lease: Duration::from_secs(30),
            timeout: Duration::from_secs(5),
            retry_first: Duration::from_secs(2),
            retry_longest: Duration::from_secs(600),
            max_attempts: 8,
            ttl: Duration::from_secs(12 * 3600),
        }
    }
}

/// Outgoing webhooks' deliveries and incoming webhooks' limit.
#[derive(Clone, Debug)]
pub struct WebhookConfig {
    /// Hosts exempt from the public-address rule (`CHAT_WEBHOOK_ALLOWED_HOSTS`, comma-separated).
    pub allowed_hosts: Vec<String>,
    /// The longest one delivery request may take.
    pub timeout: Duration,
    /// Waits between tries of a delivery that got a 5xx, a 429 or no answer; after the last try
    /// the webhook is marked failing. The defaults retry for 18 to 37 minutes in all (the
    /// waits are jittered).
    pub retry: Backoff,
    /// How often the delivery worker looks for due deliveries without a wake-up (retries, lost
    /// wake-ups).
    pub tick: Duration,
    /// Messages a minute one incoming webhook may post.
    pub incoming_per_minute: u32,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            allowed_hosts: Vec::new(),
            timeout: Duration::from_secs(10),
            retry: Backoff { first: Duration::from_secs(2), longest: Duration::from_secs(600), max_attempts: 12 },
            tick: Duration::from_secs(1),
            incoming_per_minute: 60,
        }
    }
}

/// Link previews: whether the server fetches the pages messages link to, from where, and how much.
#[derive(Clone, Debug)]
pub struct PreviewConfig {
    /// `CHAT_PREVIEWS` (`on` or `off`): off, no page is fetched and messages get no preview.
    pub enabled: bool,
    /// Hosts exempt from the public-address rule (`CHAT_PREVIEW_ALLOWED_HOSTS`, comma-separated):
    /// the tests' page server on 127.0.0.1.
    pub allowed_hosts: Vec<String>,
    /// The longest a page's fetch may take, redirects included, and its picture's again.
    pub timeout: Duration,
    /// The most of a page read; a longer page gets no preview.
    pub max_page_bytes: usize,
    /// How long a fetch of an address serves the messages that name it before it is fetched again.
    pub cache_for: Duration,
    /// Waits between tries of a fetch that failed on the network; after the last, no preview.
    pub retry: Backoff,
}

impl Default for PreviewConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            allowed_hosts: Vec::new(),
            timeout: Duration::from_secs(5),
            max_page_bytes: 1024 * 1024,
            cache_for: Duration::from_secs(24 * 3600),
            retry: Backoff { first: Duration::from_secs(5), longest: Duration::from_secs(60), max_attempts: 3 },
        }
    }
}

/// `CHAT_PUSH_CONTENT`: `full` (sender's name and a preview) or `none` (ids and counts only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushContent {
    Full,
    None,
}

/// A setting that must not show in logs or `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// WebSocket and event-log settings.
#[derive(Clone, Debug)]
pub struct RealtimeConfig {
    pub ping_interval: Duration,
    pub idle_timeout: Duration,
    /// Outgoing frames a connection may have waiting before it is closed as too slow.
    pub queue_capacity: usize,
    /// How long events are kept for resuming.
    pub event_retention: Duration,
    /// A process silent for `presence.timeout` is swept: its users go offline within `timeout` +
    /// `beat` of it dying.
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
    /// The defaults, overlaid with what the process environment sets.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The defaults, overlaid with every variable `lookup` finds (`lookup` stands for the
    /// environment: it answers a variable's name with its value, if set).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Lookup(lookup);
        let mut config = Self::default();
        config.database_url = env.text("DATABASE_URL").ok_or(ConfigError::MissingDatabaseUrl)?;
        config.addr = env.value("CHAT_ADDR", config.addr, ..)?;
        config.pool_size = env.value("CHAT_DB_POOL_SIZE", config.pool_size, 1..)?;
        config.db_wait = env.duration("CHAT_DB_WAIT_MS", Unit::Millis, config.db_wait, 100..)?;
        let replicas = &mut config.replicas;
        if let Some(urls) = env.text("CHAT_REPLICA_URLS") {
            // Not comma-separated: one replica's URL may name several hosts with commas.
            replicas.urls = urls.split_whitespace().map(str::to_owned).collect();
        }
        replicas.max_lag = env.duration("CHAT_REPLICA_MAX_LAG_MS", Unit::Millis, replicas.max_lag, ..)?;
        replicas.catch_up = env.duration("CHAT_REPLICA_CATCH_UP_MS", Unit::Millis, replicas.catch_up, ..)?;
        if let Some(urls) = env.text("CHAT_CLUSTER_URLS") {
            config.cluster_urls = urls.split_whitespace().map(str::to_owned).collect();
        }
        config.workers = env.value("CHAT_WORKERS", config.workers, 1..)?;
        let body = &mut config.body;
        body.max_bytes = env.value("CHAT_MAX_BODY_BYTES", body.max_bytes, ..)?;
        body.read_timeout = env.duration("CHAT_BODY_TIMEOUT_SECS", Unit::Secs, body.read_timeout, 1..)?;
        config.token_ttl = env.duration("CHAT_TOKEN_TTL_HOURS", Unit::Hours, config.token_ttl, ..)?;
        config.auth_attempts_per_minute = env.value("CHAT_AUTH_PER_MINUTE", config.auth_attempts_per_minute, 1..)?;
        config.user_searches_per_minute =
            env.value("CHAT_USER_SEARCH_PER_MINUTE", config.user_searches_per_minute, 1..)?;
        let send = &mut config.send_limit;
        send.burst = env.value("CHAT_SEND_BURST", send.burst, 1..)?;
        send.per_minute = env.value("CHAT_SEND_PER_MINUTE", send.per_minute, 1..)?;
        config.history_cache_bytes =
            env.value("CHAT_HISTORY_CACHE_MIB", config.history_cache_bytes / MIB, ..=65_536)? * MIB;
        let hashing = &mut config.password_hashing;
        hashing.memory_kib = env.value("CHAT_ARGON2_MEMORY_KIB", hashing.memory_kib, ..)?;
        hashing.iterations = env.value("CHAT_ARGON2_ITERATIONS", hashing.iterations, ..)?;
        if let Some(filter) = env.text("CHAT_LOG") {
            config.log_filter = filter;
        }
        if let Some(format) = env.text("CHAT_LOG_FORMAT") {
            config.log_json = format == "json";
        }
        if let Some(names) = env.text("CHAT_ADMIN_USERNAMES") {
            config.admin_usernames = list(&names);
        }
        if let Some(origins) = env.text("CHAT_ALLOWED_ORIGINS") {
            config.allowed_origins = list(&origins);
        }
        let realtime = &mut config.realtime;
        realtime.ping_interval = env.duration("CHAT_WS_PING_SECS", Unit::Secs, realtime.ping_interval, 1..)?;
        realtime.idle_timeout = env.duration("CHAT_WS_IDLE_TIMEOUT_SECS", Unit::Secs, realtime.idle_timeout, 1..)?;
        realtime.queue_capacity = env.value("CHAT_WS_QUEUE", realtime.queue_capacity, 1..)?;
        realtime.event_retention =
            env.duration("CHAT_EVENT_RETENTION_HOURS", Unit::Hours, realtime.event_retention, ..=24 * 365 * 10)?;
        let presence = &mut realtime.presence;
        presence.beat = env.duration("CHAT_PRESENCE_BEAT_MS", Unit::Millis, presence.beat, 10..)?;
        presence.timeout = env.duration("CHAT_PRESENCE_TIMEOUT_MS", Unit::Millis, presence.timeout, 10..)?;
        presence.grace = env.duration("CHAT_PRESENCE_GRACE_MS", Unit::Millis, presence.grace, 10..)?;
        presence.coalesce = env.duration("CHAT_PRESENCE_COALESCE_MS", Unit::Millis, presence.coalesce, 10..)?;
        let uploads = &mut config.uploads;
        if let Some(url) = env.text("CHAT_STORAGE_URL") {
            uploads.storage.url = url;
        }
        uploads.max_bytes = env.value("CHAT_MAX_UPLOAD_BYTES", uploads.max_bytes, 1..)?;
        uploads.unattached_ttl =
            env.duration("CHAT_UPLOAD_UNATTACHED_SECS", Unit::Secs, uploads.unattached_ttl, 1..)?;
        uploads.prune_interval = env.duration("CHAT_UPLOAD_PRUNE_SECS", Unit::Secs, uploads.prune_interval, 1..)?;
        let push = &mut config.push;
        if let Some(key) = env.text("CHAT_VAPID_PRIVATE_KEY").filter(|key| !key.is_empty()) {
            push.vapid_private_key = Some(Secret(key));
        }
        if let Some(subject) = env.text("CHAT_VAPID_SUBJECT") {
            push.vapid_subject = subject;
        }
        if let Some(hosts) = env.text("CHAT_PUSH_ALLOWED_HOSTS") {
            push.allowed_hosts = list(&hosts);
        }
        if let Some(content) = env.text("CHAT_PUSH_CONTENT") {
            push.content = match content.as_str() {
                "full" => PushContent::Full,
                "none" => PushContent::None,
                _ => return Err(invalid("CHAT_PUSH_CONTENT", &content)),
            };
        }
        push.hold = env.duration("CHAT_PUSH_HOLD_MS", Unit::Millis, push.hold, ..)?;
        push.poll = env.duration("CHAT_PUSH_POLL_MS", Unit::Millis, push.poll, 10..)?;
        push.lease = env.duration("CHAT_PUSH_LEASE_MS", Unit::Millis, push.lease, 100..)?;
        push.timeout = env.duration("CHAT_PUSH_TIMEOUT_MS", Unit::Millis, push.timeout, 10..)?;
        push.retry_first = env.duration("CHAT_PUSH_RETRY_FIRST_MS", Unit::Millis, push.retry_first, 1..)?;
        push.retry_longest = env.duration("CHAT_PUSH_RETRY_LONGEST_MS", Unit::Millis, push.retry_longest, 1..)?;
        push.max_attempts = env.value("CHAT_PUSH_MAX_ATTEMPTS", push.max_attempts, 1..=100)?;
        push.ttl = env.duration("CHAT_PUSH_TTL_SECS", Unit::Secs, push.ttl, 60..=24 * 3600)?;
        if push.lease <= push.timeout {
            // A claim that ends while its send may still be running lets a second process send the
            // same push at the same time.
            let lease = format!("{} (not longer than CHAT_PUSH_TIMEOUT_MS)", Unit::Millis.count(push.lease));
            return Err(invalid("CHAT_PUSH_LEASE_MS", &lease));
        }
        let webhooks = &mut config.webhooks;
        if let Some(hosts) = env.text("CHAT_WEBHOOK_ALLOWED_HOSTS") {
            webhooks.allowed_hosts = list(&hosts);
        }
        webhooks.timeout = env.duration("CHAT_WEBHOOK_TIMEOUT_MS", Unit::Millis, webhooks.timeout, 10..)?;
        let retry = &mut webhooks.retry;
        retry.first = env.duration("CHAT_WEBHOOK_RETRY_FIRST_MS", Unit::Millis, retry.first, 1..)?;
        retry.longest = env.duration("CHAT_WEBHOOK_RETRY_LONGEST_MS", Unit::Millis, retry.longest, 1..)?;
        retry.max_attempts = env.value("CHAT_WEBHOOK_ATTEMPTS", retry.max_attempts, 1..)?;
        webhooks.tick = env.duration("CHAT_WEBHOOK_TICK_MS", Unit::Millis, webhooks.tick, 10..)?;
        webhooks.incoming_per_minute =
            env.value("CHAT_INCOMING_WEBHOOK_PER_MINUTE", webhooks.incoming_per_minute, 1..)?;
        let previews = &mut config.previews;
        if let Some(switch) = env.text("CHAT_PREVIEWS") {
            previews.enabled = match switch.as_str() {
                "on" => true,
                "off" => false,
                _ => return Err(invalid("CHAT_PREVIEWS", &switch)),
            };
        }
        if let Some(hosts) = env.text("CHAT_PREVIEW_ALLOWED_HOSTS") {
            previews.allowed_hosts = list(&hosts);
        }
        previews.timeout = env.duration("CHAT_PREVIEW_TIMEOUT_MS", Unit::Millis, previews.timeout, 10..)?;
        previews.max_page_bytes = env.value("CHAT_PREVIEW_MAX_PAGE_BYTES", previews.max_page_bytes, 1024..)?;
        previews.cache_for = env.duration("CHAT_PREVIEW_CACHE_SECS", Unit::Secs, previews.cache_for, ..)?;
        Ok(config)
    }

    /// The environment `from_lookup` reads this configuration back from: every setting that has a
    /// variable, durations in the variable's unit (rounded down). What has none (the storage's
    /// options, which come from `AWS_*` variables; the dispatcher's pacing; an upload's timeouts)
    /// is left out.
    pub fn to_env(&self) -> Vec<(&'static str, String)> {
        let (body, hashing, realtime, uploads) = (&self.body, &self.password_hashing, &self.realtime, &self.uploads);
        let (presence, push, webhooks) = (&realtime.presence, &self.push, &self.webhooks);
        let mut variables = vec![
            ("DATABASE_URL", self.database_url.clone()),
            ("CHAT_ADDR", self.addr.to_string()),
            ("CHAT_DB_POOL_SIZE", self.pool_size.to_string()),
            ("CHAT_DB_WAIT_MS", Unit::Millis.count(self.db_wait)),
            ("CHAT_REPLICA_URLS", self.replicas.urls.join(" ")),
            ("CHAT_REPLICA_MAX_LAG_MS", Unit::Millis.count(self.replicas.max_lag)),
            ("CHAT_REPLICA_CATCH_UP_MS", Unit::Millis.count(self.replicas.catch_up)),
            ("CHAT_CLUSTER_URLS", self.cluster_urls.join(" ")),
            ("CHAT_WORKERS", self.workers.to_string()),
            ("CHAT_MAX_BODY_BYTES", body.max_bytes.to_string()),
            ("CHAT_BODY_TIMEOUT_SECS", Unit::Secs.count(body.read_timeout)),
            ("CHAT_TOKEN_TTL_HOURS", Unit::Hours.count(self.token_ttl)),
            ("CHAT_AUTH_PER_MINUTE", self.auth_attempts_per_minute.to_string()),
            ("CHAT_USER_SEARCH_PER_MINUTE", self.user_searches_per_minute.to_string()),
            ("CHAT_SEND_BURST", self.send_limit.burst.to_string()),
            ("CHAT_SEND_PER_MINUTE", self.send_limit.per_minute.to_string()),
            ("CHAT_HISTORY_CACHE_MIB", (self.history_cache_bytes / MIB).to_string()),
            ("CHAT_ARGON2_MEMORY_KIB", hashing.memory_kib.to_string()),
            ("CHAT_ARGON2_ITERATIONS", hashing.iterations.to_string()),
            ("CHAT_LOG", self.log_filter.clone()),
            ("CHAT_LOG_FORMAT", if self.log_json { "json" } else { "text" }.into()),
            ("CHAT_ALLOWED_ORIGINS", self.allowed_origins.join(",")),
            ("CHAT_ADMIN_USERNAMES", self.admin_usernames.join(",")),
            ("CHAT_WS_PING_SECS", Unit::Secs.count(realtime.ping_interval)),
            ("CHAT_WS_IDLE_TIMEOUT_SECS", Unit::Secs.count(realtime.idle_timeout)),
            ("CHAT_WS_QUEUE", realtime.queue_capacity.to_string()),
            ("CHAT_EVENT_RETENTION_HOURS", Unit::Hours.count(realtime.event_retention)),
            ("CHAT_PRESENCE_BEAT_MS", Unit::Millis.count(presence.beat)),
            ("CHAT_PRESENCE_TIMEOUT_MS", Unit::Millis.count(presence.timeout)),
            ("CHAT_PRESENCE_GRACE_MS", Unit::Millis.count(presence.grace)),
            ("CHAT_PRESENCE_COALESCE_MS", Unit::Millis.count(presence.coalesce)),
            ("CHAT_STORAGE_URL", uploads.storage.url.clone()),
            ("CHAT_MAX_UPLOAD_BYTES", uploads.max_bytes.to_string()),
            ("CHAT_UPLOAD_UNATTACHED_SECS", Unit::Secs.count(uploads.unattached_ttl)),
            ("CHAT_UPLOAD_PRUNE_SECS", Unit::Secs.count(uploads.prune_interval)),
            ("CHAT_VAPID_SUBJECT", push.vapid_subject.clone()),
            ("CHAT_PUSH_ALLOWED_HOSTS", push.allowed_hosts.join(",")),
            ("CHAT_PUSH_CONTENT", if push.content == PushContent::None { "none" } else { "full" }.into()),
            ("CHAT_PUSH_HOLD_MS", Unit::Millis.count(push.hold)),
            ("CHAT_PUSH_POLL_MS", Unit::Millis.count(push.poll)),
            ("CHAT_PUSH_LEASE_MS", Unit::Millis.count(push.lease)),
            ("CHAT_PUSH_TIMEOUT_MS", Unit::Millis.count(push.timeout)),
            ("CHAT_PUSH_RETRY_FIRST_MS", Unit::Millis.count(push.retry_first)),
            ("CHAT_PUSH_RETRY_LONGEST_MS", Unit::Millis.count(push.retry_longest)),
            ("CHAT_PUSH_MAX_ATTEMPTS", push.max_attempts.to_string()),
            ("CHAT_PUSH_TTL_SECS", Unit::Secs.count(push.ttl)),
            ("CHAT_WEBHOOK_ALLOWED_HOSTS", webhooks.allowed_hosts.join(",")),
            ("CHAT_WEBHOOK_TIMEOUT_MS", Unit::Millis.count(webhooks.timeout)),
            ("CHAT_WEBHOOK_RETRY_FIRST_MS", Unit::Millis.count(webhooks.retry.first)),
            ("CHAT_WEBHOOK_RETRY_LONGEST_MS", Unit::Millis.count(webhooks.retry.longest)),
            ("CHAT_WEBHOOK_ATTEMPTS", webhooks.retry.max_attempts.to_string()),
            ("CHAT_WEBHOOK_TICK_MS", Unit::Millis.count(webhooks.tick)),
            ("CHAT_INCOMING_WEBHOOK_PER_MINUTE", webhooks.incoming_per_minute.to_string()),
            ("CHAT_PREVIEWS", if self.previews.enabled { "on" } else { "off" }.into()),
            ("CHAT_PREVIEW_ALLOWED_HOSTS", self.previews.allowed_hosts.join(",")),
            ("CHAT_PREVIEW_TIMEOUT_MS", Unit::Millis.count(self.previews.timeout)),
            ("CHAT_PREVIEW_MAX_PAGE_BYTES", self.previews.max_page_bytes.to_string()),
            ("CHAT_PREVIEW_CACHE_SECS", Unit::Secs.count(self.previews.cache_for)),
        ];
        if let Some(key) = &push.vapid_private_key {
            variables.push(("CHAT_VAPID_PRIVATE_KEY", key.0.clone()));
        }
        variables
    }
}

/// The unit a duration's variable counts in.
#[derive(Clone, Copy, Debug)]
enum Unit {
    Millis,
    Secs,
    Hours,
}

impl Unit {
    /// `count` of this unit, unless that overflows.
    fn duration(self, count: u64) -> Option<Duration> {
        match self {
            Self::Millis => Some(Duration::from_millis(count)),
            Self::Secs => Some(Duration::from_secs(count)),
            Self::Hours => count.checked_mul(3600).map(Duration::from_secs),
        }
    }

    /// How many whole units `duration` is, as a variable's value.
    fn count(self, duration: Duration) -> String {
        match self {
            Self::Millis => duration.as_millis().to_string(),
            Self::Secs => duration.as_secs().to_string(),
            Self::Hours => (duration.as_secs() / 3600).to_string(),
        }
    }
}

/// The environment, or what stands for it.
struct Lookup<F>(F);

impl<F: Fn(&str) -> Option<String>> Lookup<F> {
    fn text(&self, name: &str) -> Option<String> {
        (self.0)(name)
    }

    /// The variable's value, if set; it must parse, and lie within `allowed`.
    fn parsed<T>(&self, name: &'static str, allowed: impl RangeBounds<T>) -> Result<Option<T>, ConfigError>
    where
        T: FromStr + PartialOrd + ToString,
    {
        let Some(text) = self.text(name) else { return Ok(None) };
        let value: T = text.parse().map_err(|_| invalid(name, &text))?;
        if allowed.contains(&value) { Ok(Some(value)) } else { Err(invalid(name, &value.to_string())) }
    }

    /// The variable's value if set (within `allowed`), else `current`.
    fn value<T>(&self, name: &'static str, current: T, allowed: impl RangeBounds<T>) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + ToString,
    {
        Ok(self.parsed(name, allowed)?.unwrap_or(current))
    }

    /// The variable as a count of `unit`s if set (within `allowed`), else `current`.
    fn duration(
        &self,
        name: &'static str,
        unit: Unit,
        current: Duration,
        allowed: impl RangeBounds<u64>,
    ) -> Result<Duration, ConfigError> {
        match self.parsed(name, allowed)? {
            None => Ok(current),
            Some(count) => unit.duration(count).ok_or_else(|| invalid(name, &count.to_string())),
        }
    }
}

/// A comma-separated list, its items trimmed, empty ones left out.
fn list(text: &str) -> Vec<String> {
    text.split(',').map(|item| item.trim().to_owned()).filter(|item| !item.is_empty()).collect()
}

fn invalid(name: &'static str, value: &str) -> ConfigError {
    ConfigError::Invalid { name, value: value.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(variables: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let variables: HashMap<String, String> =
            variables.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect();
        Config::from_lookup(|name| variables.get(name).cloned())
    }

    #[test]
    fn an_environment_with_only_the_database_url_gives_the_defaults() {
        let config = from(&[("DATABASE_URL", "postgres://db")]).unwrap();
        let expected = Config { database_url: "postgres://db".into(), ..Config::default() };
        assert_eq!(format!("{config:?}"), format!("{expected:?}"));
    }

    #[test]
    fn the_database_url_is_required() {
        assert!(matches!(from(&[]), Err(ConfigError::MissingDatabaseUrl)));
    }

    #[test]
    fn a_configuration_comes_back_from_its_environment() {
        let mut config = Config {
            database_url: "postgres://elsewhere/chat".into(),
            addr: "0.0.0.0:9000".parse().unwrap(),
            pool_size: 3,
            db_wait: Duration::from_millis(1500),
            replicas: chat_store::ReplicaSettings {
                urls: vec!["postgres://a:5432,b:5432/chat".into(), "postgres://c/chat".into()],
                max_lag: Duration::from_millis(2500),
                catch_up: Duration::from_millis(40),
            },
            cluster_urls: vec!["postgres://shard-1/chat".into(), "postgres://shard-2/chat".into()],
            workers: 5,
            body: BodyLimits { max_bytes: 1000, read_timeout: Duration::from_secs(4) },
            token_ttl: Duration::from_secs(2 * 3600),
            password_hashing: PasswordHashing { memory_kib: 1024, iterations: 1 },
            auth_attempts_per_minute: 7,
            user_searches_per_minute: 9,
            send_limit: chat_store::SendLimit { burst: 11, per_minute: 13 },
            history_cache_bytes: 5 * MIB,
            log_filter: "chat_api=debug,warn".into(),
            log_json: true,
            allowed_origins: vec!["https://a.example".into(), "https://b.example".into()],
            ..Config::default()
        };
        let realtime = &mut config.realtime;
        realtime.ping_interval = Duration::from_secs(2);
        realtime.idle_timeout = Duration::from_secs(6);
        realtime.queue_capacity = 17;
        realtime.event_retention = Duration::from_secs(5 * 3600);
        realtime.presence = PresenceSettings { beat: ms(250), timeout: ms(1500), grace: ms(200), coalesce: ms(300) };
        let uploads = &mut config.uploads;
        uploads.storage.url = "s3://bucket/prefix".into();
        uploads.max_bytes = 12345;
        uploads.unattached_ttl = Duration::from_secs(60);
        uploads.prune_interval = Duration::from_secs(7);
        config.push = PushConfig {
            vapid_private_key: Some(Secret("c2VjcmV0".into())),
            vapid_subject: "https://ops.example".into(),
            allowed_hosts: vec!["127.0.0.1".into(), "gateway.internal".into()],
            content: PushContent::None,
            hold: ms(150),
            poll: ms(20),
            lease: ms(900),
            timeout: ms(300),
            retry_first: ms(5),
            retry_longest: ms(50),
            max_attempts: 3,
            ttl: Duration::from_secs(60),
        };
        let webhooks = &mut config.webhooks;
        webhooks.allowed_hosts = vec!["127.0.0.1".into(), "hooks.internal".into()];
        webhooks.timeout = ms(700);
        webhooks.retry = Backoff { first: ms(20), longest: ms(90), max_attempts: 3 };
        webhooks.tick = ms(40);
        webhooks.incoming_per_minute = 11;
        config.admin_usernames = vec!["root".into(), "ops".into()];
        let previews = &mut config.previews;
        previews.enabled = false;
        previews.allowed_hosts = vec!["127.0.0.1".into()];
        previews.timeout = ms(800);
        previews.max_page_bytes = 4096;
        previews.cache_for = Duration::from_secs(90);

        let environment: HashMap<&str, String> = config.to_env().into_iter().collect();
        let back = Config::from_lookup(|name| environment.get(name).cloned()).unwrap();
        assert_eq!(format!("{back:?}"), format!("{config:?}"));
        // `Secret` hides itself from `Debug`; compare it on its own.
        assert_eq!(back.push.vapid_private_key, config.push.vapid_private_key);
    }

    #[test]
    fn values_out_of_bounds_or_unparsable_are_refused_by_name() {
        let refused = |name: &str, value: &str| match from(&[("DATABASE_URL", "postgres://db"), (name, value)]) {
            Err(error) => error.to_string(),
            Ok(_) => panic!("{name}={value} was accepted"),
        };
        assert_eq!(refused("CHAT_WS_QUEUE", "0"), r#"CHAT_WS_QUEUE is invalid: "0""#);
        assert_eq!(refused("CHAT_DB_POOL_SIZE", "many"), r#"CHAT_DB_POOL_SIZE is invalid: "many""#);
        assert_eq!(refused("CHAT_ADDR", "localhost"), r#"CHAT_ADDR is invalid: "localhost""#);
        assert_eq!(refused("CHAT_PRESENCE_BEAT_MS", "9"), r#"CHAT_PRESENCE_BEAT_MS is invalid: "9""#);
        assert_eq!(refused("CHAT_EVENT_RETENTION_HOURS", "87601"), r#"CHAT_EVENT_RETENTION_HOURS is invalid: "87601""#);
        assert_eq!(refused("CHAT_BODY_TIMEOUT_SECS", "-1"), r#"CHAT_BODY_TIMEOUT_SECS is invalid: "-1""#);
        assert_eq!(refused("CHAT_PUSH_CONTENT", "some"), r#"CHAT_PUSH_CONTENT is invalid: "some""#);
        assert_eq!(refused("CHAT_PREVIEWS", "yes"), r#"CHAT_PREVIEWS is invalid: "yes""#);
        assert_eq!(refused("CHAT_PUSH_TTL_SECS", "86401"), r#"CHAT_PUSH_TTL_SECS is invalid: "86401""#);
        assert_eq!(
            refused("CHAT_PUSH_LEASE_MS", "5000"),
            r#"CHAT_PUSH_LEASE_MS is invalid: "5000 (not longer than CHAT_PUSH_TIMEOUT_MS)""#
        );
        let overflowing = u64::MAX.to_string();
        assert_eq!(
            refused("CHAT_TOKEN_TTL_HOURS", &overflowing),
            format!(r#"CHAT_TOKEN_TTL_HOURS is invalid: "{overflowing}""#)
        );
        let accepted = from(&[("DATABASE_URL", "postgres://db"), ("CHAT_EVENT_RETENTION_HOURS", "87600")]).unwrap();
        assert_eq!(accepted.realtime.event_retention, Duration::from_secs(87600 * 3600));
    }

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }
}
