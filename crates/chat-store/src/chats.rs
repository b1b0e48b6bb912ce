//! Chats: starting one (with its first members) and renaming one.

use crate::chat_summaries::chat_summary;
use crate::error::{StoreError, StoreResult};
use crate::events::record_event;
use crate::locking::lock_chat;
use crate::members::load_members;
use crate::pool::Store;
use crate::rows::{ChatRow, MemberRow};
use crate::schema::{chat_members, chats};
use chat_domain::{
    Chat, ChatId, ChatKind, ChatSummary, DomainError, EventKind, MembershipChange, NewChat, Role, UserId,
    ValidationErrors, policy,
};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;

/// What `create_chat` did: a direct chat asked for again is found, not created twice.
#[derive(Debug)]
pub struct ChatCreation {
    pub chat: Chat,
    pub created: bool,
}

impl Store {
    /// Creates a chat with its members in one transaction. For a direct chat the pair's unique key
    /// decides under concurrency: the loser of the race finds the winner's chat.
    pub async fn create_chat(&self, new: &NewChat) -> StoreResult<ChatCreation> {
        let direct_key = match new.kind {
            ChatKind::Direct => new.member_ids.as_slice().first().map(|other| {
                let (low, high) = if new.creator < *other { (new.creator, *other) } else { (*other, new.creator) };
                format!("{low}:{high}")
            }),
            ChatKind::Group => None,
        };
        let mut conn = self.conn().await?;
        let inserted = conn
            .transaction(async |conn| {
                let row: Option<ChatRow> = diesel::insert_into(chats::table)
                    .values((
                        chats::kind.eq(new.kind.as_str()),
                        chats::title.eq(&new.title),
                        chats::created_by.eq(new.creator.0),
                        chats::direct_key.eq(&direct_key),
                    ))
                    .on_conflict_do_nothing()
                    .returning(ChatRow::as_returning())
                    .get_result(conn)
                    .await
                    .optional()?;
                let Some(row) = row else { return Ok(None) };
                insert_members(conn, row.id, new).await?;
                let chat = row.into_chat()?;
                let members = load_members(conn, chat.id, None).await?;
                let change = MembershipChange { chat: &chat, members: &members };
                record_event(conn, chat.id, EventKind::ChatCreated, &change).await?;
                Ok::<_, StoreError>(Some(chat))
            })
            .await;
        let inserted = self.after_write(inserted)?;
        match inserted {
            Some(chat) => Ok(ChatCreation { chat, created: true }),
            None => {
                let row = chats::table
                    .filter(chats::direct_key.eq(&direct_key))
                    .select(ChatRow::as_select())
                    .first::<ChatRow>(&mut conn)
                    .await?;
                Ok(ChatCreation { chat: row.into_chat()?, created: false })
            }
        }
    }

    /// Renames a group chat (owner or admin).
    pub async fn rename_chat(
        &self,
        chat: ChatId,
        actor: UserId,
        patch: chat_domain::ChatPatch,
    ) -> StoreResult<ChatSummary> {
        let mut conn = self.conn().await?;
        let written = conn
            .transaction(async |conn| {
                let (chat_row, membership) = lock_chat(conn, chat, actor).await?;
                // A direct chat has no title whoever asks: say so (422) rather than "not allowed".
                if chat_row.kind == ChatKind::Group {
                    policy::can_manage_chat(&membership)?;
                }
                let title = patch.validate(&chat_row).map_err(DomainError::from)?;
                diesel::update(chats::table.find(chat.0)).set(chats::title.eq(&title)).execute(conn).await?;
                let renamed = chat_domain::Chat { title: Some(title), ..chat_row };
                record_event(conn, chat, EventKind::ChatUpdated, &renamed).await?;
                chat_summary(conn, chat, actor).await
            })
            .await;
        self.after_write(written)
    }
}

async fn insert_members(conn: &mut AsyncPgConnection, chat_id: i64, new: &NewChat) -> StoreResult<()> {
    let now = OffsetDateTime::now_utc();
    let (creator_role, others_role) = match new.kind {
        ChatKind::Group => (Role::Owner, Role::Member),
        ChatKind::Direct => (Role::Member, Role::Member),
    };
    let member = |user: UserId, role: Role| MemberRow {
        chat_id,
        user_id: user.0,
        role: role.as_str().to_owned(),
        joined_at: now,
        last_read_message_id: None,
    };
    let rows: Vec<MemberRow> = std::iter::once(member(new.creator, creator_role))
        .chain(new.member_ids.iter().map(|&user| member(user, others_role)))
        .collect();
    diesel::insert_into(chat_members::table).values(&rows).execute(conn).await.map_err(|error| match error {
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            StoreError::Domain(DomainError::Validation(ValidationErrors::single(
                "member_ids",
                "unknown_user",
                "names a user that does not exist",
            )))
        }
        other => other.into(),
    })?;
    Ok(())
}
