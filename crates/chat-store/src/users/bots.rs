//! Bot accounts: users with `is_bot`, owned by the user who created them, signing in only with
//! the tokens their owner is given (stored as hashes, like every token; a bot has no password).
//!
//! A bot has at most one live token: issuing one (rotation) revokes the others in the same
//! transaction, each revocation with its NOTIFY, so every process forgets the old token at once.
//! Deleting a bot keeps its row (its messages keep their author, its username stays taken) and
//! revokes its tokens; it stays in the chats it was in, inert, until an admin removes it.

use crate::chats::members::member_updated_everywhere;
use crate::connection::pool::Store;
use crate::error::StoreResult;
use crate::rows::UserRow;
use crate::schema::users;
use crate::users::accounts::{insert_scoped_token, username_taken};
use chat_domain::{ChatScope, DomainError, Resource, User, UserId};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bytea};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use time::Duration;

/// Bot tokens do not expire (a service runs for years); they end when rotated or revoked. The
/// table wants a time, so: a century.
const BOT_TOKEN_TTL: Duration = Duration::days(36_525);

/// A bot to create (validated by the caller: `chat_domain::BotDraft::validate`), and optionally
/// its first token.
#[derive(Debug)]
pub struct NewBotAccount<'a> {
    /// Who owns it: only they list, rename, delete it and rotate its token.
    pub owner: UserId,
    pub username: &'a str,
    pub display_name: &'a str,
    /// The SHA-256 of its first token and the chats that token reaches; `None` creates a bot
    /// without a token (one that posts only through the server itself, as an incoming webhook's).
    pub token: Option<(&'a [u8], &'a ChatScope)>,
}

/// A bot and its owner, as `Store::bot` finds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BotAccount {
    pub user: User,
    pub owner: UserId,
}

/// Revokes every live token of user `$1`, each with its notification (sent with the commit), and
/// answers the hashes so this process can forget them too.
const REVOKE_ALL_SQL: &str = "
WITH revoked AS (
    UPDATE auth_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING token_hash
)
SELECT token_hash, pg_notify('chat_tokens_revoked', encode(token_hash, 'hex')) IS NULL AS notified FROM revoked";

#[derive(QueryableByName)]
struct RevokedToken {
    #[diesel(sql_type = Bytea)]
    token_hash: Vec<u8>,
}

