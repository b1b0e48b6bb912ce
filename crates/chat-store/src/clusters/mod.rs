//! A deployment's PostgreSQL clusters, and which logical shard each holds (docs/ARCHITECTURE.md,
//! "Spreading chats over several clusters"): the one place that says where a chat lives.
//!
//! The first cluster is the directory: its `shard_map` is the map. A deployment of one cluster is
//! the same code with every shard on it.

use crate::chats::creation::ChatCreation;
use crate::connection::pool::Store;
use crate::error::{StoreError, StoreResult};
use crate::shards::ShardLayout;
use chat_domain::{ChatId, ChatKind, IdempotencyKey, LOGICAL_SHARDS, LogicalShard, MessageId, NewChat, UserId};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

pub(crate) mod chat_list;
mod id_counters;
mod identity;
mod merging;
pub(crate) mod reading;
pub(crate) mod search;
pub(crate) mod shard_map;
mod users;

pub use shard_map::ShardMap;
pub use users::CopiesBrought;

/// How long opening the deployment waits for each other cluster to be prepared before leaving it
/// to `prepare` later. (A first migration that takes longer goes on in the background; a
/// `prepare` meanwhile may fail on it, and is tried again.)
const PREPARE_AT_OPEN: std::time::Duration = std::time::Duration::from_secs(10);

/// Every cluster of the deployment, and the map.
#[derive(Debug)]
pub struct Clusters {
    /// By cluster number.
    stores: Vec<Store>,
    map: ShardMap,
    layout: ShardLayout,
    /// Turns for group chats created without a key.
    next_group: AtomicU64,
    /// By cluster number: whether `prepare` has run on it (the directory needs none).
    prepared: Vec<AtomicBool>,
}

impl Clusters {
    /// The deployment over `stores`, the first being the directory. Refused when the map names a
    /// cluster not given, or a database is laid out for another number of shards, or is another
    /// cluster than its place in `stores` (recorded the first time; `identity.rs`).
    ///
    /// Every other cluster is prepared (`prepare`) if it answers; one that does not (opened with
    /// `Store::connect_lazily`) is left to be prepared once it answers, its chats answering 503
    /// until then.
    pub async fn new(stores: Vec<Store>) -> StoreResult<Self> {
        let directory = stores.first().ok_or_else(|| StoreError::Corrupt("a deployment needs a cluster".into()))?;
        directory.claim_cluster_number(0).await?;
        let map = directory.shard_map().await?;
        if let Some(missing) = map.0.iter().find(|cluster| usize::from(**cluster) >= stores.len()) {
            return Err(StoreError::Corrupt(format!(
                "the shard map places shards on cluster {missing}, and only {} are configured",
                stores.len()
            )));
        }
        let layout = directory.shard_layout().await?;
        let seed = time::OffsetDateTime::now_utc().unix_timestamp_nanos().unsigned_abs();
        let next_group = AtomicU64::new(u64::try_from(seed % u128::from(LOGICAL_SHARDS)).unwrap_or_default());
        let prepared = (0..stores.len()).map(|number| AtomicBool::new(number == 0)).collect();
        let clusters = Self { stores, map, layout, next_group, prepared };
        for number in 1..clusters.stores.len() {
            // Bounded: an address that drops packets must not hold start-up back either.
            match tokio::time::timeout(PREPARE_AT_OPEN, clusters.prepare(number)).await {
                Ok(Ok(()) | Err(StoreError::Unavailable(_))) | Err(_) => {}
                Ok(Err(error)) => return Err(error),
            }
        }
        Ok(clusters)
    }

    /// Prepares cluster `number` to serve, once: migrated, checked to be that cluster and laid
    /// out for this server's shards, and its id counters brought past the points from which the
    /// directory's ids name their shard (an id made before, all on the first cluster and movable
    /// with its shard, must never be made again on another; from there on ids of different
    /// clusters differ in their shard bits). `Unavailable` while it does not answer.
    pub async fn prepare(&self, number: usize) -> StoreResult<()> {
        if self.prepared[number].load(Ordering::Acquire) {
            return Ok(());
        }
        let store = &self.stores[number];
        let preparing = store.for_preparing();
        preparing.migrate().await?;
        preparing.claim_cluster_number(number).await?;
        preparing.shard_layout().await?;
        preparing.raise_counters_past(self.layout).await?;
        self.prepared[number].store(true, Ordering::Release);
        store.mark_prepared();
        Ok(())
    }

    /// The clusters not prepared yet (they did not answer).
    pub fn unprepared(&self) -> Vec<usize> {
        (0..self.stores.len()).filter(|number| !self.is_prepared(*number)).collect()
    }

    /// Whether `prepare` has run on cluster `number`.
    pub(super) fn is_prepared(&self, number: usize) -> bool {
        self.prepared[number].load(Ordering::Acquire)
    }

    /// The first cluster: the directory, and where what is not a chat's lives.
    pub fn directory(&self) -> &Store {
        &self.stores[0]
    }

    /// Every cluster, by number.
    pub fn all(&self) -> &[Store] {
        &self.stores
    }

    /// The map this deployment was opened with.
    pub fn map(&self) -> &ShardMap {
        &self.map
    }

    /// The cluster that holds `chat`.
    pub fn of_chat(&self, chat: ChatId) -> &Store {
        self.of_shard(LogicalShard::of_chat(chat))
    }

    /// The cluster that holds `message`, when its id says; `None` for a message made before ids
    /// named their shard (all of which are on the first cluster, unless its shard moved since:
    /// ask each).
    pub fn of_message(&self, message: MessageId) -> Option<&Store> {
        self.layout.shard_of_message(message).map(|shard| self.of_shard(shard))
    }

    /// Creates a chat on the cluster its shard is on: a direct chat's pair's shard, a group's
    /// chosen by its idempotency key when it has one (a retry must find the key where the first
    /// attempt claimed it), else the next in turn. The users it names are copied there first.
    pub async fn create_chat(&self, new: &NewChat, key: Option<&IdempotencyKey>) -> StoreResult<ChatCreation> {
        let shard = match (new.kind, new.member_ids.as_slice().first(), key) {
            (ChatKind::Direct, Some(other), _) => LogicalShard::for_direct_chat(new.creator, *other),
            (_, _, Some(key)) => LogicalShard::for_keyed_group_chat(new.creator, key.as_str()),
            _ => {
                let turn = self.next_group.fetch_add(1, Ordering::Relaxed) % u64::from(LOGICAL_SHARDS);
                LogicalShard::new(u16::try_from(turn).unwrap_or_default())
            }
        };
        let named: Vec<UserId> = std::iter::once(new.creator).chain(new.member_ids.iter().copied()).collect();
        self.copy_users_to(usize::from(self.map.cluster_of(shard)), &named).await?;
        self.of_shard(shard).create_chat_on(shard, new, key).await
    }

    fn of_shard(&self, shard: LogicalShard) -> &Store {
        &self.stores[usize::from(self.map.cluster_of(shard))]
    }

    /// The number of the cluster that holds `chat`.
    fn cluster_number_of_chat(&self, chat: ChatId) -> usize {
        usize::from(self.map.cluster_of(LogicalShard::of_chat(chat)))
    }
}
