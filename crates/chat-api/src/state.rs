//! What every handler shares: the store and the settings decided at start-up.

use crate::auth::password::Passwords;
use crate::config::{BodyLimits, UploadConfig};
use crate::metrics::Metrics;
use crate::push::Push;
use crate::rate_limit::RateLimiter;
use crate::realtime::{ConnectionSettings, Hubs};
use chat_domain::{ChatId, MessageId};
use chat_media::MediaStore;
use chat_store::{Clusters, Store};
use std::sync::Arc;

/// Users per cluster whose copies a change brings up to date before its answer (the change's own,
/// and any others stale meanwhile).
const USER_COPIES_BATCH: i64 = 100;

#[derive(Debug)]
pub struct AppState {
    /// The directory: cluster 0, where users, sessions and what is not a chat's live.
    pub store: Store,
    /// Every cluster of the deployment (one, the directory, unless `CHAT_CLUSTER_URLS` names
    /// more): where each chat lives.
    pub clusters: Arc<Clusters>,
    /// Every cluster's hub (the directory's first).
    pub hubs: Arc<Hubs>,
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

    /// After a change to a user's copied row or blocks (a rename, a block, the direct-chat
    /// setting, a bot's deletion): brings the copies on the other clusters up to date before the
    /// answer, so that the change holds there at once (the next post of someone just blocked is
    /// refused on any cluster). What fails, the copies worker takes up within a second. Nothing
    /// to do with one cluster.
    pub async fn copy_user_changes(&self) {
        for (cluster, error) in self.clusters.bring_copies_up_to_date(USER_COPIES_BATCH).await.failed {
            tracing::warn!(cluster, %error, "bringing users' copies up to date failed; the worker will");
        }
    }

    /// The cluster that holds `message`. One made before ids named their shard was made on the
    /// directory, and stays there while no shard moves (moving shards is not built).
    pub fn message_store(&self, message: MessageId) -> &Store {
        self.clusters.of_message(message).unwrap_or(&self.store)
    }
}
