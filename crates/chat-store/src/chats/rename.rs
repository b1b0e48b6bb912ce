//! Changing a chat itself: its title.

use crate::chats::summaries::chat_summary;
use crate::connection::pool::Store;
use crate::error::StoreResult;
use crate::events::record::record_event;
use crate::locking::lock_chat;
use crate::schema::chats;
use chat_domain::{ChatId, ChatKind, ChatSummary, DomainError, Event, UserId, policy};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

impl Store {
    /// Renames a group chat (owner or admin).
    pub async fn rename_chat(
        &self,
        chat: ChatId,
        actor: UserId,
        patch: chat_domain::ChatPatch,
    ) -> StoreResult<ChatSummary> {
        self.write(async |conn| {
            let (chat_row, membership) = lock_chat(conn, chat, actor).await?;
            // A direct chat has no title whoever asks: say so (422) rather than "not allowed".
            if chat_row.kind == ChatKind::Group {
                policy::can_manage_chat(&membership)?;
            }
            let title = patch.validate(&chat_row).map_err(DomainError::from)?;
            diesel::update(chats::table.find(chat.0)).set(chats::title.eq(&title)).execute(conn).await?;
            let renamed = chat_domain::Chat { title: Some(title), ..chat_row };
            record_event(conn, chat, &Event::ChatUpdated(renamed)).await?;
            chat_summary(conn, chat, actor).await
        })
        .await
    }
}
