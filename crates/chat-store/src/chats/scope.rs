//! Which chat a message or an upload is in: what a request naming one is checked against when its
//! token is limited to chosen chats (`chat_domain::ChatScope`).

use crate::connection::pool::Store;
use crate::error::StoreResult;
use crate::schema::{messages, uploads};
use chat_domain::{ChatId, MessageId, UploadId};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

impl Store {
    /// The chat of message `id`; `None` when there is no such message.
    pub async fn chat_of_message(&self, id: MessageId) -> StoreResult<Option<ChatId>> {
        let mut conn = self.conn().await?;
        let chat = messages::table.find(id.0).select(messages::chat_id).first::<i64>(&mut conn).await.optional()?;
        Ok(chat.map(ChatId))
    }

    /// The chat of the message upload `id` is attached to; `None` when it is attached to none (or
    /// does not exist).
    pub async fn chat_of_upload(&self, id: UploadId) -> StoreResult<Option<ChatId>> {
        let mut conn = self.conn().await?;
        let chat = uploads::table
            .inner_join(messages::table.on(messages::id.nullable().eq(uploads::message_id)))
            .filter(uploads::id.eq(id.0))
            .select(messages::chat_id)
            .first::<i64>(&mut conn)
            .await
            .optional()?;
        Ok(chat.map(ChatId))
    }
}
