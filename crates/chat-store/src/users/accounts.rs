//! Accounts and their bearer tokens (stored only as hashes).

use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::error::{StoreError, StoreResult};
use crate::rows::UserRow;
use crate::schema::{auth_tokens, users};
use chat_domain::{DomainError, ErrorCode, User, UserId};
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
                .map_err(|error| match error {
                    DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                        StoreError::Domain(DomainError::Conflict(ErrorCode::UsernameTaken))
                    }
                    other => other.into(),
                })?;
            insert_token(conn, row.id, account.token_hash, account.token_ttl).await?;
            Ok(User::from(row))
        })
        .await
    }

    /// The account and its password hash, for a login attempt.
    pub async fn find_login(&self, username: &str) -> StoreResult<Option<(User, String)>> {
        // No stored name holds NUL (validation refuses it), and PostgreSQL cannot even compare one.
        if username.contains('\0') {
            return Ok(None);
        }
        let mut conn = self.conn().await?;
        let found = users::table
            .filter(users::username.eq(username))
            .select((UserRow::as_select(), users::password_hash))
            .first::<(UserRow, String)>(&mut conn)
            .await
            .optional()?;
        Ok(found.map(|(row, hash)| (User::from(row), hash)))
    }

    pub async fn issue_token(&self, user: UserId, token_hash: &[u8], ttl: Duration) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        insert_token(&mut conn, user.0, token_hash, ttl).await
    }

    /// The user a live (unrevoked, unexpired) token belongs to; from `token_cache` when this
    /// process has seen the token before.
    pub async fn authenticate(&self, token_hash: &[u8]) -> StoreResult<Option<User>> {
        if let Some(user) = self.tokens.get(token_hash) {
            return Ok(Some(user));
        }
        let epoch = self.tokens.epoch();
        let mut conn = self.conn().await?;
        let row = auth_tokens::table
            .inner_join(users::table)
            .filter(auth_tokens::token_hash.eq(token_hash))
            .filter(auth_tokens::revoked_at.is_null())
            .filter(auth_tokens::expires_at.gt(diesel::dsl::now))
            .select((UserRow::as_select(), auth_tokens::expires_at))
            .first::<(UserRow, OffsetDateTime)>(&mut conn)
            .await
            .optional()?;
        Ok(row.map(|(row, expires_at)| {
            let user = User::from(row);
            self.tokens.remember(epoch, token_hash, &user, expires_at);
            user
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
    diesel::insert_into(auth_tokens::table)
        .values((
            auth_tokens::token_hash.eq(hash),
            auth_tokens::user_id.eq(user),
            auth_tokens::expires_at.eq(OffsetDateTime::now_utc() + ttl),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
