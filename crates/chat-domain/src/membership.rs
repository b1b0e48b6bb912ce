//! Membership: a user's place and role in a chat, and the requests that change it.

use crate::ids::{ChatId, MessageId, UserId};
use crate::presence::Presence;
use crate::text_enums::text_enum;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// A member's role in a chat: `member`, `admin` or `owner`, each allowed what the one before it
/// is, and more.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Posts, reacts, marks read, deletes their own messages and may leave. Both people in a
    /// direct chat are members.
    Member,
    /// Also renames the chat, adds and removes members and admins, changes their roles, and
    /// deletes anyone's messages.
    Admin,
    /// Also grants and revokes the owner role and removes owners. A group's creator is its first
    /// owner; the last owner can neither leave nor step down (`last_owner`).
    Owner,
}

text_enum!(Role { Member => "member", Admin => "admin", Owner => "owner" });

/// One user's place in one chat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The chat.
    pub chat_id: ChatId,
    /// The member.
    pub user_id: UserId,
    /// Their role in the chat.
    pub role: Role,
    /// When they joined.
    pub joined_at: Timestamp,
    /// Their read marker, `None` if they never marked anything read.
    pub last_read_message_id: Option<MessageId>,
}

/// A member as a member list shows them: who, and their place in the chat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatMember {
    /// The member's user id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub user_id: UserId,
    /// Their unique login name.
    pub username: String,
    /// The name to show.
    pub display_name: String,
    /// Their role in this chat.
    pub role: Role,
    /// When they joined this chat.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub joined_at: Timestamp,
    /// Their read marker, for "seen by" marks; null if they have never marked anything read.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub last_read_message_id: Option<MessageId>,
    /// Whether they are online; in member lists (`GET /chats/{id}/members`) only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<Presence>,
    /// True for a bot account, as on `User`.
    #[serde(default)]
    pub is_bot: bool,
}

/// The body of `POST /chats/{id}/members`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = NewMember))]
#[serde(deny_unknown_fields)]
pub struct MemberDraft {
    /// The user to add; one that does not exist is 422 `user_id` `unknown_user`.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub user_id: UserId,
    /// Defaults to `member` when left out (`null` is refused).
    #[serde(default = "default_role")]
    pub role: Role,
}

/// The body of `PATCH /chats/{id}/members/{user_id}`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RolePatch {
    /// The new role. Only an owner may grant `owner` or change an owner's role; the only owner
    /// cannot step down (409 `last_owner`).
    pub role: Role,
}

fn default_role() -> Role {
    Role::Member
}
