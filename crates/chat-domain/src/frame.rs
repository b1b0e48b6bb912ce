//! The WebSocket protocol's frames (docs/EVENTS.md): what the server sends and what a client may
//! send, so that both ends write and read the same types.

use crate::error_code::ErrorCode;
use crate::event::Event;
use crate::ids::{ChatId, UserId};
use crate::presence::PresenceStatus;
use crate::resume::LogId;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// A stored event as delivered: its place in the stream, its chat, and the event itself
/// (`{"seq", "type", "chat_id", "data"}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// The event's place in the log: increasing, each seq once.
    pub seq: i64,
    /// The log `seq` is a place in: absent (the first) unless the deployment has several
    /// clusters, each with a log of its own (docs/EVENTS.md, "Several logs").
    #[serde(default, skip_serializing_if = "LogId::is_first")]
    pub log: LogId,
    /// Where a client that processed this event resumes: send it back as `since` (opaque; absent
    /// from servers older than resume tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<String>,
    /// The chat the event belongs to.
    pub chat_id: ChatId,
    /// The event: its `type` and `data`, flattened into the frame.
    #[serde(flatten)]
    pub event: Event,
}

/// Every frame the server sends, over the WebSocket or in `GET /events`.
///
/// ```
/// use chat_domain::{ControlFrame, Event, ServerFrame};
///
/// fn describe(text: &str) -> Result<String, serde_json::Error> {
///     Ok(match serde_json::from_str::<ServerFrame>(text)? {
///         ServerFrame::Event(stored) => match &stored.event {
///             Event::MessageCreated(message) => {
///                 format!("#{} message {} in chat {}: {:?}", stored.seq, message.id, stored.chat_id, message.content)
///             }
///             other => format!("#{} {}", stored.seq, other.kind().as_str()),
///         },
///         ServerFrame::Control(ControlFrame::Ready { seq, .. }) => format!("live after #{seq}"),
///         ServerFrame::Control(ControlFrame::ResyncRequired) => "reload over REST".to_owned(),
///         // `ServerFrame` and `ControlFrame` are `#[non_exhaustive]`: keep a catch-all arm.
///         _ => "ignored".to_owned(),
///     })
/// }
///
/// assert_eq!(describe(r#"{"type":"ready","user_id":1,"seq":1234}"#)?, "live after #1234");
/// let created = r#"{"seq":1235,"type":"message.created","chat_id":2,"data":{
///     "id":123,"chat_id":2,"author_id":1,"type":"text","content":"hello","payload":null,
///     "status":"delivered","ts":"2025-11-05T03:58:00.123456Z","reply_to_id":null,
///     "is_deleted":false,"deleted_at":null,"updated_at":null,"reactions":[]}}"#;
/// assert_eq!(describe(created)?, r#"#1235 message 123 in chat 2: Some("hello")"#);
/// assert_eq!(describe(r#"{"type":"typing","chat_id":2,"user_id":5}"#)?, "ignored");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ServerFrame {
    /// A stored event.
    Event(Box<StoredEvent>),
    /// Anything else: `ready`, `resync_required`, `typing`, presence, `error`.
    Control(ControlFrame),
}

/// The frames that are not stored events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ControlFrame {
    /// Always first. Live delivery starts after `seq`.
    Ready {
        /// The user the token belongs to.
        user_id: UserId,
        /// The newest seq when the connection opened; events after `since` up to it are replayed
        /// first. Without a seq of your own, resume from this one.
        seq: i64,
        /// The token of `seq`: without a token of your own, resume with this one (opaque;
        /// absent from servers older than resume tokens).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<String>,
    },
    /// `since` cannot be resumed from (older than the events kept, newer than any, or of another
    /// epoch: the database was restored): reload over REST, then continue from `ready.resume`.
    ResyncRequired,
    /// Another member is typing; ephemeral.
    Typing {
        /// The chat they are typing in.
        chat_id: ChatId,
        /// Who is typing.
        user_id: UserId,
    },
    /// A user who shares a chat with you came online or went offline; ephemeral (after a
    /// reconnect, read presence over REST).
    #[serde(rename = "presence.updated")]
    PresenceUpdated {
        /// Whose presence.
        user_id: UserId,
        /// `online` or `offline`.
        status: PresenceStatus,
        /// When they last went offline.
        last_seen_at: Option<Timestamp>,
    },
    /// The server may have missed `presence.updated` changes (the process lost its connection
    /// to the database's notices a moment, and has it again): read presence over REST again.
    /// Stored events are never missed this way.
    #[serde(rename = "presence.stale")]
    PresenceStale,
    /// A frame the client sent could not be used; the socket stays open.
    Error {
        /// `invalid_frame` for a frame the server does not take, `chat_not_found` for a typing
        /// frame naming a chat the caller is not in.
        code: ErrorCode,
        /// For people; branch on `code`.
        detail: String,
    },
}

/// Every frame a client may send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClientFrame {
    /// The caller is typing in `chat_id` (passed on at most once every 2 s per chat).
    Typing {
        /// A chat the caller is a member of (else an `error` frame with `chat_not_found`).
        chat_id: ChatId,
    },
    /// Every event up to `seq` reached this device: the messages among them count as delivered
    /// (recorded at most once a second per connection).
    Ack {
        /// The last seq this device has.
        seq: i64,
        /// The log that seq is of, as the event frames name it (absent: the first).
        #[serde(default, skip_serializing_if = "LogId::is_first")]
        log: LogId,
    },
}
