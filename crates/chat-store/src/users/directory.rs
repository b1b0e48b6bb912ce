//! Finding people: by username prefix, page by page, or by id; and a user's display name.

use crate::chats::members::member_updated_everywhere;
use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::connection::seen::Seen;
use crate::error::StoreResult;
use crate::rows::UserRow;
use crate::schema::users;
use chat_domain::{DomainError, Resource, User, UserId};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;

/// Usernames from `$1` (a prefix) in byte order, after `$2` (the last one of the previous page).
/// '~' sorts after every character a username may hold, so the range is exactly the prefix.
const SEARCH_SQL: &str = "
SELECT id, username, display_name, created_at, is_bot FROM users
 WHERE deleted_at IS NULL
   AND username COLLATE \"C\" >= $1 AND username COLLATE \"C\" < $1 || '~' AND username COLLATE \"C\" > $2
 ORDER BY username COLLATE \"C\"
 LIMIT $3";
statement!(SearchUsers, SEARCH_SQL);

const SET_DISPLAY_NAME_SQL: &str =
    "UPDATE users SET display_name = $2 WHERE id = $1 RETURNING id, username, display_name, created_at, is_bot";
statement!(SetDisplayName, SET_DISPLAY_NAME_SQL);

impl Store {
    /// Up to `limit` users whose username starts with `prefix`, in username order, after the
    /// username `after` (empty: from the first).
    pub async fn search_users(&self, seen: &mut Seen, prefix: &str, after: &str, limit: i64) -> StoreResult<Vec<User>> {
        self.read(seen, async |conn| {
            let rows: Vec<UserRow> = prepared::<SearchUsers>()
                .bind::<Text, _>(prefix)
                .bind::<Text, _>(after)
                .bind::<BigInt, _>(limit)
                .load(&mut *conn)
                .await?;
            Ok(rows.into_iter().map(User::from).collect())
        })
        .await
    }

    /// The user with `id`.
    pub async fn user(&self, seen: &mut Seen, id: UserId) -> StoreResult<User> {
        self.read(seen, async |conn| {
            let row =
                users::table.find(id.0).select(UserRow::as_select()).first::<UserRow>(&mut *conn).await.optional()?;
            row.map(User::from).ok_or_else(|| DomainError::NotFound(Resource::User).into())
        })
        .await
    }

    /// Sets `id`'s display name (already validated) and answers the user, once committed; every
    /// chat of theirs hears of it (`member_updated_everywhere`).
    pub async fn set_display_name(&self, id: UserId, display_name: &str) -> StoreResult<User> {
        self.write(async |conn| {
            let row = prepared::<SetDisplayName>()
                .bind::<BigInt, _>(id.0)
                .bind::<Text, _>(display_name)
                .get_result::<UserRow>(&mut *conn)
                .await
                .optional()?
                .ok_or(DomainError::NotFound(Resource::User))?;
            member_updated_everywhere(conn, &row).await?;
            Ok(User::from(row))
        })
        .await
    }
}
