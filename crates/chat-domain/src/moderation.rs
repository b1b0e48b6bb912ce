//! Server-wide moderation: roles above every chat's, and the audit log of what moderators and
//! chat admins did to other people's messages and memberships.

use crate::error::DomainError;
use crate::field_code::FieldCode;
use crate::ids::{ChatId, MessageId, UserId};
use crate::text_enums::text_enum;
use crate::timestamp::Timestamp;
use crate::validation::{ValidationErrors, check_length};
use serde::{Deserialize, Serialize};

/// A role for the whole server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ServerRole {
    /// Reads the audit log and every report, deletes any message, suspends people.
    Moderator,
    /// A moderator who also gives and takes server roles.
    Admin,
}

text_enum!(ServerRole { Moderator => "moderator", Admin => "admin" });

/// The body of `PUT /moderation/users/{user_id}/role`: the role, or null to take it away.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ServerRolePatch {
    /// `moderator`, `admin`, or null; required (`{}` says nothing, so it is refused).
    #[serde(deserialize_with = "Option::deserialize")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub role: Option<ServerRole>,
}

/// A person's server role: the one an admin gave them; else admin when the operator names them
/// (`CHAT_ADMIN_USERNAMES`) or they were the first person to register.
pub fn server_role(given: Option<ServerRole>, named_by_operator: bool, first_person: bool) -> Option<ServerRole> {
    if named_by_operator || (given.is_none() && first_person) { Some(ServerRole::Admin) } else { given }
}

/// Needs at least `needed` on the server.
pub fn require_server_role(actor: Option<ServerRole>, needed: ServerRole) -> Result<(), DomainError> {
    if actor >= Some(needed) { Ok(()) } else { Err(DomainError::Forbidden("needs a server moderator or admin")) }
}

/// A moderator suspends (and lifts the suspension of) only people below their own server role:
/// a moderator, plain users; an admin, moderators too; nobody themself or an equal.
pub fn can_suspend(actor: Option<ServerRole>, target: Option<ServerRole>) -> Result<(), DomainError> {
    require_server_role(actor, ServerRole::Moderator)?;
    if target >= actor {
        return Err(DomainError::Forbidden("only someone with a higher server role may suspend this person"));
    }
    Ok(())
}

/// A suspension in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suspension {
    /// When it ends; `None`: until a moderator lifts it.
    pub until: Option<Timestamp>,
}

impl Suspension {
    /// The suspension holding at `now`, of one that began at `suspended_at` (none: never
    /// suspended, or lifted) and ends at `until` (none: until lifted).
    pub fn holding(suspended_at: Option<Timestamp>, until: Option<Timestamp>, now: Timestamp) -> Option<Self> {
        let holds = suspended_at.is_some() && until.is_none_or(|until| until > now);
        holds.then_some(Self { until })
    }
}

/// The longest reason kept for a suspension or a deletion, in characters.
pub const MAX_MODERATION_REASON_CHARS: usize = 500;

/// The body of `POST /moderation/users/{user_id}/suspend`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SuspensionDraft {
    /// When the suspension ends, in the future; null: until a moderator lifts it. Required.
    #[serde(deserialize_with = "Option::deserialize")]
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<String>, format = DateTime))]
    pub until: Option<Timestamp>,
    /// Why, for the audit log: 1 to 500 characters.
    pub reason: String,
}

/// The reason given with a deletion (`DELETE /messages/{id}?reason=`): none, or 1 to 500
/// characters once trimmed (blank counts as none).
pub fn deletion_reason(reason: Option<&str>) -> Result<Option<String>, ValidationErrors> {
    let Some(reason) = reason.map(str::trim).filter(|reason| !reason.is_empty()) else { return Ok(None) };
    let mut errors = ValidationErrors::default();
    check_length(&mut errors, "reason", reason, 1, MAX_MODERATION_REASON_CHARS);
    errors.finish(Some(reason.to_owned()))
}

impl SuspensionDraft {
    /// The end (after `now`, or none) and the reason, trimmed.
    pub fn validate(self, now: Timestamp) -> Result<(Option<Timestamp>, String), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let reason = self.reason.trim().to_owned();
        check_length(&mut errors, "reason", &reason, 1, MAX_MODERATION_REASON_CHARS);
        if self.until.is_some_and(|until| until <= now) {
            errors.add("until", FieldCode::Invalid, "must be in the future, or null for a suspension until lifted");
        }
        errors.finish((self.until, reason))
    }
}

