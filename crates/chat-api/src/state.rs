//! What every handler shares: the store and the settings decided at start-up.

use crate::auth::password::Passwords;
use crate::config::{BodyLimits, UploadConfig};
use crate::metrics::Metrics;
use crate::push::Push;
use crate::rate_limit::RateLimiter;
use crate::realtime::{ConnectionSettings, Hub};
use chat_media::MediaStore;
use chat_store::Store;
use std::sync::Arc;

#[derive(Debug)]
pub struct AppState {
    pub store: Store,
    pub hub: Arc<Hub>,
    pub metrics: Metrics,
    /// Register and login, which each run an argon2 hash.
    pub auth_limiter: RateLimiter,
    /// `GET /users` searches.
    pub search_limiter: RateLimiter,
    pub connection: ConnectionSettings,
    pub allowed_origins: Vec<String>,
    /// `Config::admin_usernames`.
    pub admin_usernames: Vec<String>,
    pub passwords: Passwords,
    pub token_ttl: time::Duration,
    pub body: BodyLimits,
    pub media: MediaStore,
    pub uploads: UploadConfig,
    /// The pushers' outbound client and the VAPID identity.
    pub push: Push,
    pub webhooks: crate::webhooks::Webhooks,
    /// The newest history pages this process answered (`CHAT_HISTORY_CACHE_MIB`).
    pub history_cache: crate::history_cache::HistoryCache,
}
