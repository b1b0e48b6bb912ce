//! Adding and removing the caller's reactions. Both are idempotent and answer the whole message.

use crate::connection::pool::Store;
use crate::connection::prepared::{StatementText, prepared, statement};
use crate::error::StoreResult;
use crate::events::record::EventRecord;
use crate::locking::lock_message;
use chat_domain::{
    ChatId, DomainError, Emoji, Event, MAX_DISTINCT_EMOJI, Message, MessageId, ReactionChange, UserId,
    ValidationErrors, policy,
};
use diesel::sql_types::{BigInt, Jsonb, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

const ADD_SQL: &str = "
WITH added AS (
    INSERT INTO reactions (message_id, user_id, emoji) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING
)
INSERT INTO events (chat_id, message_id, kind, data) VALUES ($4, $1, $6, $5)";
statement!(AddReaction, ADD_SQL);

const REMOVE_SQL: &str = "
WITH removed AS (
    DELETE FROM reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3
)
INSERT INTO events (chat_id, message_id, kind, data) VALUES ($4, $1, $6, $5)";
statement!(RemoveReaction, REMOVE_SQL);

impl Store {
    /// Adds `user`'s `emoji` reaction. The message row is locked, so concurrent calls apply one
    /// after another: the same reaction twice stays one, and the distinct-emoji limit holds.
    pub async fn add_reaction(&self, id: MessageId, user: UserId, emoji: &Emoji) -> StoreResult<Message> {
        self.change_reaction(id, user, emoji, true).await
    }

    /// Removes `user`'s `emoji` reaction; removing one that is not there changes nothing.
    pub async fn remove_reaction(&self, id: MessageId, user: UserId, emoji: &Emoji) -> StoreResult<Message> {
        self.change_reaction(id, user, emoji, false).await
    }

    async fn change_reaction(&self, id: MessageId, user: UserId, emoji: &Emoji, add: bool) -> StoreResult<Message> {
        self.write(async |conn| {
            let (current, _) = lock_message(conn, id, user).await?;
            policy::can_react(&current)?;
            if current.has_reaction(user, emoji) == add {
                return Ok(current);
            }
            let is_new_emoji = !current.reactions.iter().any(|summary| &summary.emoji == emoji);
            if add && is_new_emoji && current.reactions.len() >= MAX_DISTINCT_EMOJI {
                let message = format!("a message holds at most {MAX_DISTINCT_EMOJI} distinct emoji");
                return Err(DomainError::from(ValidationErrors::single(
                    "emoji",
                    chat_domain::FieldCode::TooManyReactions,
                    message,
                ))
                .into());
            }
            let changed = if add { current.with_reaction(user, emoji) } else { current.without_reaction(user, emoji) };
            let change = ReactionChange {
                message_id: id,
                user_id: user,
                emoji: emoji.clone(),
                reactions: changed.reactions.clone(),
                message: changed.clone(),
            };
            if add {
                let event = EventRecord::of(&Event::ReactionAdded(change))?;
                write_reaction::<AddReaction>(conn, id, user, emoji, changed.chat_id, event).await?;
            } else {
                let event = EventRecord::of(&Event::ReactionRemoved(change))?;
                write_reaction::<RemoveReaction>(conn, id, user, emoji, changed.chat_id, event).await?;
            }
            Ok(changed)
        })
        .await
    }
}

/// Runs one of the two reaction statements: the change and its event.
async fn write_reaction<S: StatementText>(
    conn: &mut AsyncPgConnection,
    id: MessageId,
    user: UserId,
    emoji: &Emoji,
    chat: ChatId,
    event: EventRecord,
) -> StoreResult<()> {
    prepared::<S>()
        .bind::<BigInt, _>(id.0)
        .bind::<BigInt, _>(user.0)
        .bind::<Text, _>(emoji.as_str())
        .bind::<BigInt, _>(chat.0)
        .bind::<Jsonb, _>(event.data)
        .bind::<Text, _>(event.kind)
        .execute(conn)
        .await?;
    Ok(())
}
