//! Deleting a message: a tombstone, with its reactions, versions, mentions and files gone and
//! its earlier events redacted, in one statement.

use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::error::StoreResult;
use crate::events::record::event_data;
use crate::locking::{lock_message, lock_message_for_server};
use crate::messages::threads::thread_change_json;
use crate::moderation::{AuditTarget, record_audit};
use crate::schema::{message_deletions, threads};
use chat_domain::{
    AuditAction, Deletion, EventKind, Message, MessageId, Timestamp, UserId, policy, thread::MAX_THREAD_PARTICIPANTS,
};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use time::OffsetDateTime;

/// Blanks the message, drops its reactions and earlier versions, redacts the message out of its
/// earlier events (still kept for resuming readers), recounts its thread if it is a reply in one
/// (`$8`, its root; the caller holds the `threads` row's lock, so the count sees every reply
/// committed before), and writes its own events: one statement. `$5` and `$6` are the kinds whose
/// data is the message itself; `$9` and `$10` (`reaction.*`) hold it in `message` beside
/// `reactions` (`ReactionChange`; `tests/api/realtime_edges.rs` checks this).
const DELETE_SQL: &str = concat!(
    "
WITH dropped_reactions AS (
    DELETE FROM reactions WHERE message_id = $1
), dropped_versions AS (
    DELETE FROM message_edits WHERE message_id = $1
), blanked AS (
    UPDATE messages SET content = NULL, payload = NULL, deleted_at = $2 WHERE id = $1
), unmentioned AS (
    DELETE FROM mentions WHERE message_id = $1
), erased_files AS (
    -- Their bytes go next: the API erases what is marked right after this commits.
    UPDATE uploads SET state = 'erasing' WHERE message_id = $1 AND state = 'ready'
), redacted AS (
    UPDATE events
       SET data = CASE WHEN kind IN ($5, $6) THEN $4
                       ELSE jsonb_set(jsonb_set(data, '{message}', $4), '{reactions}', '[]'::jsonb) END
     WHERE message_id = $1 AND kind IN ($5, $6, $9, $10)
), live_replies AS (
    SELECT author_id, ts, id FROM messages WHERE thread_root_id = $8 AND deleted_at IS NULL AND id <> $1
), thread AS (
    UPDATE threads
       SET reply_count = (SELECT count(*) FROM live_replies),
           last_reply_at = (SELECT max(ts) FROM live_replies),
           participant_ids = ARRAY(SELECT author_id FROM live_replies GROUP BY author_id
                                    ORDER BY max(id) DESC LIMIT $11)
     WHERE root_id = $8
    RETURNING root_id, reply_count, last_reply_at, participant_ids
), thread_event AS (
    INSERT INTO events (chat_id, message_id, kind, data) SELECT $3, root_id, $12, ",
    thread_change_json!(),
    " FROM thread
)
INSERT INTO events (chat_id, message_id, kind, data) VALUES ($3, $1, $7, $4)"
);
statement!(DeleteMessage, DELETE_SQL);

impl Store {
    /// Deletes a message, as its author or an admin or owner of its chat, or (`moderator`) as a
    /// server moderator, who may delete any message; with a `reason`, if given. Deleting twice is
    /// not an error: the second call answers the same tombstone and writes no event.
    pub async fn delete_message(
        &self,
        id: MessageId,
        actor: UserId,
        moderator: bool,
        reason: Option<&str>,
    ) -> StoreResult<Message> {
        self.write(async |conn| {
            let current = if moderator {
                lock_message_for_server(conn, id).await?
            } else {
                let (current, membership) = lock_message(conn, id, actor).await?;
                policy::can_delete(&current, &membership)?;
                current
            };
            if current.is_deleted {
                return Ok(current);
            }
            if let Some(root) = current.thread_root_id {
                threads::table.find(root.0).select(threads::root_id).for_update().execute(conn).await?;
            }
            if current.author_id != actor {
                let target = AuditTarget {
                    chat: Some(current.chat_id),
                    user: Some(current.author_id),
                    message: Some(id),
                    reason,
                };
                record_audit(conn, actor, AuditAction::MessageDelete, target).await?;
            }
            diesel::insert_into(message_deletions::table)
                .values((
                    message_deletions::message_id.eq(id.0),
                    message_deletions::deleted_by.eq(actor.0),
                    message_deletions::reason.eq(reason),
                ))
                .execute(conn)
                .await?;
            let deletion = Deletion { by: actor, reason: reason.map(str::to_owned) };
            let tombstone = current.into_tombstone(Timestamp::now(), deletion);
            prepared::<DeleteMessage>()
                .bind::<BigInt, _>(id.0)
                .bind::<Timestamptz, _>(tombstone.deleted_at.map_or_else(OffsetDateTime::now_utc, |at| at.0))
                .bind::<BigInt, _>(tombstone.chat_id.0)
                .bind::<Jsonb, _>(event_data(&tombstone)?)
                .bind::<Text, _>(EventKind::MessageCreated.as_str())
                .bind::<Text, _>(EventKind::MessageUpdated.as_str())
                .bind::<Text, _>(EventKind::MessageDeleted.as_str())
                .bind::<Nullable<BigInt>, _>(tombstone.thread_root_id.map(|root| root.0))
                .bind::<Text, _>(EventKind::ReactionAdded.as_str())
                .bind::<Text, _>(EventKind::ReactionRemoved.as_str())
                .bind::<Integer, _>(MAX_THREAD_PARTICIPANTS as i32)
                .bind::<Text, _>(EventKind::ThreadUpdated.as_str())
                .execute(conn)
                .await?;
            Ok(tombstone)
        })
        .await
    }
}
