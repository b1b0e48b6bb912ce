//! Changing a chat itself: its title, its slow mode.

use crate::chats::summaries::chat_summary;
use crate::connection::pool::Store;
use crate::error::StoreResult;
use crate::events::record::record_event;
use crate::locking::lock_chat;
use crate::schema::chats;
use chat_domain::{ChatId, ChatKind, ChatSummary, DomainError, Event, SlowMode, UserId, policy};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};
use diesel_async::RunQueryDsl;

/// Chat `$1`'s members get its new setting, `$2` seconds, on their rows (what the create statement
/// reads), and those held by slow mode wait at most that long (none once it is 0).
const SHORTEN_WAITS_SQL: &str = "
UPDATE chat_members
   SET slow_mode_secs = $2,
       slow_until = CASE WHEN $2 = 0 OR slow_until IS NULL THEN NULL
                         ELSE LEAST(slow_until, now() + make_interval(secs => $2)) END
 WHERE chat_id = $1";

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

    /// Sets a group chat's slow mode (owner or admin); each plain member then posts at most once
    /// every `seconds` (0: off). Members hear of it with `chat.updated`.
    pub async fn set_slow_mode(&self, chat: ChatId, actor: UserId, slow_mode: SlowMode) -> StoreResult<ChatSummary> {
        self.write(async |conn| {
            let (chat_row, membership) = lock_chat(conn, chat, actor).await?;
            if chat_row.kind == ChatKind::Group {
                policy::can_manage_chat(&membership)?;
            }
            let seconds = slow_mode.validate(&chat_row).map_err(DomainError::from)?;
            if seconds != chat_row.slow_mode_secs {
                let stored = i32::try_from(seconds).unwrap_or(i32::MAX);
                diesel::update(chats::table.find(chat.0)).set(chats::slow_mode_secs.eq(stored)).execute(conn).await?;
                // Nobody waits longer than the new setting says (nor at all once it is off).
                diesel::sql_query(SHORTEN_WAITS_SQL)
                    .bind::<BigInt, _>(chat.0)
                    .bind::<Integer, _>(stored)
                    .execute(conn)
                    .await?;
                let changed = chat_domain::Chat { slow_mode_secs: seconds, ..chat_row };
                record_event(conn, chat, &Event::ChatUpdated(changed)).await?;
            }
            chat_summary(conn, chat, actor).await
        })
        .await
    }
}
