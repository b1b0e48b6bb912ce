//! The id counters of a cluster other than the directory: they must make ids past every id made
//! before ids named their shard (all made on the directory), since those may move to this
//! cluster with their shard. Counter values at or past the directory's recorded points give
//! such ids.

use crate::connection::pool::Store;
use crate::error::StoreResult;
use crate::shards::ShardLayout;
use chat_domain::LOGICAL_SHARDS;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;

impl Store {
    /// Moves this cluster's chat and message counters up to the directory's `layout` points,
    /// never down. Only a counter still below its point moves, which a new cluster's are; once
    /// past, this does nothing, so a process starting beside others that serve never moves a
    /// counter back. (Two processes opening a new cluster at once, one of them already making
    /// ids on it, could still race here: open a new cluster with one process first.)
    pub(super) async fn raise_counters_past(&self, layout: ShardLayout) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let per_counter = i64::from(LOGICAL_SHARDS);
        for (sequence, from) in
            [("chats_id_seq", layout.sharded_chat_ids_from), ("messages_id_seq", layout.sharded_message_ids_from)]
        {
            diesel::sql_query(format!("SELECT setval('{sequence}', $1) FROM {sequence} WHERE last_value < $1"))
                .bind::<BigInt, _>(from / per_counter)
                .execute(&mut conn)
                .await?;
        }
        Ok(())
    }
}
