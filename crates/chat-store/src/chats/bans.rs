//! A group's bans: banning removes the user if they are a member (with `member.removed`), and
//! `add_member_in` refuses a banned user while the ban stands (`members::ensure_not_banned`).

use crate::chats::members::membership_of;
use crate::chats::receipts::receipts_changed;
use crate::connection::pool::Store;
use crate::error::StoreResult;
use crate::events::record::record_event;
use crate::locking::lock_chat;
use crate::moderation::{AuditTarget, record_audit};
use crate::schema::{chat_bans, chat_members, users};
use chat_domain::{AuditAction, BanList, ChatBan, ChatId, DomainError, Event, MemberRemoval, Resource, UserId, policy};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use time::OffsetDateTime;

type BanRow = (i64, i64, Option<String>, OffsetDateTime);

fn into_ban((user_id, banned_by, reason, at): BanRow) -> ChatBan {
    ChatBan { user_id: UserId(user_id), banned_by: UserId(banned_by), reason, banned_at: at.into() }
}

impl Store {
    /// `actor` (an admin or the owner of group `chat`) bans `user`, removing them if they are a
    /// member; banning again keeps the first ban. 404 for no such user.
    pub async fn ban_member(
        &self,
        chat: ChatId,
        actor: UserId,
        user: UserId,
        reason: Option<String>,
    ) -> StoreResult<ChatBan> {
        self.write(async |conn| {
            let (chat_row, membership) = lock_chat(conn, chat, actor).await?;
            policy::can_change_membership(&chat_row)?;
            let target = membership_of(conn, chat, user).await?;
            policy::can_ban(&membership, target.as_ref().map(|member| member.role))?;
            let exists =
                diesel::select(diesel::dsl::exists(users::table.find(user.0))).get_result::<bool>(conn).await?;
            if !exists {
                return Err(DomainError::NotFound(Resource::User).into());
            }
            diesel::insert_into(chat_bans::table)
                .values((
                    chat_bans::chat_id.eq(chat.0),
                    chat_bans::user_id.eq(user.0),
                    chat_bans::banned_by.eq(actor.0),
                    chat_bans::reason.eq(&reason),
                ))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
            let audited =
                AuditTarget { chat: Some(chat), user: Some(user), reason: reason.as_deref(), ..AuditTarget::default() };
            record_audit(conn, actor, AuditAction::Ban, audited).await?;
            if target.is_some() {
                diesel::delete(chat_members::table.find((chat.0, user.0))).execute(conn).await?;
                receipts_changed(conn, chat).await?;
                record_event(conn, chat, &Event::MemberRemoved(MemberRemoval { chat_id: chat, user_id: user })).await?;
            }
            let row = chat_bans::table
                .find((chat.0, user.0))
                .select((chat_bans::user_id, chat_bans::banned_by, chat_bans::reason, chat_bans::created_at))
                .first::<BanRow>(conn)
                .await?;
            Ok(into_ban(row))
        })
        .await
    }

    /// `actor` (an admin or the owner) lifts `user`'s ban from `chat`, if there is one.
    pub async fn unban_member(&self, chat: ChatId, actor: UserId, user: UserId) -> StoreResult<()> {
        self.write(async |conn| {
            let (_, membership) = lock_chat(conn, chat, actor).await?;
            policy::can_manage_chat(&membership)?;
            let lifted = diesel::delete(chat_bans::table.find((chat.0, user.0))).execute(conn).await?;
            if lifted > 0 {
                let target = AuditTarget { chat: Some(chat), user: Some(user), ..AuditTarget::default() };
                record_audit(conn, actor, AuditAction::Unban, target).await?;
            }
            Ok(())
        })
        .await
    }

    /// `chat`'s bans, newest first, for its admins and owner.
    pub async fn bans(&self, chat: ChatId, viewer: UserId) -> StoreResult<BanList> {
        let mut conn = self.conn().await?;
        let viewing = membership_of(&mut conn, chat, viewer).await?.ok_or(DomainError::NotFound(Resource::Chat))?;
        policy::can_manage_chat(&viewing)?;
        let rows = chat_bans::table
            .filter(chat_bans::chat_id.eq(chat.0))
            .order((chat_bans::created_at.desc(), chat_bans::user_id.desc()))
            .select((chat_bans::user_id, chat_bans::banned_by, chat_bans::reason, chat_bans::created_at))
            .load::<BanRow>(&mut conn)
            .await?;
        Ok(BanList { bans: rows.into_iter().map(into_ban).collect() })
    }
}
