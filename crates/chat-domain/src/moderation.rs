//! Server-wide moderation: roles above every chat's, and the audit log of what moderators and
//! chat admins did to other people's messages and memberships.

use crate::ids::{ChatId, MessageId, UserId};
use crate::text_enums::text_enum;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// A role for the whole server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ServerRole {
    /// Reads the audit log.
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
}

text_enum!(AuditAction {
    Kick => "kick",
    Ban => "ban",
    Unban => "unban",
    ChatRole => "chat_role",
    MessageDelete => "message_delete",
    ServerRole => "server_role",
    ReportResolved => "report_resolved"
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
