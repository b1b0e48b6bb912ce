//! A deployment's PostgreSQL clusters, and which logical shard each holds (docs/ARCHITECTURE.md,
//! "Spreading chats over several clusters"): the one place that says where a chat lives.
//!
//! The first cluster is the directory: its `shard_map` is the map. A deployment of one cluster is
//! the same code with every shard on it.

use crate::chats::creation::ChatCreation;
use crate::connection::pool::Store;
use crate::error::{StoreError, StoreResult};
use crate::schema::shard_map;
use crate::shards::ShardLayout;
use chat_domain::{ChatId, ChatKind, IdempotencyKey, LOGICAL_SHARDS, LogicalShard, MessageId, NewChat};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use std::sync::atomic::{AtomicU64, Ordering};

pub(crate) mod chat_list;
pub(crate) mod reading;

/// Which cluster (by its number in the configuration, 0 the first) holds each logical shard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardMap(Vec<u16>);

impl ShardMap {
    /// The cluster that holds `shard`.
    pub fn cluster_of(&self, shard: LogicalShard) -> u16 {
        self.0.get(usize::from(shard.index())).copied().unwrap_or_default()
    }

    /// The shards `cluster` holds, in order.
    pub fn shards_on(&self, cluster: u16) -> Vec<LogicalShard> {
        (0..LOGICAL_SHARDS).map(LogicalShard::new).filter(|shard| self.cluster_of(*shard) == cluster).collect()
    }
}

/// Every cluster of the deployment, and the map.
#[derive(Debug)]
pub struct Clusters {
    /// By cluster number.
    stores: Vec<Store>,
    map: ShardMap,
    layout: ShardLayout,
    /// Turns for group chats created without a key.
    next_group: AtomicU64,
}

impl Clusters {
    /// The deployment over `stores`, the first being the directory. Refused when the map names a
    /// cluster not given, or a database is laid out for another number of shards.
    ///
    /// Every cluster's id counters are first brought up to at least the directory's: ids made
    /// before they named their shard (all on the first cluster) must never be made again on
    /// another, and from there on ids of different clusters differ in their shard bits.
    pub async fn new(stores: Vec<Store>) -> StoreResult<Self> {
        // (`<[_]>::first`: diesel's `RunQueryDsl::first` would take the call otherwise.)
        let directory =
            <[Store]>::first(&stores).ok_or_else(|| StoreError::Corrupt("a deployment needs a cluster".into()))?;
        let map = directory.shard_map().await?;
        if let Some(missing) = map.0.iter().find(|cluster| usize::from(**cluster) >= stores.len()) {
            return Err(StoreError::Corrupt(format!(
                "the shard map places shards on cluster {missing}, and only {} are configured",
                stores.len()
            )));
        }
        let layout = directory.shard_layout().await?;
        let counters = directory.id_counters().await?;
        for store in &stores[1..] {
            store.shard_layout().await?;
            store.raise_id_counters(counters).await?;
        }
        let seed = time::OffsetDateTime::now_utc().unix_timestamp_nanos().unsigned_abs();
        let next_group = AtomicU64::new(u64::try_from(seed % u128::from(LOGICAL_SHARDS)).unwrap_or_default());
        Ok(Self { stores, map, layout, next_group })
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
    /// attempt claimed it), else the next in turn.
    pub async fn create_chat(&self, new: &NewChat, key: Option<&IdempotencyKey>) -> StoreResult<ChatCreation> {
        let shard = match (new.kind, new.member_ids.as_slice().first(), key) {
            (ChatKind::Direct, Some(other), _) => LogicalShard::for_direct_chat(new.creator, *other),
            (_, _, Some(key)) => LogicalShard::for_keyed_group_chat(new.creator, key.as_str()),
            _ => {
                let turn = self.next_group.fetch_add(1, Ordering::Relaxed) % u64::from(LOGICAL_SHARDS);
                LogicalShard::new(u16::try_from(turn).unwrap_or_default())
            }
        };
        self.of_shard(shard).create_chat_on(shard, new, key).await
    }

    fn of_shard(&self, shard: LogicalShard) -> &Store {
        &self.stores[usize::from(self.map.cluster_of(shard))]
    }
}

/// The values of a cluster's chat and message id counters.
#[derive(Clone, Copy, Debug, diesel::QueryableByName)]
pub(crate) struct IdCounters {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    chats: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    messages: i64,
}

impl Store {
    /// The directory's map. Only the first cluster's is the deployment's.
    pub async fn shard_map(&self) -> StoreResult<ShardMap> {
        let mut conn = self.conn().await?;
        let rows: Vec<(i16, i16)> = shard_map::table
            .select((shard_map::shard, shard_map::cluster))
            .order(shard_map::shard)
            .load(&mut conn)
            .await?;
        let clusters: Vec<u16> = rows.iter().filter_map(|(_, cluster)| u16::try_from(*cluster).ok()).collect();
        let complete = rows.iter().enumerate().all(|(index, (shard, _))| usize::try_from(*shard).ok() == Some(index));
        if clusters.len() != usize::from(LOGICAL_SHARDS) || !complete {
            return Err(StoreError::Corrupt("the shard map does not place every logical shard once".into()));
        }
        Ok(ShardMap(clusters))
    }

    /// Places `shards` on `cluster` in the directory. Only for shards whose data is already
    /// there (a new deployment's, or at the end of a move): the map is where requests go.
    pub async fn place_shards(&self, shards: &[LogicalShard], cluster: u16) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let shards: Vec<i16> = shards.iter().filter_map(|shard| i16::try_from(shard.index()).ok()).collect();
        let cluster = i16::try_from(cluster).map_err(|_| StoreError::Corrupt("no such cluster".into()))?;
        diesel::update(shard_map::table.filter(shard_map::shard.eq_any(shards)))
            .set(shard_map::cluster.eq(cluster))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    async fn id_counters(&self) -> StoreResult<IdCounters> {
        let mut conn = self.conn().await?;
        Ok(diesel::sql_query(
            "SELECT (SELECT last_value FROM chats_id_seq) AS chats, (SELECT last_value FROM messages_id_seq) AS messages",
        )
        .get_result(&mut conn)
        .await?)
    }

    /// Moves this cluster's id counters up to at least `counters` (never down).
    async fn raise_id_counters(&self, counters: IdCounters) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::sql_query(
            "SELECT setval('chats_id_seq', GREATEST($1, (SELECT last_value FROM chats_id_seq))),
                    setval('messages_id_seq', GREATEST($2, (SELECT last_value FROM messages_id_seq)))",
        )
        .bind::<diesel::sql_types::BigInt, _>(counters.chats)
        .bind::<diesel::sql_types::BigInt, _>(counters.messages)
        .execute(&mut conn)
        .await?;
        Ok(())
    }
}
