//! The slash commands bots answer in a chat: one bot per command name in a chat; a bot's set is
//! replaced whole.

use crate::connection::pool::Store;
use crate::error::StoreResult;
use crate::schema::chat_members;
use crate::webhooks::access::ensure_bot_of;
use chat_domain::{ChatCommand, ChatId, DomainError, FieldCode, Resource, UserId, ValidationErrors};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

#[derive(QueryableByName)]
struct CommandRow {
    #[diesel(sql_type = Text)]
    command: String,
    #[diesel(sql_type = BigInt)]
    bot_id: i64,
}

async fn commands_of(conn: &mut AsyncPgConnection, chat: ChatId) -> StoreResult<Vec<ChatCommand>> {
    let rows = diesel::sql_query("SELECT command, bot_id FROM bot_commands WHERE chat_id = $1 ORDER BY command")
        .bind::<BigInt, _>(chat.0)
        .load::<CommandRow>(conn)
        .await?;
    Ok(rows.into_iter().map(|row| ChatCommand { command: row.command, bot_id: UserId(row.bot_id) }).collect())
}

impl Store {
    /// Replaces the commands `bot` answers in `chat` with `names` (by the bot or its owner, while
    /// the bot is in the chat); a name another bot answers there is refused. Answers the chat's
    /// commands.
    pub async fn set_bot_commands(
        &self,
        chat: ChatId,
        actor: UserId,
        bot: UserId,
        names: &[String],
    ) -> StoreResult<Vec<ChatCommand>> {
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            ensure_bot_of(conn, chat, actor, bot).await?;
            // The chat's commands change one set at a time, so two bots cannot both take a name.
            diesel::sql_query("SELECT id FROM chats WHERE id = $1 FOR NO KEY UPDATE")
                .bind::<BigInt, _>(chat.0)
                .execute(conn)
                .await?;
            let taken = commands_of(conn, chat).await?;
            let mut errors = ValidationErrors::default();
            for (index, name) in names.iter().enumerate() {
                if taken.iter().any(|held| held.command == *name && held.bot_id != bot) {
                    errors.add(&format!("commands[{index}]"), FieldCode::NotAllowed, "another bot answers it here");
                }
            }
            errors.finish(()).map_err(DomainError::from)?;
            diesel::sql_query("DELETE FROM bot_commands WHERE chat_id = $1 AND bot_id = $2")
                .bind::<BigInt, _>(chat.0)
                .bind::<BigInt, _>(bot.0)
                .execute(conn)
                .await?;
            diesel::sql_query(
                "INSERT INTO bot_commands (chat_id, command, bot_id) SELECT $1, name, $2 FROM unnest($3::text[]) AS name",
            )
            .bind::<BigInt, _>(chat.0)
            .bind::<BigInt, _>(bot.0)
            .bind::<Array<Text>, _>(names)
            .execute(conn)
            .await?;
            commands_of(conn, chat).await
        })
        .await
    }

    /// The commands answered in `chat`, for its members (404 for anyone else).
    pub async fn chat_commands(&self, chat: ChatId, viewer: UserId) -> StoreResult<Vec<ChatCommand>> {
        let mut conn = self.conn().await?;
        chat_members::table
            .find((chat.0, viewer.0))
            .select(chat_members::user_id)
            .first::<i64>(&mut conn)
            .await
            .optional()?
            .ok_or(DomainError::NotFound(Resource::Chat))?;
        commands_of(&mut conn, chat).await
    }
}
