//! Keeping `message_search`, the words `GET /search` finds messages by, up to date off the write
//! path. The create, edit and delete statements do not touch it: the `search` consumer of the
//! event log indexes the messages the published `message.*` events name, a batch per step, in the
//! transaction that moves its position past them (`consumers.rs`). So a message is found a moment
//! after it is posted, a crash neither loses nor repeats a step's work, and processes take turns.
//!
//! A step reads each named message as it is now, not as its event describes it: indexing is
//! idempotent and order does not matter, and a message edited or deleted after its event was
//! read is put right by the step that reads the later event. A deleted message is never shown
//! meanwhile: the search reads the page's rows from `messages` and leaves tombstones out.

use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::error::StoreResult;
use crate::events::consumers::{LogConsumer, LogPlanner};
use crate::events::published::{PublishedEvent, messages_changed};
use diesel::sql_types::{Array, BigInt};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// `$1` the messages to index: each live one with words gets (or keeps) its row with its words
/// as they are now; the others lose theirs. An unchanged row is not rewritten (a replayed step).
/// The `gone` CTE runs though nothing reads it, as every data-modifying CTE does.
pub(crate) const INDEX_SQL: &str = "
WITH current AS (
    SELECT id, chat_id, to_tsvector('russian'::regconfig, content) AS words
      FROM messages WHERE id = ANY($1) AND deleted_at IS NULL AND content IS NOT NULL
), gone AS (
    DELETE FROM message_search
     WHERE message_id = ANY($1) AND message_id NOT IN (SELECT id FROM current WHERE words <> ''::tsvector)
)
INSERT INTO message_search AS indexed (message_id, chat_id, words)
SELECT id, chat_id, words FROM current WHERE words <> ''::tsvector
ON CONFLICT (message_id) DO UPDATE SET words = EXCLUDED.words WHERE indexed.words IS DISTINCT FROM EXCLUDED.words";
statement!(IndexMessages, INDEX_SQL);

/// The `search` consumer of the log.
struct SearchIndexer;

impl LogPlanner for SearchIndexer {
    fn consumer(&self) -> LogConsumer {
        LogConsumer::Search
    }

    async fn plan(&self, conn: &mut AsyncPgConnection, events: &[PublishedEvent]) -> StoreResult<()> {
        let ids = messages_changed(events);
        if !ids.is_empty() {
            prepared::<IndexMessages>().bind::<Array<BigInt>, _>(ids).execute(conn).await?;
        }
        Ok(())
    }
}

impl Store {
    /// Indexes the messages of up to `batch` published events not yet indexed; answers how many
    /// events it looked at (0: caught up, or another process is indexing).
    pub async fn index_for_search(&self, batch: i64) -> StoreResult<usize> {
        self.consume_log(&SearchIndexer, batch).await
    }
}
