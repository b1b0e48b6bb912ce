//! The JSON text frames the server sends, and the close codes it uses.

use chat_domain::{ChatId, ControlFrame, ErrorCode, ResumeToken, UserId};
use chat_store::PublishedEvent;
use serde::Serialize;

/// Close codes, as documented in docs/EVENTS.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseCode {
    /// The server is shutting down; reconnect (to another process) with `since`.
    GoingAway = 1001,
    /// The client broke the WebSocket protocol.
    ProtocolError = 1002,
    /// The client sent a message larger than 64 KiB.
    MessageTooBig = 1009,
    /// No pong or message from the client within the idle timeout.
    IdleTimeout = 4000,
    /// The token was revoked (logout) or expired; authenticate again.
    Unauthorized = 4001,
    /// The client read too slowly and its outgoing queue overflowed.
    SlowConsumer = 4008,
}

impl CloseCode {
    pub fn reason(self) -> &'static str {
        match self {
            CloseCode::GoingAway => "server shutting down",
            CloseCode::ProtocolError => "websocket protocol error",
            CloseCode::MessageTooBig => "message larger than 64 KiB",
            CloseCode::IdleTimeout => "no heartbeat from client",
            CloseCode::Unauthorized => "token revoked or expired",
            CloseCode::SlowConsumer => "client reads too slowly",
        }
    }

    pub fn from_u16(code: u16) -> Option<Self> {
        [
            Self::GoingAway,
            Self::ProtocolError,
            Self::MessageTooBig,
            Self::IdleTimeout,
            Self::Unauthorized,
            Self::SlowConsumer,
        ]
        .into_iter()
        .find(|c| *c as u16 == code)
    }
}

/// `chat_domain::StoredEvent`'s shape, over the data as stored: sent as it is, never re-encoded.
#[derive(Serialize)]
struct EventFrame<'a> {
    seq: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    resume: Option<String>,
    #[serde(rename = "type")]
    kind: &'a str,
    chat_id: ChatId,
    data: &'a serde_json::Value,
}

/// `{"seq", "resume", "type", "chat_id", "data"}`: a stored event of the log in epoch `epoch`.
///
/// Its `resume` is the position right after it: a client that processed it resumes there. That is
/// the same for every recipient of the frame, which is built once for all of them: each got every
/// earlier event of its chats before it, and the others' events need not be replayed.
pub fn event(event: &PublishedEvent, epoch: i64) -> String {
    event_resuming_at(event, &ResumeToken::single(epoch, event.envelope.seq))
}

/// `event`'s frame whose `resume` is `token`: right after it in its log, and where the reader
/// stands in the others (a deployment of several clusters).
pub fn event_resuming_at(event: &PublishedEvent, token: &ResumeToken) -> String {
    event_frame(event, Some(token.to_string()))
}

/// `{"seq", "type", "chat_id", "data"}`: a stored event as a webhook receives it, without a resume
/// token (a webhook does not resume; its deliveries are retried for it).
pub fn webhook_event(event: &PublishedEvent) -> String {
    event_frame(event, None)
}

fn event_frame(event: &PublishedEvent, resume: Option<String>) -> String {
    let envelope = &event.envelope;
    let frame = EventFrame {
        seq: envelope.seq,
        resume,
        kind: envelope.kind.as_str(),
        chat_id: envelope.chat_id,
        data: &event.data,
    };
    serde_json::to_string(&frame).unwrap_or_default()
}

/// `{"type":"ready","user_id","seq","resume"}`: sent first; live delivery starts after `seq`, whose
/// token `resume` is.
pub fn ready(user: UserId, seq: i64, resume: &ResumeToken) -> String {
    control(&ControlFrame::Ready { user_id: user, seq, resume: Some(resume.to_string()) })
}

/// `{"type":"resync_required"}`: the requested `since` is older than the events kept.
pub fn resync_required() -> String {
    control(&ControlFrame::ResyncRequired)
}

/// `{"type":"typing","chat_id","user_id"}`: ephemeral, no seq, never stored.
pub fn typing(chat: ChatId, user: UserId) -> String {
    control(&ControlFrame::Typing { chat_id: chat, user_id: user })
}

/// `{"type":"presence.stale"}`: presence changes may have been missed; read presence again.
pub fn presence_stale() -> String {
    control(&ControlFrame::PresenceStale)
}

/// `{"type":"presence.updated","user_id","status","last_seen_at"}`: ephemeral.
pub fn presence(user: UserId, presence: chat_domain::Presence) -> String {
    control(&ControlFrame::PresenceUpdated {
        user_id: user,
        status: presence.status,
        last_seen_at: presence.last_seen_at,
    })
}

/// `{"type":"error","code","detail"}`: a client frame the server could not use; the socket stays open.
pub fn error(code: ErrorCode, detail: &str) -> String {
    control(&ControlFrame::Error { code, detail: detail.to_owned() })
}

/// A frame as it goes into a JSON document (`GET /events`' `EventFeed`), written as it is.
pub fn raw(frame: String) -> Box<serde_json::value::RawValue> {
    // Every frame is JSON written by serde_json above; an empty one (which cannot happen) would
    // still leave the document valid, as `null` (the default).
    serde_json::value::RawValue::from_string(frame).unwrap_or_default()
}

fn control(frame: &ControlFrame) -> String {
    serde_json::to_string(frame).unwrap_or_default()
}
