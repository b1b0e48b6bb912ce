//! Blocks and who may start a direct chat. A block is enforced where it costs nothing: the blocked
//! member's row of the direct chat the two share says `may_post = false` (kept here, and set when
//! a direct chat is created), which the create statement reads anyway; and direct-chat creation
//! asks `ensure_direct_chat_allowed`.

use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::error::StoreResult;
use crate::rows::UserRow;
use crate::schema::{chat_members, chats, user_blocks, users};
use chat_domain::{Block, BlockList, DirectChats, DomainError, ErrorCode, Privacy, Resource, UserId};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;

/// The key of the direct chat between two users (`chats.direct_key`).
pub(crate) fn direct_key(one: UserId, other: UserId) -> String {
    let (low, high) = if one < other { (one, other) } else { (other, one) };
    format!("{low}:{high}")
}

/// Whether `$2` may start a direct chat with `$1`: `$1`'s setting, whether `$1` blocks `$2`, and
/// (only asked when the setting needs it) whether they share a chat.
const ALLOWED_SQL: &str = "
    SELECT u.direct_chats,
           EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2) AS blocked,
           u.direct_chats = 'shared' AND EXISTS (
               SELECT 1 FROM chat_members mine JOIN chat_members theirs ON theirs.chat_id = mine.chat_id
                WHERE mine.user_id = $2 AND theirs.user_id = $1) AS shares_a_chat
      FROM users u WHERE u.id = $1";
statement!(DirectChatAllowed, ALLOWED_SQL);

/// In new direct chat `$1`, a member the other member blocks may not post.
const MAY_POST_SQL: &str = "
    UPDATE chat_members member SET may_post = false
     WHERE member.chat_id = $1
       AND EXISTS (SELECT 1 FROM user_blocks b JOIN chat_members other ON other.chat_id = member.chat_id AND other.user_id = b.blocker_id
                    WHERE b.blocked_id = member.user_id)";
statement!(DirectChatMayPost, MAY_POST_SQL);

#[derive(QueryableByName)]
struct Allowance {
    #[diesel(sql_type = Text)]
    direct_chats: String,
    #[diesel(sql_type = Bool)]
    blocked: bool,
    #[diesel(sql_type = Bool)]
    shares_a_chat: bool,
}

/// Refuses `creator`'s new direct chat with `other` if `other`'s setting or a block says no (the
/// same refusal either way). An unknown `other` passes: adding them fails as before.
pub(crate) async fn ensure_direct_chat_allowed(
    conn: &mut AsyncPgConnection,
    creator: UserId,
    other: UserId,
) -> StoreResult<()> {
    let allowance: Option<Allowance> = prepared::<DirectChatAllowed>()
        .bind::<BigInt, _>(other.0)
        .bind::<BigInt, _>(creator.0)
        .get_result(conn)
        .await
        .optional()?;
    let Some(allowance) = allowance else { return Ok(()) };
    let setting = allowance.direct_chats.parse::<DirectChats>().unwrap_or_default();
    let refused = allowance.blocked
        || match setting {
            DirectChats::Everyone => false,
            DirectChats::Shared => !allowance.shares_a_chat,
            DirectChats::Nobody => true,
        };
    if refused { Err(DomainError::Refused(ErrorCode::DirectChatRefused).into()) } else { Ok(()) }
}

/// Marks, in new direct chat `chat`, a member blocked by the other as one who may not post.
pub(crate) async fn mark_blocked_members(conn: &mut AsyncPgConnection, chat: i64) -> StoreResult<()> {
    prepared::<DirectChatMayPost>().bind::<BigInt, _>(chat).execute(conn).await?;
    Ok(())
}

/// Sets whether `member` may post in the direct chat they share with `other`, if there is one.
async fn set_may_post(conn: &mut AsyncPgConnection, member: UserId, other: UserId, may_post: bool) -> StoreResult<()> {
    let direct = chats::table.filter(chats::direct_key.eq(direct_key(member, other))).select(chats::id);
    diesel::update(
        chat_members::table.filter(chat_members::user_id.eq(member.0)).filter(chat_members::chat_id.eq_any(direct)),
    )
    .set(chat_members::may_post.eq(may_post))
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// `blocker` blocks `blocked` (again: nothing changes). 404 for no such user.
    pub async fn block_user(&self, blocker: UserId, blocked: UserId) -> StoreResult<Block> {
        self.write(async |conn| {
            let user = users::table
                .find(blocked.0)
                .filter(users::deleted_at.is_null())
                .select(UserRow::as_select())
                .first::<UserRow>(conn)
                .await
                .optional()?
                .ok_or(DomainError::NotFound(Resource::User))?;
            diesel::insert_into(user_blocks::table)
                .values((user_blocks::blocker_id.eq(blocker.0), user_blocks::blocked_id.eq(blocked.0)))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
            let blocked_at = user_blocks::table
                .find((blocker.0, blocked.0))
                .select(user_blocks::created_at)
                .first::<OffsetDateTime>(conn)
                .await?;
            set_may_post(conn, blocked, blocker, false).await?;
            Ok(Block { user: user.into(), blocked_at: blocked_at.into() })
        })
        .await
    }

    /// `blocker` no longer blocks `blocked` (whether they did or not).
    pub async fn unblock_user(&self, blocker: UserId, blocked: UserId) -> StoreResult<()> {
        self.write(async |conn| {
            let removed = diesel::delete(user_blocks::table.find((blocker.0, blocked.0))).execute(conn).await?;
            if removed > 0 {
                set_may_post(conn, blocked, blocker, true).await?;
            }
            Ok(())
        })
        .await
    }

    /// Whom `blocker` blocks, newest first.
    pub async fn blocks(&self, blocker: UserId) -> StoreResult<BlockList> {
        let mut conn = self.conn().await?;
        let rows = user_blocks::table
            .inner_join(users::table.on(users::id.eq(user_blocks::blocked_id)))
            .filter(user_blocks::blocker_id.eq(blocker.0))
            .order((user_blocks::created_at.desc(), user_blocks::blocked_id.desc()))
            .select((UserRow::as_select(), user_blocks::created_at))
            .load::<(UserRow, OffsetDateTime)>(&mut conn)
            .await?;
        let blocks = rows.into_iter().map(|(user, at)| Block { user: user.into(), blocked_at: at.into() }).collect();
        Ok(BlockList { blocks })
    }

    /// Who may start a direct chat with `user`.
    pub async fn privacy(&self, user: UserId) -> StoreResult<Privacy> {
        let mut conn = self.conn().await?;
        let setting = users::table.find(user.0).select(users::direct_chats).first::<String>(&mut conn).await?;
        Ok(Privacy { direct_chats: setting.parse().unwrap_or_default() })
    }

    /// Sets who may start a direct chat with `user`; direct chats they have stay. In a
    /// transaction, so the answer follows the confirmed commit.
    pub async fn set_privacy(&self, user: UserId, privacy: Privacy) -> StoreResult<Privacy> {
        self.write(async |conn| {
            diesel::update(users::table.find(user.0))
                .set(users::direct_chats.eq(privacy.direct_chats.as_str()))
                .execute(conn)
                .await?;
            Ok(privacy)
        })
        .await
    }
}
