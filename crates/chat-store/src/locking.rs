//! Loading what a change is about, locked for the rest of its transaction.

use crate::error::StoreResult;
use crate::messages::aggregate::{build_messages, single};
use crate::rows::{ChatRow, MemberRow, MessageRow};
use crate::schema::{chat_members, chats, messages, threads};
use chat_domain::{Chat, ChatId, DomainError, Membership, Message, MessageId, Resource, UserId};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// The message, whole, and the viewer's membership of its chat; the message row stays locked, so
/// concurrent changes to one message (reactions, edits, deletes) apply one after another. (`NO KEY
/// UPDATE` locks: they serialise changes without blocking the key-share locks of foreign-key
/// checks, so new messages keep flowing meanwhile.)
pub(crate) async fn lock_message(
    conn: &mut AsyncPgConnection,
    id: MessageId,
    viewer: UserId,
) -> StoreResult<(Message, Membership)> {
    let (row, member) = messages::table
        .inner_join(
            chat_members::table.on(chat_members::chat_id.eq(messages::chat_id).and(chat_members::user_id.eq(viewer.0))),
        )
        .filter(messages::id.eq(id.0))
        .select((MessageRow::as_select(), MemberRow::as_select()))
        .for_no_key_update()
        .first::<(MessageRow, MemberRow)>(conn)
        .await
        .optional()?
        .ok_or(DomainError::NotFound(Resource::Message))?;
    // A reply's summary update waits for this change, so the root's events never carry an
    // older thread summary than one already sent.
    threads::table.find(id.0).select(threads::root_id).for_share().execute(conn).await?;
    let message = single(build_messages(conn, vec![row]).await?)?;
    Ok((message, member.into_membership()?))
}

/// The message, whole, locked as `lock_message` locks it, for a change the server makes itself
/// (attaching a link preview): no member is acting, so none is checked.
pub(crate) async fn lock_message_for_server(conn: &mut AsyncPgConnection, id: MessageId) -> StoreResult<Message> {
    let row = messages::table
        .find(id.0)
        .select(MessageRow::as_select())
        .for_no_key_update()
        .first::<MessageRow>(conn)
        .await
        .optional()?
        .ok_or(DomainError::NotFound(Resource::Message))?;
    threads::table.find(id.0).select(threads::root_id).for_share().execute(conn).await?;
    single(build_messages(conn, vec![row]).await?)
}

/// The chat and the actor's membership; the chat row stays locked, so membership changes of one
/// chat apply one after another (two owners cannot both leave at once).
pub(crate) async fn lock_chat(
    conn: &mut AsyncPgConnection,
    id: ChatId,
    actor: UserId,
) -> StoreResult<(Chat, Membership)> {
    let (chat, member) = chats::table
        .inner_join(chat_members::table)
        .filter(chats::id.eq(id.0))
        .filter(chat_members::user_id.eq(actor.0))
        .select((ChatRow::as_select(), MemberRow::as_select()))
        .for_no_key_update()
        .first::<(ChatRow, MemberRow)>(conn)
        .await
        .optional()?
        .ok_or(DomainError::NotFound(Resource::Chat))?;
    Ok((chat.into_chat()?, member.into_membership()?))
}
