//! What every handler shares: the store and the settings decided at start-up.

use crate::auth::password::Passwords;
use crate::config::{BodyLimits, UploadConfig};
use crate::metrics::Metrics;
use crate::push::Push;
use crate::rate_limit::RateLimiter;
use crate::realtime::{ConnectionSettings, Hub};
use chat_domain::{ChatId, MessageId};
use chat_media::MediaStore;
use chat_store::{Clusters, Store};
use std::sync::Arc;

#[derive(Debug)]
pub struct AppState {
    /// The directory: cluster 0, where users, sessions and what is not a chat's live.
    pub store: Store,
    /// Every cluster of the deployment (one, the directory, unless `CHAT_CLUSTER_URLS` names
    /// more): where each chat lives.
    pub clusters: Arc<Clusters>,
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

impl AppState {
    /// The cluster that holds `chat`.
    pub fn chat_store(&self, chat: ChatId) -> &Store {
        self.clusters.of_chat(chat)
    }

    /// The cluster that holds `message`. One made before ids named their shard was made on the
    /// directory, and stays there while no shard moves (moving shards is not built).
    pub fn message_store(&self, message: MessageId) -> &Store {
        self.clusters.of_message(message).unwrap_or(&self.store)
    }
}
