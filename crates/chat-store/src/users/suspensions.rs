//! Suspensions: a moderator keeps a person off the whole server for a time or until lifted.
//! Suspending revokes every token of theirs and of their bots in its transaction (each NOTIFY goes
//! out with the commit, so every process forgets the tokens and closes their sockets), and while
//! it holds, login is refused and no token of theirs authenticates (`accounts.rs`), so a login
//! that raced the suspension gains nothing.

use crate::connection::pool::Store;
use crate::error::StoreResult;
use crate::moderation::{AuditTarget, record_audit};
use crate::schema::users;
use chat_domain::{AuditAction, DomainError, Resource, Suspension, Timestamp, UserId};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bytea};
use diesel_async::RunQueryDsl;
use time::OffsetDateTime;

/// Revokes every live token of user `$1` and of the bots they own, with their pushers, and
/// notifies every process of each (on `TOKENS_REVOKED`, at commit).
const REVOKE_SUSPENDED_SQL: &str = "
WITH revoked AS (
    UPDATE auth_tokens SET revoked_at = now()
     WHERE revoked_at IS NULL
       AND (user_id = $1 OR user_id IN (SELECT id FROM users WHERE bot_owner_id = $1))
    RETURNING token_hash
), unpushed AS (
    DELETE FROM pushers WHERE token_hash IN (SELECT token_hash FROM revoked)
)
SELECT token_hash, pg_notify('chat_tokens_revoked', encode(token_hash, 'hex')) IS NULL AS notified FROM revoked";

#[derive(QueryableByName)]
struct RevokedToken {
    #[diesel(sql_type = Bytea)]
    token_hash: Vec<u8>,
}

fn at(time: Option<OffsetDateTime>) -> Option<Timestamp> {
    time.map(Timestamp::from)
}

impl Store {
    /// `actor` suspends `user` until `until` (none: until lifted), for `reason`; recorded. A
    /// different suspension in place is replaced (and recorded); the same one again (a retry)
    /// records nothing more.
    pub async fn suspend(
        &self,
        actor: UserId,
        user: UserId,
        until: Option<Timestamp>,
        reason: &str,
    ) -> StoreResult<()> {
        // As PostgreSQL keeps it (microseconds), so that a retry compares equal.
        let until = until.map(|at| at.0 - time::Duration::nanoseconds(i64::from(at.0.nanosecond() % 1000)));
        let revoked = self
            .write(async |conn| {
                let current: Option<(Option<OffsetDateTime>, Option<OffsetDateTime>, Option<String>)> = users::table
                    .find(user.0)
                    .filter(users::deleted_at.is_null())
                    .select((users::suspended_at, users::suspended_until, users::suspension_reason))
                    .for_no_key_update()
                    .first(conn)
                    .await
                    .optional()?;
                let Some((suspended_at, current_until, current_reason)) = current else {
                    return Err(DomainError::NotFound(Resource::User).into());
                };
                let holding = Suspension::holding(at(suspended_at), at(current_until), Timestamp::now());
                let same = holding.is_some() && current_until == until && current_reason.as_deref() == Some(reason);
                if !same {
                    diesel::update(users::table.find(user.0))
                        .set((
                            users::suspended_at.eq(diesel::dsl::now),
                            users::suspended_until.eq(until),
                            users::suspension_reason.eq(reason),
                        ))
                        .execute(conn)
                        .await?;
                    let target = AuditTarget { user: Some(user), reason: Some(reason), ..AuditTarget::default() };
                    record_audit(conn, actor, AuditAction::Suspend, target).await?;
                }
                let revoked: Vec<RevokedToken> =
                    diesel::sql_query(REVOKE_SUSPENDED_SQL).bind::<BigInt, _>(user.0).load(conn).await?;
                Ok(revoked)
            })
            .await?;
        revoked.iter().for_each(|token| self.tokens.forget(&token.token_hash));
        Ok(())
    }

    /// `actor` lifts `user`'s suspension; recorded only if one was in place (lifting twice, or a
    /// suspension already over, records nothing more).
    pub async fn unsuspend(&self, actor: UserId, user: UserId) -> StoreResult<()> {
        self.write(async |conn| {
            let suspension: Option<(Option<OffsetDateTime>, Option<OffsetDateTime>)> = users::table
                .find(user.0)
                .filter(users::deleted_at.is_null())
                .select((users::suspended_at, users::suspended_until))
                .for_no_key_update()
                .first(conn)
                .await
                .optional()?;
            let Some((suspended_at, until)) = suspension else {
                return Err(DomainError::NotFound(Resource::User).into());
            };
            if suspended_at.is_none() {
                return Ok(());
            }
            diesel::update(users::table.find(user.0))
                .set((
                    users::suspended_at.eq(None::<OffsetDateTime>),
                    users::suspended_until.eq(None::<OffsetDateTime>),
                ))
                .execute(conn)
                .await?;
            if Suspension::holding(at(suspended_at), at(until), Timestamp::now()).is_some() {
                record_audit(
                    conn,
                    actor,
                    AuditAction::Unsuspend,
                    AuditTarget { user: Some(user), ..AuditTarget::default() },
                )
                .await?;
            }
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suspending_notifies_every_process_of_each_token() {
        let channel = crate::events::notice::TOKENS_REVOKED;
        assert!(REVOKE_SUSPENDED_SQL.contains(&format!("pg_notify('{channel}'")));
    }
}
