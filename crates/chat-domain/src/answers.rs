//! The shapes of answers that are not an aggregate on their own: a session, pages and lists,
//! a read state and the HTTP event feed. The server writes them and clients read them.

use crate::chat::ChatSummary;
use crate::edit::MessageVersion;
use crate::frame::ServerFrame;
use crate::ids::{ChatId, MessageId};
use crate::membership::ChatMember;
use crate::message::Message;
use crate::user::User;
use serde::{Deserialize, Serialize};

/// The answer to register and login: who, and the bearer token for every later request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    pub user: User,
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
}

/// A page of the caller's chats, most recently active first; `next_cursor` asks for the next.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatList {
    /// Most recently active first.
    pub chats: Vec<ChatSummary>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// A chat's members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberList {
    pub members: Vec<ChatMember>,
}

/// A page of a chat's history, oldest first, and whether there is more on either side.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryPage {
    /// Oldest first.
    pub messages: Vec<Message>,
    pub has_older: bool,
    pub has_newer: bool,
}

/// A message's earlier versions, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditList {
    /// Oldest first.
    pub edits: Vec<MessageVersion>,
}

/// The caller's read marker in a chat, and what is still unread after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadState {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub chat_id: ChatId,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub last_read_message_id: Option<MessageId>,
    pub unread_count: i64,
}

/// `GET /events`: the frames the WebSocket would have sent after `since`, and where to continue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventFeed {
    pub events: Vec<ServerFrame>,
    pub next_since: i64,
    pub resync_required: bool,
}
