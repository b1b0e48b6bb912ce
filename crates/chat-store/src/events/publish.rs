//! The published event log: sequencing committed events, and reading them back in order.
//!
//! A change writes its event unsequenced, in its own transaction. The publisher later gives
//! every committed, unsequenced event the next seq, in one transaction per batch under a lock.
//! So a seq becomes visible only after every smaller seq, and a reader that resumes "after seq N"
//! can never miss an event that committed late: it had no seq until after it committed.

use crate::connection::advisory_locks::AdvisoryLock;
use crate::connection::pool::Store;
use crate::connection::prepared::{plan_for_values, prepared, statement};
use crate::error::StoreResult;
use crate::events::published::PublishedEvent;
use crate::rows::EventRow;
use crate::schema::{event_head, events};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// Sequences a batch and returns it, so the publishing process can deliver it without reading it
/// back; the NOTIFY (`Notice::EventsPublished`) carries the new head, so processes that
/// already have it skip the read too. (`notified` is joined in: an unreferenced CTE never runs.)
pub(crate) const PUBLISH_SQL: &str = "
WITH pending AS (
    SELECT id, row_number() OVER (ORDER BY id) AS n FROM events WHERE seq IS NULL ORDER BY id LIMIT $1
), head AS (
    UPDATE event_head SET seq = seq + (SELECT count(*) FROM pending) RETURNING seq - (SELECT count(*) FROM pending) AS base
), sequenced AS (
    UPDATE events SET seq = head.base + pending.n FROM pending, head WHERE events.id = pending.id
    RETURNING events.seq, events.chat_id, events.kind, events.data, events.member_ids, events.message_id
), notified AS (
    SELECT pg_notify('chat_events_published', max(seq)::text) FROM sequenced HAVING count(*) > 0
)
SELECT sequenced.* FROM sequenced, notified ORDER BY seq";
statement!(PublishEvents, PUBLISH_SQL);

impl Store {
    /// Sequences up to `batch` committed events and returns them, in seq order, once committed.
    /// Publishers of all server processes take turns on an advisory lock, so batches never
    /// interleave: the batch's seqs follow every seq published before it, without a gap.
    pub async fn publish_pending(&self, batch: i64) -> StoreResult<Vec<PublishedEvent>> {
        let mut conn = self.conn().await?;
        let rows: Vec<EventRow> = conn
            .transaction(async |conn| {
                AdvisoryLock::Publisher.take(conn).await?;
                prepared::<PublishEvents>().bind::<BigInt, _>(batch).load(conn).await
            })
            .await?;
        rows.into_iter().map(EventRow::into_published).collect()
    }

    /// The newest published seq.
    pub async fn event_head(&self) -> StoreResult<i64> {
        let mut conn = self.conn().await?;
        Ok(event_head::table.select(event_head::seq).first(&mut conn).await?)
    }

    /// Published events after `after`, oldest first, all chats (what a process fans out).
    pub async fn events_after(&self, after: i64, limit: i64) -> StoreResult<Vec<PublishedEvent>> {
        let mut conn = self.conn().await?;
        published_after(&mut conn, after, limit).await
    }

    /// Deletes published events older than `retention`; readers behind them must resync.
    pub async fn prune_events(&self, retention: std::time::Duration) -> StoreResult<usize> {
        let cutoff = time::OffsetDateTime::now_utc() - retention;
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            plan_for_values(conn).await?;
            let newest_pruned: Option<i64> = events::table
                .filter(events::seq.is_not_null().and(events::created_at.lt(cutoff)))
                .select(diesel::dsl::max(events::seq))
                .first(conn)
                .await?;
            let Some(through) = newest_pruned else { return Ok(0) };
            diesel::update(event_head::table)
                .set(
                    event_head::pruned_through.eq(diesel::dsl::sql::<BigInt>("GREATEST(pruned_through, ")
                        .bind::<BigInt, _>(through)
                        .sql(")")),
                )
                .execute(conn)
                .await?;
            Ok(diesel::delete(events::table.filter(events::seq.le(through))).execute(conn).await?)
        })
        .await
    }
}

/// Published events after `after`, oldest first, all chats, on the caller's connection.
pub(crate) async fn published_after(
    conn: &mut AsyncPgConnection,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<PublishedEvent>> {
    let rows = events::table
        .filter(events::seq.gt(after))
        .order(events::seq.asc())
        .limit(limit)
        .select(EventRow::as_select())
        .load::<EventRow>(conn)
        .await?;
    rows.into_iter().map(EventRow::into_published).collect()
}
