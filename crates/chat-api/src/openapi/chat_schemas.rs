//! OpenAPI descriptions of chats, members, accounts and read state (see `schemas.rs` for why
//! they live here).
#![allow(dead_code, missing_debug_implementations)] // descriptions only: never built, never printed

use super::schemas::MessageSchema;
use utoipa::ToSchema;

#[derive(ToSchema)]
#[schema(as = ChatKind)]
#[serde(rename_all = "lowercase")]
pub enum ChatKindSchema {
    Direct,
    Group,
}

#[derive(ToSchema)]
#[schema(as = Role)]
#[serde(rename_all = "lowercase")]
pub enum RoleSchema {
    Owner,
    Admin,
    Member,
}

/// A chat as the caller sees it.
#[derive(ToSchema)]
#[schema(as = ChatSummary)]
pub struct ChatSummarySchema {
    id: i64,
    kind: ChatKindSchema,
    /// Null for direct chats.
    title: Option<String>,
    created_by: i64,
    #[schema(format = DateTime)]
    created_at: String,
    /// The caller's role.
    role: RoleSchema,
    /// Messages by others after the caller's read marker, tombstones excluded.
    unread_count: i64,
    last_read_message_id: Option<i64>,
    last_message: Option<MessageSchema>,
    #[schema(format = DateTime)]
    last_activity_at: String,
}

#[derive(ToSchema)]
#[schema(as = ChatList)]
pub struct ChatListSchema {
    /// Most recently active first.
    chats: Vec<ChatSummarySchema>,
    /// Pass as `cursor` for the next page; null on the last page.
    next_cursor: Option<String>,
}

/// The body of `POST /chats`.
#[derive(ToSchema)]
#[schema(as = NewChat)]
#[serde(deny_unknown_fields)]
pub struct NewChatSchema {
    kind: ChatKindSchema,
    /// Required for groups (1 to 200 characters); absent for direct chats.
    title: Option<String>,
    /// Direct: exactly one other user. Group: the initial members besides the creator (owner), none
    /// if left out.
    #[serde(default)]
    member_ids: Vec<i64>,
}

#[derive(ToSchema)]
#[schema(as = ChatPatch)]
#[serde(deny_unknown_fields)]
pub struct ChatPatchSchema {
    title: String,
}

#[derive(ToSchema)]
#[schema(as = ChatMember)]
pub struct ChatMemberSchema {
    user_id: i64,
    username: String,
    display_name: String,
    role: RoleSchema,
    #[schema(format = DateTime)]
    joined_at: String,
    last_read_message_id: Option<i64>,
}

#[derive(ToSchema)]
#[schema(as = MemberList)]
pub struct MemberListSchema {
    members: Vec<ChatMemberSchema>,
}

/// The body of `POST /chats/{id}/members`.
#[derive(ToSchema)]
#[schema(as = NewMember)]
#[serde(deny_unknown_fields)]
pub struct NewMemberSchema {
    user_id: i64,
    /// Defaults to `member` when left out (`null` is refused).
    #[serde(default)]
    role: RoleSchema,
}

#[derive(ToSchema)]
#[schema(as = RolePatch)]
#[serde(deny_unknown_fields)]
pub struct RolePatchSchema {
    role: RoleSchema,
}

#[derive(ToSchema)]
#[schema(as = ReadRequest)]
#[serde(deny_unknown_fields)]
pub struct ReadRequestSchema {
    message_id: i64,
}

#[derive(ToSchema)]
#[schema(as = ReadState)]
pub struct ReadStateSchema {
    chat_id: i64,
    last_read_message_id: Option<i64>,
    unread_count: i64,
}

#[derive(ToSchema)]
#[schema(as = User)]
pub struct UserSchema {
    id: i64,
    username: String,
    display_name: String,
    #[schema(format = DateTime)]
    created_at: String,
}

#[derive(ToSchema)]
#[schema(as = Credentials)]
#[serde(deny_unknown_fields)]
pub struct CredentialsSchema {
    /// 3 to 32 of `a-z 0-9 _ . -`.
    username: String,
    /// 8 to 256 characters.
    password: String,
    /// Register only; defaults to the username.
    display_name: Option<String>,
}

#[derive(ToSchema)]
#[schema(as = Session)]
pub struct SessionSchema {
    user: UserSchema,
    /// Send as `Authorization: Bearer <token>`.
    token: String,
}

#[derive(ToSchema)]
#[schema(as = Status)]
pub struct StatusSchema {
    status: String,
}
