//! Threads: a page of a thread's replies with its root, and the summary event that the statements
//! writing replies (`messages.rs`, `edits.rs`) share.

use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::connection::seen::Seen;
use crate::error::{StoreError, StoreResult};
use crate::messages::aggregate::build_messages;
use crate::messages::history::{Cursor, Window};
use crate::rows::MessageRow;
use chat_domain::{DomainError, MessageId, Resource, ThreadPage, UserId};
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// `data` of `thread.updated` (`ThreadChange` in chat-domain) from a `threads` row's columns;
/// times as `Timestamp` writes them. `tests/api/domain_types.rs` decodes it. (The colons are
/// quoted text of the format, so no `:name` appears for `make bench`'s pgbench to read as a
/// variable.)
macro_rules! thread_change_json {
    () => {
        "jsonb_build_object('message_id', root_id, 'thread', jsonb_build_object(
            'reply_count', reply_count,
            'last_reply_at', to_char(last_reply_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24\":\"MI\":\"SS.US\"Z\"'),
            'participant_ids', to_jsonb(participant_ids)))"
    };
}
pub(crate) use thread_change_json;

/// The root of the thread message `$1` is in (itself, or the root it replies in), if `$2` is a
/// member of its chat.
const ROOT_SQL: &str = "
SELECT r.id, r.chat_id, r.author_id, r.kind, r.content, r.payload, r.ts, r.reply_to_id, r.deleted_at,
       r.updated_at, r.thread_root_id
  FROM messages m
  JOIN messages r ON r.id = COALESCE(m.thread_root_id, m.id)
  JOIN chat_members cm ON cm.chat_id = r.chat_id AND cm.user_id = $2
 WHERE m.id = $1";
statement!(ThreadRoot, ROOT_SQL);

/// Up to `$3` replies older than id `$2` in the thread message `$1` is in, newest first: a range
/// scan of `(thread_root_id, id)`.
const OLDER_SQL: &str = "
SELECT id, chat_id, author_id, kind, content, payload, ts, reply_to_id, deleted_at, updated_at, thread_root_id
  FROM messages
 WHERE thread_root_id = (SELECT COALESCE(thread_root_id, id) FROM messages WHERE id = $1) AND id < $2
 ORDER BY id DESC LIMIT $3";
statement!(OlderReplies, OLDER_SQL);

/// Up to `$3` replies from id `$2` on, oldest first; the same range scan upwards.
const NEWER_SQL: &str = "
SELECT id, chat_id, author_id, kind, content, payload, ts, reply_to_id, deleted_at, updated_at, thread_root_id
  FROM messages
 WHERE thread_root_id = (SELECT COALESCE(thread_root_id, id) FROM messages WHERE id = $1) AND id >= $2
 ORDER BY id LIMIT $3";
statement!(NewerReplies, NEWER_SQL);

impl Store {
    /// A page of the replies in the thread `message` is in (its root, or any reply in it), with
    /// the root, for a member of its chat: in a fixed number of queries (six, seven with image or
    /// file messages, in two round trips).
    pub async fn thread(
        &self,
        seen: &mut Seen,
        message: MessageId,
        viewer: UserId,
        cursor: Cursor,
        limit: u32,
    ) -> StoreResult<ThreadPage> {
        let window = Window::new(cursor, i64::from(limit));
        self.read(seen, async |conn| {
            let shared: &AsyncPgConnection = conn;
            let root = async {
                let root = prepared::<ThreadRoot>().bind::<BigInt, _>(message.0).bind::<BigInt, _>(viewer.0);
                root.load::<MessageRow>(&mut &*shared).await.map(|mut rows| rows.pop())
            };
            let older = prepared::<OlderReplies>()
                .bind::<BigInt, _>(message.0)
                .bind::<BigInt, _>(window.older_than.unwrap_or(i64::MAX))
                .bind::<BigInt, _>(window.older_count + 1)
                .load::<MessageRow>(&mut &*shared);
            let newer = async {
                let Some(bound) = window.newer_from else {
                    return Ok(Vec::new());
                };
                let newer = prepared::<NewerReplies>().bind::<BigInt, _>(message.0).bind::<BigInt, _>(bound);
                newer.bind::<BigInt, _>(window.newer_count + 1).load::<MessageRow>(&mut &*shared).await
            };
            let (root, older, newer) = futures_util::try_join!(root, older, newer)?;
            let root = root.ok_or(DomainError::NotFound(Resource::Message))?;
            let (mut rows, has_older, has_newer) = window.cut(older, newer);
            rows.insert(0, root);
            let mut messages = build_messages(&mut *conn, rows).await?.into_iter();
            let root = messages.next().ok_or_else(|| StoreError::Corrupt("thread root went missing".into()))?;
            Ok(ThreadPage { root, messages: messages.collect(), has_older, has_newer })
        })
        .await
    }
}
