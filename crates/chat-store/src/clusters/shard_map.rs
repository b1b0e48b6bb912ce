//! The shard map: which cluster holds each logical shard, as the directory (the first cluster)
//! records it in `shard_map`.

use crate::connection::pool::Store;
use crate::error::{StoreError, StoreResult};
use crate::schema::shard_map;
use chat_domain::{LOGICAL_SHARDS, LogicalShard};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

/// Which cluster (by its number in the configuration, 0 the first) holds each logical shard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardMap(pub(super) Vec<u16>);

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
}
