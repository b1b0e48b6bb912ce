//! The OpenAPI descriptions of the JSON the API speaks. The domain crate stays free of OpenAPI
//! machinery, so its types are described here; `tests/api/openapi.rs` compares every schema with
//! real answers of the running server, so a description cannot silently drift from the code.
#![allow(dead_code, missing_debug_implementations)] // descriptions only: never built, never printed

use utoipa::ToSchema;

#[derive(ToSchema)]
#[schema(as = MessageType)]
#[serde(rename_all = "lowercase")]
pub enum MessageTypeSchema {
    Text,
    Image,
    File,
    System,
}

/// The message aggregate: every endpoint and event carries it whole.
#[derive(ToSchema)]
#[schema(as = Message)]
pub struct MessageSchema {
    id: i64,
    chat_id: i64,
    author_id: i64,
    #[serde(rename = "type")]
    kind: MessageTypeSchema,
    /// Null for tombstones and for messages without text.
    content: Option<String>,
    /// A JSON object of at most 16 KiB; null for tombstones.
    #[schema(value_type = Option<Object>)]
    payload: Option<()>,
    /// `read` once every member other than the author has read it.
    #[schema(pattern = "delivered|read")]
    status: String,
    #[schema(format = DateTime, example = "2025-11-05T03:58:00.123456Z")]
    ts: String,
    reply_to_id: Option<i64>,
    is_deleted: bool,
    #[schema(format = DateTime)]
    deleted_at: Option<String>,
    #[schema(format = DateTime)]
    updated_at: Option<String>,
    /// Grouped by emoji, in order of each emoji's first use; empty for tombstones.
    reactions: Vec<ReactionSummarySchema>,
}

#[derive(ToSchema)]
#[schema(as = ReactionSummary)]
pub struct ReactionSummarySchema {
    emoji: String,
    count: i64,
    user_ids: Vec<i64>,
}

/// The body of `POST /messages`.
#[derive(ToSchema)]
#[schema(as = NewMessage)]
#[serde(deny_unknown_fields)]
pub struct NewMessageSchema {
    chat_id: i64,
    /// `text` (default), `image` or `file`; `system` is the server's own. May be left out, but not `null`.
    #[serde(rename = "type", default)]
    kind: MessageTypeSchema,
    /// Required for `text`: 1 to 4000 characters, not all whitespace.
    content: Option<String>,
    /// Required for `image` and `file`: a JSON object of at most 16 KiB.
    #[schema(value_type = Option<Object>)]
    payload: Option<()>,
    /// A message of the same chat.
    reply_to_id: Option<i64>,
}

/// The body of `PATCH /messages/{id}`: absent fields keep their value.
#[derive(ToSchema)]
#[schema(as = MessagePatch)]
#[serde(deny_unknown_fields)]
pub struct MessagePatchSchema {
    content: Option<String>,
    #[schema(value_type = Option<Object>)]
    payload: Option<()>,
}

/// An earlier version of a message.
#[derive(ToSchema)]
#[schema(as = MessageVersion)]
pub struct MessageVersionSchema {
    content: Option<String>,
    #[schema(value_type = Option<Object>)]
    payload: Option<()>,
    #[schema(format = DateTime)]
    written_at: String,
    #[schema(format = DateTime)]
    replaced_at: String,
}

#[derive(ToSchema)]
#[schema(as = EditList)]
pub struct EditListSchema {
    /// Oldest first.
    edits: Vec<MessageVersionSchema>,
}

#[derive(ToSchema)]
#[schema(as = HistoryPage)]
pub struct HistoryPageSchema {
    /// Oldest first.
    messages: Vec<MessageSchema>,
    has_older: bool,
    has_newer: bool,
}
