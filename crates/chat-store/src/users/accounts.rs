//! Accounts and their bearer tokens (stored only as hashes).

use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::error::{StoreError, StoreResult};
use crate::rows::UserRow;
use crate::schema::{auth_tokens, users};
use crate::users::token_cache::Authenticated;
use chat_domain::{ChatId, ChatScope, DomainError, ErrorCode, Suspension, Timestamp, User, UserId};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::Bytea;
use diesel_async::{AsyncConnection, RunQueryDsl};
use time::{Duration, OffsetDateTime};

/// A new account and its first token, as the API prepared them (password already hashed).
#[derive(Debug)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub token_hash: &'a [u8],
    pub token_ttl: Duration,
}

/// An account as a login attempt reads it.
#[derive(Debug)]
pub struct LoginAccount {
    pub user: User,
    pub password_hash: String,
    /// The suspension holding now, if any.
    pub suspension: Option<Suspension>,
}

/// The revocation and its notification (on `TOKENS_REVOKED`) in one statement: the NOTIFY goes
/// out with the commit. The session's pushers go with it (a data-modifying CTE always runs).
pub(crate) const REVOKE_SQL: &str = "
WITH revoked AS (
    UPDATE auth_tokens SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL RETURNING token_hash
), unpushed AS (
    DELETE FROM pushers WHERE token_hash IN (SELECT token_hash FROM revoked)
)
SELECT pg_notify('chat_tokens_revoked', encode(token_hash, 'hex')) FROM revoked";
statement!(RevokeToken, REVOKE_SQL);

impl Store {
    /// Creates the account and its first token in one transaction.
    pub async fn register(&self, account: NewAccount<'_>) -> StoreResult<User> {
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let row: UserRow = diesel::insert_into(users::table)
                .values((
                    users::username.eq(account.username),
                    users::display_name.eq(account.display_name),
                    users::password_hash.eq(account.password_hash),
                ))
                .returning(UserRow::as_returning())
                .get_result(conn)
                .await
                .map_err(username_taken)?;
            insert_token(conn, row.id, account.token_hash, account.token_ttl).await?;
            Ok(User::from(row))
        })
        .await
    }

    /// The account, its password hash and its suspension, for a login attempt. Bots have no
    /// password, and a deleted account cannot sign in: both are looked up as unknown usernames, so
    /// login answers them as it does a wrong password, after the same decoy hash.
    pub async fn find_login(&self, username: &str) -> StoreResult<Option<LoginAccount>> {
        // No stored name holds NUL (validation refuses it), and PostgreSQL cannot even compare one.
        if username.contains('\0') {
            return Ok(None);
        }
        let mut conn = self.conn().await?;
        let found = users::table
            .filter(users::username.eq(username))
            .filter(users::is_bot.eq(false))
            .filter(users::deleted_at.is_null())
            .select((UserRow::as_select(), users::password_hash, users::suspended_at, users::suspended_until))
            .first::<(UserRow, String, Option<OffsetDateTime>, Option<OffsetDateTime>)>(&mut conn)
            .await
            .optional()?;
        Ok(found.map(|(row, password_hash, suspended_at, until)| LoginAccount {
            user: User::from(row),
            password_hash,
            suspension: Suspension::holding(
                suspended_at.map(Timestamp::from),
                until.map(Timestamp::from),
                Timestamp::now(),
            ),
        }))
    }

    pub async fn issue_token(&self, user: UserId, token_hash: &[u8], ttl: Duration) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        insert_token(&mut conn, user.0, token_hash, ttl).await
    }

    /// The user a live (unrevoked, unexpired) token belongs to, and the chats it reaches; from
    /// `token_cache` when this process has seen the token before.
    pub async fn authenticate(&self, token_hash: &[u8]) -> StoreResult<Option<Authenticated>> {
        if let Some(holder) = self.tokens.get(token_hash) {
            return Ok(Some(holder));
        }
        let epoch = self.tokens.epoch();
        let mut conn = self.conn().await?;
        let row = auth_tokens::table
            .inner_join(users::table)
            .filter(auth_tokens::token_hash.eq(token_hash))
            .filter(auth_tokens::revoked_at.is_null())
            .filter(auth_tokens::expires_at.gt(diesel::dsl::now))
            .filter(users::deleted_at.is_null())
            // Suspending revokes every token, but a login may have raced it (an until of NULL
            // compares as NULL: refused).
            .filter(users::suspended_at.is_null().or(users::suspended_until.le(diesel::dsl::now)))
            .select((UserRow::as_select(), auth_tokens::expires_at, auth_tokens::chat_scope))
            .first::<(UserRow, OffsetDateTime, Option<Vec<i64>>)>(&mut conn)
            .await
            .optional()?;
        Ok(row.map(|(row, expires_at, chats)| {
            let scope = match chats {
                None => ChatScope::Every,
                Some(chats) => ChatScope::Only(chats.into_iter().map(ChatId).collect()),
            };
            let holder = Authenticated { user: User::from(row), scope };
            self.tokens.remember(epoch, token_hash, &holder, expires_at);
            holder
        }))
    }

    /// Revokes a token (revoking twice is harmless), and tells every server process to forget it.
    pub async fn revoke_token(&self, token_hash: &[u8]) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        prepared::<RevokeToken>().bind::<Bytea, _>(token_hash).execute(&mut conn).await?;
        self.tokens.forget(token_hash);
        Ok(())
    }

    /// A revocation heard from any process (`Notice::TokenRevoked`); without a readable hash,
    /// every token is forgotten rather than one kept that may be revoked.
    pub fn token_revoked(&self, token_hash: Option<&[u8]>) {
        match token_hash {
            Some(token_hash) => self.tokens.forget(token_hash),
            None => self.tokens.forget_all(),
        }
    }

    /// Whether this process hears revocations now (its listener is connected): only then does it
    /// remember tokens.
    pub fn hearing_revocations(&self, listening: bool) {
        self.tokens.set_listening(listening);
    }
}

async fn insert_token(
    conn: &mut diesel_async::AsyncPgConnection,
    user: i64,
    hash: &[u8],
    ttl: Duration,
) -> StoreResult<()> {
    insert_scoped_token(conn, user, hash, ttl, &ChatScope::Every).await
}

/// A token of `user` that reaches `scope`'s chats.
pub(crate) async fn insert_scoped_token(
    conn: &mut diesel_async::AsyncPgConnection,
    user: i64,
    hash: &[u8],
    ttl: Duration,
    scope: &ChatScope,
) -> StoreResult<()> {
    let chats = scope.chats().map(|chats| chats.into_iter().map(|chat| chat.0).collect::<Vec<_>>());
    diesel::insert_into(auth_tokens::table)
        .values((
            auth_tokens::token_hash.eq(hash),
            auth_tokens::user_id.eq(user),
            auth_tokens::expires_at.eq(OffsetDateTime::now_utc() + ttl),
            auth_tokens::chat_scope.eq(chats),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A new user's insert failed: a unique violation is the username (the only unique column a new
/// user row can clash on), for people and bots alike.
pub(crate) fn username_taken(error: DieselError) -> StoreError {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            StoreError::Domain(DomainError::Conflict(ErrorCode::UsernameTaken))
        }
        other => other.into(),
    }
}