/// What a moderation action did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A member removed by someone else.
    Kick,
    /// A user banned from a chat.
    Ban,
    /// A ban lifted.
    Unban,
    /// A member's role in a chat changed by someone else.
    ChatRole,
    /// A message deleted by someone other than its author.
    MessageDelete,
    /// A server role given or taken away.
    ServerRole,
    /// A report resolved.
    ReportResolved,
    /// A person suspended from the whole server (`reason` is the moderator's).
    Suspend,
    /// A suspension lifted before its end.
    Unsuspend,
}

text_enum!(AuditAction {
    Kick => "kick",
    Ban => "ban",
    Unban => "unban",
    ChatRole => "chat_role",
    MessageDelete => "message_delete",
    ServerRole => "server_role",
    ReportResolved => "report_resolved",
    Suspend => "suspend",
    Unsuspend => "unsuspend"
});

/// One action in the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// The entry's id; entries are listed by it, newest first.
    pub id: i64,
    /// Who acted.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub actor_id: UserId,
    /// What they did.
    pub action: AuditAction,
    /// The chat it happened in, if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub chat_id: Option<ChatId>,
    /// The user it was done to, if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub user_id: Option<UserId>,
    /// The message it was done to, if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub message_id: Option<MessageId>,
    /// Why, or what it became (a role's new value), if said.
    pub reason: Option<String>,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
}

/// A page of `GET /moderation/audit`: newest first; `next_before` asks for the page after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    /// The entries, newest first.
    pub entries: Vec<AuditEntry>,
    /// The `before` of the next page; null on the last.
    pub next_before: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODERATOR: Option<ServerRole> = Some(ServerRole::Moderator);
    const ADMIN: Option<ServerRole> = Some(ServerRole::Admin);

    #[test]
    fn the_operator_and_the_first_person_are_admins_and_a_given_role_counts_otherwise() {
        assert_eq!(server_role(None, false, false), None);
        assert_eq!(server_role(MODERATOR, false, false), MODERATOR);
        assert_eq!(server_role(MODERATOR, true, false), ADMIN, "named by the operator");
        assert_eq!(server_role(None, false, true), ADMIN, "the first person");
        assert_eq!(server_role(MODERATOR, false, true), MODERATOR, "an admin made them a moderator");
    }

    #[test]
    fn only_a_higher_server_role_suspends() {
        assert!(can_suspend(MODERATOR, None).is_ok());
        assert!(can_suspend(ADMIN, MODERATOR).is_ok());
        assert!(can_suspend(None, None).is_err(), "a plain user");
        assert!(can_suspend(MODERATOR, MODERATOR).is_err(), "an equal, or themself");
        assert!(can_suspend(MODERATOR, ADMIN).is_err());
        assert!(can_suspend(ADMIN, ADMIN).is_err());
    }

    #[test]
    fn a_suspension_holds_from_its_start_until_its_end_or_for_good() {
        let now = Timestamp::now();
        let (before, after) =
            (Timestamp(now.0 - time::Duration::hours(1)), Timestamp(now.0 + time::Duration::hours(1)));
        assert_eq!(Suspension::holding(None, None, now), None, "never suspended");
        assert_eq!(Suspension::holding(Some(before), None, now), Some(Suspension { until: None }));
        assert_eq!(Suspension::holding(Some(before), Some(after), now), Some(Suspension { until: Some(after) }));
        assert_eq!(Suspension::holding(Some(before), Some(now), now), None, "over at its end");
    }

    #[test]
    fn a_suspension_ends_in_the_future_or_never_and_says_why() {
        let now = Timestamp::now();
        let later = Timestamp(now.0 + time::Duration::hours(1));
        let draft = |until, reason: &str| SuspensionDraft { until, reason: reason.into() };
        assert_eq!(draft(Some(later), " spam ").validate(now), Ok((Some(later), "spam".into())));
        assert_eq!(draft(None, "spam").validate(now), Ok((None, "spam".into())));
        assert!(draft(Some(now), "spam").validate(now).is_err(), "already over");
        assert!(draft(None, "  ").validate(now).is_err(), "no reason");
        assert!(draft(None, &"x".repeat(MAX_MODERATION_REASON_CHARS + 1)).validate(now).is_err());
    }
}
