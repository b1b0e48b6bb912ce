//! The WebSocket protocol's frames (docs/EVENTS.md): what the server sends and what a client may
//! send, so that both ends write and read the same types.

use crate::error_code::ErrorCode;
use crate::event::Event;
use crate::ids::{ChatId, UserId};
use serde::{Deserialize, Serialize};

/// A stored event as delivered: its place in the stream, its chat, and the event itself
/// (`{"seq", "type", "chat_id", "data"}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// One sequence for the whole server; resume after the last one seen with `since`.
    pub seq: i64,
    pub chat_id: ChatId,
    #[serde(flatten)]
    pub event: Event,
}

/// Every frame the server sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ServerFrame {
    /// A stored event.
    Event(Box<StoredEvent>),
    /// Anything else: `ready`, `resync_required`, `typing`, `error`.
    Control(ControlFrame),
}

/// The frames that are not stored events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ControlFrame {
    /// Always first. Live delivery starts after `seq`.
    Ready { user_id: UserId, seq: i64 },
    /// `since` was older than the events kept (or newer than any): reload over REST, then
    /// continue from `ready.seq`.
    ResyncRequired,
    /// Another member is typing; ephemeral.
    Typing { chat_id: ChatId, user_id: UserId },
    /// A frame the client sent could not be used; the socket stays open.
    Error { code: ErrorCode, detail: String },
}

/// Every frame a client may send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClientFrame {
    /// The caller is typing in `chat_id` (passed on at most once every 2 s per chat).
    Typing { chat_id: ChatId },
}
