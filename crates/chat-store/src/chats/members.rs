//! Who is in a chat: listing, adding, changing roles, removing (and leaving).

use crate::chats::receipts::receipts_changed;
use crate::connection::pool::Store;
use crate::connection::seen::Seen;
use crate::error::{StoreError, StoreResult, unknown_user_on};
use crate::events::record::{record_event, record_events};
use crate::locking::lock_chat;
use crate::moderation::{AuditTarget, record_audit};
use crate::rows::{ChatRow, MemberRow, UserRow};
use crate::schema::{chat_bans, chat_members, chats, users};
use chat_domain::{
    AuditAction, ChatId, ChatMember, DomainError, ErrorCode, Event, MemberRemoval, Membership, MembershipChange,
    Resource, Role, UserId, policy,
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// What `add_member` did: a user who is already a member is left as they are.
#[derive(Debug)]
pub struct MemberAddition {
    pub member: ChatMember,
    pub added: bool,
}

impl Store {
    /// The members of `chat`, oldest first, for its members only.
    pub async fn members(&self, seen: &mut Seen, chat: ChatId, viewer: UserId) -> StoreResult<Vec<ChatMember>> {
        self.read(seen, async |conn| {
            let members = load_members(&mut *conn, chat, None).await?;
            // One query serves both: the viewer must be among the members to see them.
            if !members.iter().any(|member| member.user_id == viewer) {
                return Err(DomainError::NotFound(Resource::Chat).into());
            }
            Ok(members)
        })
        .await
    }

    /// Adds `user` with `role` (owner or admin only; only an owner makes owners).
    pub async fn add_member(
        &self,
        chat: ChatId,
        actor: UserId,
        user: UserId,
        role: Role,
    ) -> StoreResult<MemberAddition> {
        self.write(async |conn| add_member_in(conn, chat, actor, user, role).await).await
    }

    /// Gives `user` a new role, under the rules of `policy::can_assign_role`; the last owner
    /// cannot step down before handing over.
    pub async fn change_role(&self, chat: ChatId, actor: UserId, user: UserId, role: Role) -> StoreResult<ChatMember> {
        self.write(async |conn| {
            let (chat_row, membership) = lock_chat(conn, chat, actor).await?;
            policy::can_change_membership(&chat_row)?;
            let target = single_member(load_members(conn, chat, Some(user)).await?)?;
            policy::can_assign_role(&membership, Some(target.role), role)?;
            if target.role == Role::Owner && role != Role::Owner && owner_count(conn, chat).await? <= 1 {
                return Err(DomainError::Conflict(ErrorCode::LastOwner).into());
            }
            diesel::update(chat_members::table.find((chat.0, user.0)))
                .set(chat_members::role.eq(role.as_str()))
                .execute(conn)
                .await?;
            if user != actor {
                let target = AuditTarget {
                    chat: Some(chat),
                    user: Some(user),
                    reason: Some(role.as_str()),
                    ..AuditTarget::default()
                };
                record_audit(conn, actor, AuditAction::ChatRole, target).await?;
            }
            let member = ChatMember { role, ..target };
            let change = MembershipChange { chat: chat_row, members: vec![member.clone()] };
            record_event(conn, chat, &Event::MemberUpdated(change)).await?;
            Ok(member)
        })
        .await
    }

    /// Removes `user` from `chat`; `user == actor` is leaving. The last owner cannot leave.
    pub async fn remove_member(&self, chat: ChatId, actor: UserId, user: UserId) -> StoreResult<()> {
        self.write(async |conn| {
            let (chat_row, membership) = lock_chat(conn, chat, actor).await?;
            policy::can_change_membership(&chat_row)?;
            let target = membership_of(conn, chat, user).await?.ok_or(DomainError::NotFound(Resource::Member))?;
            policy::can_remove(&membership, &target, owner_count(conn, chat).await?)?;
            diesel::delete(chat_members::table.find((chat.0, user.0))).execute(conn).await?;
            receipts_changed(conn, chat).await?;
            if user != actor {
                let target = AuditTarget { chat: Some(chat), user: Some(user), ..AuditTarget::default() };
                record_audit(conn, actor, AuditAction::Kick, target).await?;
            }
            record_event(conn, chat, &Event::MemberRemoved(MemberRemoval { chat_id: chat, user_id: user })).await
        })
        .await
    }
}

/// Refuses to add `user` to `chat` while they are banned from it (`bans.rs`).
async fn ensure_not_banned(conn: &mut AsyncPgConnection, chat: ChatId, user: UserId) -> StoreResult<()> {
    let banned = diesel::select(diesel::dsl::exists(chat_bans::table.find((chat.0, user.0)))).get_result(conn).await?;
    if banned { Err(DomainError::Conflict(ErrorCode::UserBanned).into()) } else { Ok(()) }
}

/// `user`'s membership of `chat`, if they are in it.
pub(crate) async fn membership_of(
    conn: &mut AsyncPgConnection,
    chat: ChatId,
    user: UserId,
) -> StoreResult<Option<Membership>> {
    chat_members::table
        .find((chat.0, user.0))
        .select(MemberRow::as_select())
        .first::<MemberRow>(conn)
        .await
        .optional()?
        .map(MemberRow::into_membership)
        .transpose()
}

/// `Store::add_member`'s work, on a transaction's connection (an incoming webhook's bot joins its
/// chat in the transaction that creates both).
pub(crate) async fn add_member_in(
    conn: &mut AsyncPgConnection,
    chat: ChatId,
    actor: UserId,
    user: UserId,
    role: Role,
) -> StoreResult<MemberAddition> {
    let (chat_row, membership) = lock_chat(conn, chat, actor).await?;
    policy::can_change_membership(&chat_row)?;
    policy::can_assign_role(&membership, None, role)?;
    ensure_not_banned(conn, chat, user).await?;
    let inserted = diesel::insert_into(chat_members::table)
        .values((
            chat_members::chat_id.eq(chat.0),
            chat_members::user_id.eq(user.0),
            chat_members::role.eq(role.as_str()),
            chat_members::slow_mode_secs.eq(i32::try_from(chat_row.slow_mode_secs).unwrap_or(i32::MAX)),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map_err(unknown_user_on("user_id"))?;
    let member = single_member(load_members(conn, chat, Some(user)).await?)?;
    if inserted > 0 {
        let change = MembershipChange { chat: chat_row, members: vec![member.clone()] };
        record_event(conn, chat, &Event::MemberAdded(change)).await?;
        receipts_changed(conn, chat).await?;
    }
    Ok(MemberAddition { member, added: inserted > 0 })
}

/// Members of `chat` with their names, oldest first; `only` narrows to one user.
pub(crate) async fn load_members(
    conn: &mut AsyncPgConnection,
    chat: ChatId,
    only: Option<UserId>,
) -> StoreResult<Vec<ChatMember>> {
    let mut query = chat_members::table
        .inner_join(users::table)
        .filter(chat_members::chat_id.eq(chat.0))
        .order((chat_members::joined_at.asc(), chat_members::user_id.asc()))
        .select((MemberRow::as_select(), UserRow::as_select()))
        .into_boxed();
    if let Some(user) = only {
        query = query.filter(chat_members::user_id.eq(user.0));
    }
    let rows = query.load::<(MemberRow, UserRow)>(conn).await?;
    rows.into_iter().map(|(member, user)| chat_member(member, &user)).collect()
}

/// A member as the API shows them: their membership, and who they are.
fn chat_member(member: MemberRow, user: &UserRow) -> StoreResult<ChatMember> {
    let membership = member.into_membership()?;
    Ok(ChatMember {
        user_id: membership.user_id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: membership.role,
        joined_at: membership.joined_at,
        last_read_message_id: membership.last_read_message_id,
        presence: None,
        is_bot: user.is_bot,
    })
}

/// Every chat of `user` hears of them as they are now, with a `member.updated` each, as after a
/// role change: their display name changed, and the other members show it (beside messages, in
/// member lists, as a direct chat's title). One event per chat, as Matrix writes a member event in
/// every room of a user who renames. Call it inside the change's transaction.
pub(crate) async fn member_updated_everywhere(conn: &mut AsyncPgConnection, user: &UserRow) -> StoreResult<()> {
    let memberships = chat_members::table
        .inner_join(chats::table)
        .filter(chat_members::user_id.eq(user.id))
        .order(chat_members::chat_id.asc())
        .select((ChatRow::as_select(), MemberRow::as_select()))
        .load::<(ChatRow, MemberRow)>(conn)
        .await?;
    let chat_events = memberships
        .into_iter()
        .map(|(chat, member)| {
            let change = MembershipChange { chat: chat.into_chat()?, members: vec![chat_member(member, user)?] };
            Ok((change.chat.id, Event::MemberUpdated(change)))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    record_events(conn, &chat_events).await
}

fn single_member(mut members: Vec<ChatMember>) -> StoreResult<ChatMember> {
    members.pop().ok_or(StoreError::Domain(DomainError::NotFound(Resource::Member)))
}

async fn owner_count(conn: &mut AsyncPgConnection, chat: ChatId) -> StoreResult<usize> {
    let owners = chat_members::table
        .filter(chat_members::chat_id.eq(chat.0))
        .filter(chat_members::role.eq(Role::Owner.as_str()))
        .count()
        .get_result::<i64>(conn)
        .await?;
    Ok(usize::try_from(owners).unwrap_or(0))
}
