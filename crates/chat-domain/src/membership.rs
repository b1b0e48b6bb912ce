//! Membership: a user's place and role in a chat, and the requests that change it.

use crate::chat::text_enum;
use crate::ids::{ChatId, MessageId, UserId};
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Member,
    Admin,
    Owner,
}

text_enum!(Role { Member => "member", Admin => "admin", Owner => "owner" });

/// One user's place in one chat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub chat_id: ChatId,
    pub user_id: UserId,
    pub role: Role,
    pub joined_at: Timestamp,
    pub last_read_message_id: Option<MessageId>,
}

/// A member as a member list shows them: who, and their place in the chat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatMember {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub joined_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub last_read_message_id: Option<MessageId>,
}

/// The body of `POST /chats/{id}/members`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = NewMember))]
#[serde(deny_unknown_fields)]
pub struct MemberDraft {
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
    pub role: Role,
}

fn default_role() -> Role {
    Role::Member
}
