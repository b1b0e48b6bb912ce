//! Server roles and the moderation audit log. Every action on other people's messages and
//! memberships writes its entry in its own transaction (`record_audit`), so the log holds exactly
//! what committed, once.

use crate::connection::pool::Store;
use crate::error::{StoreError, StoreResult};
use crate::schema::{moderation_audit, users};
use chat_domain::{AuditAction, AuditEntry, AuditPage, ChatId, DomainError, MessageId, Resource, ServerRole, UserId};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;

/// What an audit entry is about, as far as it applies.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct AuditTarget<'a> {
    pub chat: Option<ChatId>,
    pub user: Option<UserId>,
    pub message: Option<MessageId>,
    pub reason: Option<&'a str>,
}

/// Records `actor`'s `action` on `target`; call it inside the action's transaction.
pub(crate) async fn record_audit(
    conn: &mut AsyncPgConnection,
    actor: UserId,
    action: AuditAction,
    target: AuditTarget<'_>,
) -> StoreResult<()> {
    diesel::insert_into(moderation_audit::table)
        .values((
            moderation_audit::actor_id.eq(actor.0),
            moderation_audit::action.eq(action.as_str()),
            moderation_audit::chat_id.eq(target.chat.map(|chat| chat.0)),
            moderation_audit::target_user_id.eq(target.user.map(|user| user.0)),
            moderation_audit::message_id.eq(target.message.map(|message| message.0)),
            moderation_audit::reason.eq(target.reason),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// User `$1`'s username, given role, and whether no person registered before them.
const STANDING_SQL: &str = "
SELECT u.username, u.server_role,
       NOT u.is_bot AND NOT EXISTS (SELECT 1 FROM users o WHERE o.id < u.id AND NOT o.is_bot) AS first_person
  FROM users u WHERE u.id = $1";

#[derive(QueryableByName)]
struct StandingRow {
    #[diesel(sql_type = Text)]
    username: String,
    #[diesel(sql_type = Nullable<Text>)]
    server_role: Option<String>,
    #[diesel(sql_type = Bool)]
    first_person: bool,
}

/// What a server role is decided from (`Store::server_standing`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerStanding {
    pub username: String,
    /// The role an admin gave them, if any.
    pub given: Option<ServerRole>,
    /// Whether they were the first person (not bot) to register.
    pub first_person: bool,
}

type AuditRow = (i64, i64, String, Option<i64>, Option<i64>, Option<i64>, Option<String>, OffsetDateTime);

impl Store {
    /// What `user`'s server role is made of, in one query (`chat_domain::moderation::server_role`
    /// decides it): their username (the operator may name them), the role given them, and whether
    /// they were the first person to register.
    pub async fn server_standing(&self, user: UserId) -> StoreResult<ServerStanding> {
        let mut conn = self.conn().await?;
        let row: StandingRow = diesel::sql_query(STANDING_SQL)
            .bind::<BigInt, _>(user.0)
            .get_result(&mut conn)
            .await
            .optional()?
            .ok_or(DomainError::NotFound(Resource::User))?;
        let (username, first_person) = (row.username, row.first_person);
        let given = row.server_role.and_then(|role| role.parse::<ServerRole>().ok());
        Ok(ServerStanding { username, given, first_person })
    }

    /// `actor` (an admin) gives `user` a server role, or takes theirs away; recorded.
    pub async fn set_server_role(&self, actor: UserId, user: UserId, role: Option<ServerRole>) -> StoreResult<()> {
        self.write(async |conn| {
            let updated = diesel::update(users::table.find(user.0).filter(users::is_bot.eq(false)))
                .set(users::server_role.eq(role.map(ServerRole::as_str)))
                .execute(conn)
                .await?;
            if updated == 0 {
                return Err(DomainError::NotFound(Resource::User).into());
            }
            let target = AuditTarget {
                user: Some(user),
                reason: Some(role.map_or("none", ServerRole::as_str)),
                ..AuditTarget::default()
            };
            record_audit(conn, actor, AuditAction::ServerRole, target).await
        })
        .await
    }

    /// A page of the audit log, newest first: `limit` entries before entry `before` (the newest
    /// when none).
    pub async fn audit(&self, before: Option<i64>, limit: i64) -> StoreResult<AuditPage> {
        let mut conn = self.conn().await?;
        let rows = moderation_audit::table
            .filter(moderation_audit::id.lt(before.unwrap_or(i64::MAX)))
            .order(moderation_audit::id.desc())
            .limit(limit + 1)
            .select((
                moderation_audit::id,
                moderation_audit::actor_id,
                moderation_audit::action,
                moderation_audit::chat_id,
                moderation_audit::target_user_id,
                moderation_audit::message_id,
                moderation_audit::reason,
                moderation_audit::created_at,
            ))
            .load::<AuditRow>(&mut conn)
            .await?;
        let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        let entries = rows
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|(id, actor, action, chat, user, message, reason, at)| {
                let action = action.parse().map_err(|()| StoreError::Corrupt(format!("audit action: {action}")))?;
                Ok(AuditEntry {
                    id,
                    actor_id: UserId(actor),
                    action,
                    chat_id: chat.map(ChatId),
                    user_id: user.map(UserId),
                    message_id: message.map(MessageId),
                    reason,
                    at: at.into(),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let next_before = if more { entries.last().map(|entry| entry.id) } else { None };
        Ok(AuditPage { entries, next_before })
    }
}
