//! Who may manage a webhook: a chat's admins and owners, or the owner of the bot an outgoing
//! webhook acts for (in chats the bot is in). Anyone else is told the chat (or webhook) does not
//! exist when they are not in the chat, and that their role does not allow it when they are.

use crate::error::StoreResult;
use crate::rows::MemberRow;
use crate::schema::chat_members;
use chat_domain::{ChatId, DomainError, FieldCode, Resource, UserId, ValidationErrors, policy};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// `actor`'s membership of `chat`, if any.
async fn membership(
    conn: &mut AsyncPgConnection,
    chat: ChatId,
    actor: UserId,
) -> StoreResult<Option<chat_domain::Membership>> {
    let row = chat_members::table
        .find((chat.0, actor.0))
        .select(MemberRow::as_select())
        .first::<MemberRow>(conn)
        .await
        .optional()?;
    row.map(MemberRow::into_membership).transpose()
}

/// Passes when `actor` is an admin or owner of `chat`: 404 `chat_not_found` for a non-member,
/// 403 for a member of a lesser role.
pub(crate) async fn ensure_admin(conn: &mut AsyncPgConnection, chat: ChatId, actor: UserId) -> StoreResult<()> {
    let member = membership(conn, chat, actor).await?.ok_or(DomainError::NotFound(Resource::Chat))?;
    Ok(policy::can_manage_chat(&member)?)
}

#[derive(QueryableByName)]
struct BotCheck {
    #[diesel(sql_type = Bool)]
    owned: bool,
    #[diesel(sql_type = Bool)]
    in_chat: bool,
}

/// Passes when `actor` is `bot` itself or its owner, and `bot` is a member of `chat`.
pub(crate) async fn ensure_bot_of(
    conn: &mut AsyncPgConnection,
    chat: ChatId,
    actor: UserId,
    bot: UserId,
) -> StoreResult<()> {
    let check = diesel::sql_query(
        "SELECT (u.id = $2 OR u.bot_owner_id = $2) AS owned,
                EXISTS (SELECT 1 FROM chat_members m WHERE m.chat_id = $3 AND m.user_id = u.id) AS in_chat
           FROM users u WHERE u.id = $1 AND u.is_bot AND u.deleted_at IS NULL",
    )
    .bind::<BigInt, _>(bot.0)
    .bind::<BigInt, _>(actor.0)
    .bind::<BigInt, _>(chat.0)
    .get_result::<BotCheck>(conn)
    .await
    .optional()?;
    match check {
        Some(BotCheck { owned: true, in_chat: true }) => Ok(()),
        Some(BotCheck { owned: true, in_chat: false }) => Err(DomainError::Validation(ValidationErrors::single(
            "bot_id",
            FieldCode::NotInChat,
            "the bot is not in this chat",
        ))
        .into()),
        // Not a bot of the caller's: as for any other caller who is not an admin.
        _ => match membership(conn, chat, actor).await? {
            None => Err(DomainError::NotFound(Resource::Chat).into()),
            Some(_) => Err(DomainError::Forbidden("only the bot's owner may act for it").into()),
        },
    }
}

#[derive(QueryableByName)]
struct Manager {
    #[diesel(sql_type = Bool)]
    allowed: bool,
}

/// Passes when `actor` may manage webhook `id` (an admin of its chat, or its bot or the bot's
/// owner); a revoked webhook, or one the actor may not manage, is 404 `webhook_not_found`.
pub(crate) async fn ensure_manager(conn: &mut AsyncPgConnection, id: i64, actor: UserId) -> StoreResult<()> {
    let found = diesel::sql_query(
        "SELECT (EXISTS (SELECT 1 FROM chat_members m WHERE m.chat_id = w.chat_id AND m.user_id = $2
                          AND m.role IN ('admin', 'owner'))
                 OR (w.kind = 'outgoing' AND EXISTS (SELECT 1 FROM users b WHERE b.id = w.bot_id
                          AND (b.id = $2 OR b.bot_owner_id = $2)))) AS allowed
           FROM webhooks w WHERE w.id = $1 AND w.revoked_at IS NULL",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(actor.0)
    .get_result::<Manager>(conn)
    .await
    .optional()?;
    match found {
        Some(Manager { allowed: true }) => Ok(()),
        _ => Err(DomainError::NotFound(Resource::Webhook).into()),
    }
}
