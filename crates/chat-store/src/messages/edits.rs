//! Editing messages, and the history of their versions.

use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::error::StoreResult;
use crate::events::record::event_data;
use crate::locking::lock_message;
use crate::rows::payload_to_json;
use crate::schema::{chat_members, message_edits, message_link_previews, messages};
use chat_domain::link_preview::first_link;
use chat_domain::mention::mentioned_usernames;
use chat_domain::{
    DomainError, EventKind, JsonObject, Message, MessageId, MessagePatch, MessageVersion, Resource, Timestamp, UserId,
    policy,
};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;
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
       AND NOT EXISTS (SELECT 1 FROM user_blocks b WHERE b.blocker_id = cm.user_id AND b.blocked_id = $9)
), unmentioned AS (
    DELETE FROM mentions WHERE message_id = $1 AND user_id NOT IN (SELECT user_id FROM kept)
), mentioned AS (
    INSERT INTO mentions (user_id, chat_id, message_id) SELECT user_id, $5, $1 FROM kept ON CONFLICT DO NOTHING
)
INSERT INTO events (chat_id, message_id, kind, data) VALUES ($5, $1, $7, $6)";
statement!(EditMessage, EDIT_SQL);

impl Store {
    /// Edits a message by its author; the replaced version is kept.
    pub async fn edit_message(&self, id: MessageId, actor: UserId, patch: MessagePatch) -> StoreResult<Message> {
        self.write(async |conn| {
            let (current, _) = lock_message(conn, id, actor).await?;
            policy::can_edit(&current, actor)?;
            let body = patch.apply(&current).map_err(DomainError::from)?;
            let link_before = current.content.as_deref().and_then(first_link).map(str::to_owned);
            let edited = current.with_body(body, Timestamp::now());
            // A message shows only the preview of the link its text names: one of a link the edit
            // takes away goes with it, in this transaction, so that every read shows what the
            // edit's event says (no preview until the new link's is fetched). Kept, it would show
            // again on an edit back to that link, which the event would not say.
            if link_before.as_deref() != edited.content.as_deref().and_then(first_link) {
                diesel::delete(message_link_previews::table.find(id.0)).execute(conn).await?;
            }
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
        .await
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
