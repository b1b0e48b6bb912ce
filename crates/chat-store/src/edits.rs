//! Editing and deleting messages, and the history of their versions.

use crate::error::StoreResult;
use crate::events::event_data;
use crate::locking::lock_message;
use crate::pool::Store;
use crate::prepared::{prepared, statement};
use crate::rows::payload_to_json;
use crate::schema::{chat_members, message_edits, messages, threads};
use crate::threads::thread_change_json;
use chat_domain::mention::mentioned_usernames;
use chat_domain::{
    DomainError, EventKind, JsonObject, Message, MessageId, MessagePatch, MessageVersion, Resource, Timestamp, UserId,
    policy, thread::MAX_THREAD_PARTICIPANTS,
};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, RunQueryDsl};
use time::OffsetDateTime;

/// Keeps the replaced version, writes the new one and its event, and mentions whom the new text
/// names (`$8`; mentions the new text drops go): one statement.
const EDIT_SQL: &str = "
WITH saved AS (
    INSERT INTO message_edits (message_id, content, payload, written_at, replaced_at)
    SELECT id, content, payload, COALESCE(updated_at, ts), $4 FROM messages WHERE id = $1
), updated AS (
    UPDATE messages SET content = $2, payload = $3, updated_at = $4 WHERE id = $1
), kept AS (
    SELECT cm.user_id FROM chat_members cm JOIN users u ON u.id = cm.user_id
     WHERE cardinality($8::text[]) > 0 AND cm.chat_id = $5 AND u.username = ANY($8) AND cm.user_id <> $9
), unmentioned AS (
    DELETE FROM mentions WHERE message_id = $1 AND user_id NOT IN (SELECT user_id FROM kept)
), mentioned AS (
    INSERT INTO mentions (user_id, chat_id, message_id) SELECT user_id, $5, $1 FROM kept ON CONFLICT DO NOTHING
)
INSERT INTO events (chat_id, message_id, kind, data) VALUES ($5, $1, $7, $6)";
statement!(EditMessage, EDIT_SQL);

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
    /// Edits a message by its author; the replaced version is kept.
    pub async fn edit_message(&self, id: MessageId, actor: UserId, patch: MessagePatch) -> StoreResult<Message> {
        let mut conn = self.conn().await?;
        let written = conn
            .transaction(async |conn| {
                let (current, _) = lock_message(conn, id, actor).await?;
                policy::can_edit(&current, actor)?;
                let body = patch.apply(&current).map_err(DomainError::from)?;
                let edited = current.with_body(body, Timestamp::now());
                prepared::<EditMessage>()
                    .bind::<BigInt, _>(id.0)
                    .bind::<Nullable<Text>, _>(edited.content.as_deref())
                    .bind::<Nullable<Jsonb>, _>(payload_to_json(&edited.payload)?)
                    .bind::<Timestamptz, _>(edited.updated_at.map_or_else(OffsetDateTime::now_utc, |at| at.0))
                    .bind::<BigInt, _>(edited.chat_id.0)
                    .bind::<Jsonb, _>(event_data(&edited)?)
                    .bind::<Text, _>(EventKind::MessageUpdated.as_str())
                    .bind::<Array<Text>, _>(edited.content.as_deref().map(mentioned_usernames).unwrap_or_default())
                    .bind::<BigInt, _>(actor.0)
                    .execute(conn)
                    .await?;
                Ok(edited)
            })
            .await;
        self.after_write(written)
    }

    /// Deletes a message (author, or an admin or owner of the chat). Deleting twice is not an error:
    /// the second call answers the same tombstone and writes no event.
    pub async fn delete_message(&self, id: MessageId, actor: UserId) -> StoreResult<Message> {
        let mut conn = self.conn().await?;
        let written = conn
            .transaction(async |conn| {
                let (current, membership) = lock_message(conn, id, actor).await?;
                policy::can_delete(&current, &membership)?;
                if current.is_deleted {
                    return Ok(current);
                }
                if let Some(root) = current.thread_root_id {
                    threads::table.find(root.0).select(threads::root_id).for_update().execute(conn).await?;
                }
                let tombstone = current.into_tombstone(Timestamp::now());
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
            .await;
        self.after_write(written)
    }

    /// A message's earlier versions, oldest first, for members of its chat.
    pub async fn message_versions(&self, id: MessageId, viewer: UserId) -> StoreResult<Vec<MessageVersion>> {
        let mut conn = self.conn().await?;
        let visible = messages::table
            .inner_join(chat_members::table.on(chat_members::chat_id.eq(messages::chat_id)))
            .filter(messages::id.eq(id.0))
            .filter(chat_members::user_id.eq(viewer.0))
            .select(messages::id)
            .first::<i64>(&mut conn)
            .await
            .optional()?;
        if visible.is_none() {
            return Err(DomainError::NotFound(Resource::Message).into());
        }
        let rows = message_edits::table
            .filter(message_edits::message_id.eq(id.0))
            .order(message_edits::id.asc())
            .select((
                message_edits::content,
                message_edits::payload,
                message_edits::written_at,
                message_edits::replaced_at,
            ))
            .load::<(Option<String>, Option<serde_json::Value>, OffsetDateTime, OffsetDateTime)>(&mut conn)
            .await?;
        rows.into_iter()
            .map(|(content, payload, written_at, replaced_at)| {
                let payload = payload
                    .map(serde_json::from_value::<JsonObject>)
                    .transpose()
                    .map_err(|error| crate::StoreError::Corrupt(format!("payload: {error}")))?;
                Ok(MessageVersion { content, payload, written_at: written_at.into(), replaced_at: replaced_at.into() })
            })
            .collect()
    }
}
