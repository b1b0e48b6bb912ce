//! The deployment's logical shards as its database records them (docs/ARCHITECTURE.md,
//! "Spreading chats over several clusters"): how many, and from which message id on ids name
//! their chat's shard.

use crate::connection::pool::Store;
use crate::error::{StoreError, StoreResult};
use crate::schema::shard_layout;
use chat_domain::{LOGICAL_SHARDS, LogicalShard, MessageId};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

/// What `shard_layout` holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardLayout {
    /// Chat ids made from here on were made so (older ones name a shard by the same rule).
    pub sharded_chat_ids_from: i64,
    /// Message ids from here on carry their chat's shard; older ones do not.
    pub sharded_message_ids_from: i64,
}

impl ShardLayout {
    /// The shard of `message`'s chat, when its id says (`None` for a message older than that).
    pub fn shard_of_message(&self, message: MessageId) -> Option<LogicalShard> {
        LogicalShard::of_message(message, self.sharded_message_ids_from)
    }
}

impl Store {
    /// The layout this database's ids follow. A database laid out for another number of
    /// logical shards than this server's is refused: its ids would be read wrongly.
    pub async fn shard_layout(&self) -> StoreResult<ShardLayout> {
        let mut conn = self.conn().await?;
        let (logical_shards, sharded_chat_ids_from, sharded_message_ids_from): (i32, i64, i64) = shard_layout::table
            .select((
                shard_layout::logical_shards,
                shard_layout::sharded_chat_ids_from,
                shard_layout::sharded_message_ids_from,
            ))
            .first(&mut conn)
            .await?;
        if logical_shards != i32::from(LOGICAL_SHARDS) {
            return Err(StoreError::Corrupt(format!(
                "the database is laid out for {logical_shards} logical shards, this server for {LOGICAL_SHARDS}"
            )));
        }
        Ok(ShardLayout { sharded_chat_ids_from, sharded_message_ids_from })
    }
}
