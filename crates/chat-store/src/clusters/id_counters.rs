//! The id counters of a cluster: every cluster's are kept at least the directory's, so an id made
//! before ids named their shard is never made again on another cluster.

use crate::connection::pool::Store;
use crate::error::StoreResult;
use diesel_async::RunQueryDsl;

/// The values of a cluster's chat and message id counters.
#[derive(Clone, Copy, Debug, diesel::QueryableByName)]
pub(crate) struct IdCounters {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    chats: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    messages: i64,
}

impl Store {
    pub(super) async fn id_counters(&self) -> StoreResult<IdCounters> {
        let mut conn = self.conn().await?;
        Ok(diesel::sql_query(
            "SELECT (SELECT last_value FROM chats_id_seq) AS chats,
                    (SELECT last_value FROM messages_id_seq) AS messages",
        )
        .get_result(&mut conn)
        .await?)
    }

    /// Moves this cluster's id counters up to at least `counters` (never down).
    pub(super) async fn raise_id_counters(&self, counters: IdCounters) -> StoreResult<()> {
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
