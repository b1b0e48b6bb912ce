//! Accounts and their bearer tokens (stored only as hashes).

use crate::error::{StoreError, StoreResult};
use crate::pool::Store;
use crate::rows::UserRow;
use crate::schema::{auth_tokens, users};
use chat_domain::{DomainError, User, UserId};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
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
                        StoreError::Domain(DomainError::Conflict("username_taken"))
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

    /// The user a live (unrevoked, unexpired) token belongs to.
    pub async fn authenticate(&self, token_hash: &[u8]) -> StoreResult<Option<User>> {
        let mut conn = self.conn().await?;
        let row = auth_tokens::table
            .inner_join(users::table)
            .filter(auth_tokens::token_hash.eq(token_hash))
            .filter(auth_tokens::revoked_at.is_null())
            .filter(auth_tokens::expires_at.gt(diesel::dsl::now))
            .select(UserRow::as_select())
            .first::<UserRow>(&mut conn)
            .await
            .optional()?;
        Ok(row.map(User::from))
    }

    /// Revokes a token; revoking twice is harmless.
    pub async fn revoke_token(&self, token_hash: &[u8]) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::update(auth_tokens::table.filter(auth_tokens::token_hash.eq(token_hash)))
            .filter(auth_tokens::revoked_at.is_null())
            .set(auth_tokens::revoked_at.eq(diesel::dsl::now))
            .execute(&mut conn)
            .await?;
        Ok(())
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