impl Store {
    /// Creates a bot owned by `bot.owner`, with its first token if one is given, in one
    /// transaction. A username already taken (by a person or a bot) is 409 `username_taken`.
    pub async fn create_bot(&self, bot: NewBotAccount<'_>) -> StoreResult<User> {
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let user = insert_bot(conn, bot.owner, bot.username, bot.display_name).await?;
            if let Some((token_hash, scope)) = bot.token {
                insert_scoped_token(conn, user.id.0, token_hash, BOT_TOKEN_TTL, scope).await?;
            }
            Ok(user)
        })
        .await
    }

    /// The bot with `id` and its owner; 404 `bot_not_found` when there is none (or it was deleted).
    pub async fn bot(&self, id: UserId) -> StoreResult<BotAccount> {
        let mut conn = self.conn().await?;
        let (row, owner) = users::table
            .filter(users::id.eq(id.0))
            .filter(users::deleted_at.is_null())
            .filter(users::bot_owner_id.is_not_null())
            .select((UserRow::as_select(), users::bot_owner_id.assume_not_null()))
            .first::<(UserRow, i64)>(&mut conn)
            .await
            .optional()?
            .ok_or(DomainError::NotFound(Resource::Bot))?;
        Ok(BotAccount { user: User::from(row), owner: UserId(owner) })
    }

    /// `owner`'s bot `id`; another user's bot is 404 `bot_not_found`, like one that does not exist.
    pub async fn owned_bot(&self, owner: UserId, id: UserId) -> StoreResult<User> {
        let bot = self.bot(id).await?;
        if bot.owner == owner { Ok(bot.user) } else { Err(DomainError::NotFound(Resource::Bot).into()) }
    }

    /// `owner`'s bots, oldest first (deleted ones left out).
    pub async fn bots_of(&self, owner: UserId) -> StoreResult<Vec<User>> {
        let mut conn = self.conn().await?;
        let rows = users::table
            .filter(users::bot_owner_id.eq(owner.0))
            .filter(users::deleted_at.is_null())
            .order(users::id.asc())
            .select(UserRow::as_select())
            .load::<UserRow>(&mut conn)
            .await?;
        Ok(rows.into_iter().map(User::from).collect())
    }

    /// Sets the display name (validated) of `owner`'s bot `id`; every chat of the bot hears of it
    /// (`member_updated_everywhere`).
    pub async fn rename_bot(&self, owner: UserId, id: UserId, display_name: &str) -> StoreResult<User> {
        self.write(async |conn| {
            let row = diesel::update(owned(owner, id))
                .set(users::display_name.eq(display_name))
                .returning(UserRow::as_returning())
                .get_result::<UserRow>(conn)
                .await
                .optional()?
                .ok_or(DomainError::NotFound(Resource::Bot))?;
            member_updated_everywhere(conn, &row).await?;
            Ok(User::from(row))
        })
        .await
    }

    /// Deletes `owner`'s bot `id`: its tokens are revoked (everywhere, at once); its row, its
    /// messages and its memberships stay.
    pub async fn delete_bot(&self, owner: UserId, id: UserId) -> StoreResult<()> {
        let revoked = self
            .in_transaction(async |conn| {
                let deleted =
                    diesel::update(owned(owner, id)).set(users::deleted_at.eq(diesel::dsl::now)).execute(conn).await?;
                if deleted == 0 {
                    return Err(DomainError::NotFound(Resource::Bot).into());
                }
                revoke_all(conn, id).await
            })
            .await?;
        self.forget_tokens(&revoked);
        Ok(())
    }

    /// Revokes every token of `owner`'s bot `id` and, with `token`, issues that one (reaching
    /// `scope`'s chats) in the same transaction: rotation. Answers the bot.
    pub async fn replace_bot_token(
        &self,
        owner: UserId,
        id: UserId,
        token: Option<(&[u8], &ChatScope)>,
    ) -> StoreResult<User> {
        let (user, revoked) = self
            .in_transaction(async |conn| {
                // Locked, so a concurrent rotation of the same bot waits and then revokes this one's token.
                let row = owned(owner, id)
                    .select(UserRow::as_select())
                    .for_no_key_update()
                    .first::<UserRow>(conn)
                    .await
                    .optional()?
                    .ok_or(DomainError::NotFound(Resource::Bot))?;
                let revoked = revoke_all(conn, id).await?;
                if let Some((token_hash, scope)) = token {
                    insert_scoped_token(conn, row.id, token_hash, BOT_TOKEN_TTL, scope).await?;
                }
                Ok((User::from(row), revoked))
            })
            .await?;
        self.forget_tokens(&revoked);
        Ok(user)
    }

    /// A transaction on a pooled connection (no events: nothing to publish).
    async fn in_transaction<T, F>(&self, change: F) -> StoreResult<T>
    where
        F: for<'c> crate::connection::pool::Change<'c, T> + Send,
        T: Send,
    {
        let mut conn = self.conn().await?;
        AsyncPgConnection::transaction(&mut conn, change).await
    }

    /// Forgets committed revocations in this process before answering (the NOTIFY tells the others).
    fn forget_tokens(&self, revoked: &[Vec<u8>]) {
        revoked.iter().for_each(|token_hash| self.tokens.forget(token_hash));
    }
}

/// `owner`'s live bot `id`, as a query to read or change.
#[diesel::dsl::auto_type]
fn owned(owner: UserId, id: UserId) -> _ {
    let id: i64 = id.0;
    let owner: i64 = owner.0;
    users::table.filter(users::id.eq(id)).filter(users::bot_owner_id.eq(owner)).filter(users::deleted_at.is_null())
}

/// Inserts a bot user owned by `owner` (no token), inside the caller's transaction: for a flow
/// that creates a bot along with something else (an incoming webhook's bot).
pub(crate) async fn insert_bot(
    conn: &mut AsyncPgConnection,
    owner: UserId,
    username: &str,
    display_name: &str,
) -> StoreResult<User> {
    let row: UserRow = diesel::insert_into(users::table)
        .values((
            users::username.eq(username),
            users::display_name.eq(display_name),
            users::password_hash.eq(""),
            users::is_bot.eq(true),
            users::bot_owner_id.eq(owner.0),
        ))
        .returning(UserRow::as_returning())
        .get_result(conn)
        .await
        .map_err(username_taken)?;
    Ok(User::from(row))
}

/// Revokes every live token of `user` (notifying every process at commit); answers their hashes.
async fn revoke_all(conn: &mut AsyncPgConnection, user: UserId) -> StoreResult<Vec<Vec<u8>>> {
    let revoked: Vec<RevokedToken> = diesel::sql_query(REVOKE_ALL_SQL).bind::<BigInt, _>(user.0).load(conn).await?;
    Ok(revoked.into_iter().map(|row| row.token_hash).collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn revoking_every_token_notifies_on_the_revocations_channel() {
        let channel = crate::events::notice::TOKENS_REVOKED;
        assert!(super::REVOKE_ALL_SQL.contains(&format!("pg_notify('{channel}'")));
    }
}
