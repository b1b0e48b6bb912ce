//! Moving a member's read marker, forward only.

use crate::chats::receipts::mark_dirty;
use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::error::StoreResult;
use crate::events::record::EventRecord;
use chat_domain::{ChatId, DomainError, Event, MessageId, ReadChange, ReadState, Resource, UserId, ValidationErrors};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Jsonb, Nullable, Text};

/// Checks, moves the marker only forward, writes `read.updated`, the advance's receipt mark and
/// the chat's dirty mark if it moved, and counts what is still unread: one statement. The member
/// row is read with a lock, so when another device moved the marker meanwhile, the answer reports
/// that newer marker rather than this statement's snapshot. The count stops at 100
/// (`UNREAD_COUNTED_UP_TO`), a literal on a range bounded, and an author compared, as the chat
/// list's are (`SUMMARY_SQL` says why).
pub(crate) const MARK_SQL: &str = concat!(
    "
WITH member AS (
    SELECT last_read_message_id FROM chat_members WHERE chat_id = $1 AND user_id = $2 FOR NO KEY UPDATE
), target AS (
    SELECT 1 FROM messages WHERE id = $3 AND chat_id = $1
), moved AS (
    UPDATE chat_members SET last_read_message_id = $3
    WHERE chat_id = $1 AND user_id = $2 AND EXISTS (SELECT 1 FROM target)
      AND COALESCE(last_read_message_id, 0) < $3
    RETURNING chat_id, last_read_message_id
), event AS (
    INSERT INTO events (chat_id, kind, data) SELECT $1, $5, $4 FROM moved
), marked AS (
    INSERT INTO receipt_marks (chat_id, user_id, kind, message_id)
    SELECT $1, $2, 'read', last_read_message_id FROM moved ON CONFLICT DO NOTHING
), dirty AS (
    ",
    mark_dirty!(),
    "
), marker AS (
    SELECT COALESCE((SELECT last_read_message_id FROM moved), (SELECT last_read_message_id FROM member)) AS id
)
SELECT EXISTS (SELECT 1 FROM member) AS is_member,
       EXISTS (SELECT 1 FROM target) AS target_ok,
       (SELECT id FROM marker) AS marker,
       (SELECT count(*) FROM (SELECT 1 FROM messages
         WHERE (chat_id, id) > ($1, COALESCE((SELECT id FROM marker), 0)) AND (chat_id, id) <= ($1, 9223372036854775807)
           AND author_id + 0 <> $2 AND deleted_at IS NULL
           AND author_id + 0 <> ALL (ARRAY(SELECT blocked_id FROM user_blocks WHERE blocker_id = $2))
         ORDER BY chat_id, id LIMIT 100) unread_rows) AS unread"
);
statement!(MarkRead, MARK_SQL);

#[derive(QueryableByName)]
struct MarkOutcome {
    #[diesel(sql_type = Bool)]
    is_member: bool,
    #[diesel(sql_type = Bool)]
    target_ok: bool,
    #[diesel(sql_type = Nullable<BigInt>)]
    marker: Option<i64>,
    #[diesel(sql_type = BigInt)]
    unread: i64,
}

impl Store {
    /// Marks `chat` read up to `message` for `user`. A marker never moves back: an older id leaves
    /// it where it is (and answers the current state).
    pub async fn mark_read(&self, chat: ChatId, user: UserId, message: MessageId) -> StoreResult<ReadState> {
        let event = EventRecord::of(&Event::ReadUpdated(ReadChange {
            chat_id: chat,
            user_id: user,
            last_read_message_id: message,
        }))?;
        let mut conn = self.conn().await?;
        let outcome = prepared::<MarkRead>()
            .bind::<BigInt, _>(chat.0)
            .bind::<BigInt, _>(user.0)
            .bind::<BigInt, _>(message.0)
            .bind::<Jsonb, _>(event.data)
            .bind::<Text, _>(event.kind)
            .get_committed::<MarkOutcome>(&mut conn)
            .await;
        let outcome = self.after_write(outcome.map_err(Into::into))?;
        if !outcome.is_member {
            return Err(DomainError::NotFound(Resource::Chat).into());
        }
        if !outcome.target_ok {
            let error = ValidationErrors::single(
                "message_id",
                chat_domain::FieldCode::NotInChat,
                "must name a message of this chat",
            );
            return Err(DomainError::from(error).into());
        }
        Ok(ReadState {
            chat_id: chat,
            last_read_message_id: outcome.marker.map(MessageId),
            unread_count: outcome.unread,
        })
    }
}
