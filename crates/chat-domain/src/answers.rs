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
    /// The account just registered or logged in.
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
    /// The clusters (by number) that did not answer: what they hold is not in this page, and a
    /// later page or a retry may show it. Left out when every cluster answered (always, in a
    /// deployment of one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_clusters: Vec<u16>,
}

/// A chat's members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberList {
    /// Every member of the chat, in the order they joined.
    pub members: Vec<ChatMember>,
}

/// A page of a chat's history, oldest first, and whether there is more on either side.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryPage {
    /// Oldest first.
    pub messages: Vec<Message>,
    /// Whether the chat has messages before the first of this page (reported for an empty page
    /// too).
    pub has_older: bool,
    /// Whether the chat has messages after the last of this page (reported for an empty page too).
    pub has_newer: bool,
}

/// A page of a thread's replies, with its root.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThreadPage {
    /// The thread's root message, whole (with its thread summary).
    pub root: Message,
    /// Replies, oldest first.
    pub messages: Vec<Message>,
    /// Whether the thread has replies before the first of this page.
    pub has_older: bool,
    /// Whether the thread has replies after the last of this page.
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
    /// The chat this read marker is in.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub chat_id: ChatId,
    /// The caller's read marker: the id of the newest message they have read. It only moves
    /// forward. Null if they have never marked anything read.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub last_read_message_id: Option<MessageId>,
    /// Messages by others with an id above the marker, tombstones excluded, counted up to
    /// `UNREAD_COUNTED_UP_TO` (100: show "99+").
    pub unread_count: i64,
}

/// `GET /events`: the frames the WebSocket would have sent after `since`, and where to continue.
///
/// Clients read the frames as `ServerFrame`s (the default). The server writes each as the JSON
/// text it sends over the WebSocket (`Frame` = a raw JSON value), so the stored event data is
/// never decoded and encoded again on the way out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventFeed<Frame = ServerFrame> {
    /// The caller's stored events after `since`, in `seq` order. When `resync_required` is true,
    /// it holds only the `resync_required` control frame.
    pub events: Vec<Frame>,
    /// Pass as `since` on the next poll. Every seq up to it has been looked at, so it can be past
    /// the last event listed (other users' events are skipped). After a resync, the current head.
    pub next_since: i64,
    /// The same position as a resume token: pass it as `since` instead of `next_since` (opaque;
    /// absent from servers older than resume tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<String>,
    /// `since` cannot be resumed from (older than the events kept, newer than any, or of another
    /// epoch: the database was restored): reload what you show over REST, then continue from
    /// `resume`.
    pub resync_required: bool,
    /// The clusters (by number) whose logs did not answer: their events are not in this page and
    /// come after `resume` once they answer. Left out when every log answered (always, in a
    /// deployment of one cluster).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_clusters: Vec<u16>,
}

/// A page of `GET /users?q=`: users in username order; `next_cursor` asks for the next page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserList {
    /// The public fields of each user.
    pub users: Vec<User>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// One message found by `GET /search`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    /// The whole message, as history shows it.
    pub message: Message,
    /// The chat it is in.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub chat_id: ChatId,
    /// That chat's title; null for a direct chat.
    pub chat_title: Option<String>,
    /// The passage that matched, as HTML: the text escaped, the matching words in `<mark>`.
    pub snippet: String,
}

/// A page of search results, newest first or by relevance; `next_cursor` asks for the next page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    /// The messages found, in the order asked for.
    pub hits: Vec<SearchHit>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// The clusters (by number) that did not answer: what they hold is not in this page, and a
    /// later page or a retry may show it. Left out when every cluster answered (always, in a
    /// deployment of one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_clusters: Vec<u16>,
}

/// `GET /mentions`: the messages that mention the caller, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MentionList {
    /// Whole messages, newest first.
    pub messages: Vec<Message>,
    /// Pass as `before` for the next page; null on the last page.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub next_before: Option<MessageId>,
    /// The clusters (by number) that did not answer: what they hold is not in this page, and a
    /// later page or a retry may show it. Left out when every cluster answered (always, in a
    /// deployment of one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_clusters: Vec<u16>,
}
