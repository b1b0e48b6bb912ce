//! The JSON text frames the server sends, and the close codes it uses.

use chat_domain::{ChatId, ControlFrame, ErrorCode, LogId, LogPosition, ResumeToken, UserId};
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
    #[serde(skip_serializing_if = "LogId::is_first")]
    log: LogId,
    #[serde(skip_serializing_if = "Option::is_none")]
    resume: Option<String>,
    #[serde(rename = "type")]
    kind: &'a str,
    chat_id: ChatId,
    data: &'a serde_json::Value,
}

/// `{"seq", "log", "resume", "type", "chat_id", "data"}`: a stored event of log `log` in epoch
/// `epoch` (`log` left out for the first log).
///
/// Its `resume` is the position right after it: a client that processed it resumes there. In a
/// deployment of one log that is the same for every recipient of the frame, which is built once
/// for all of them: each got every earlier event of its chats before it, and the others' events
/// need not be replayed. With several logs a token also holds the reader's place in the others,
/// which differs per reader: each connection puts its own in (`with_resume`).
pub fn event(event: &PublishedEvent, log: LogId, epoch: i64) -> String {
    let at = LogPosition { log, epoch, seq: event.envelope.seq };
    event_frame(event, log, Some(ResumeToken::new(vec![at]).unwrap_or_else(|| ResumeToken::single(epoch, at.seq))))
}

/// `event`'s frame whose `resume` is `token`: right after it in its log `log`, and where the
/// reader stands in the others (a deployment of several clusters).
pub fn event_resuming_at(event: &PublishedEvent, log: LogId, token: &ResumeToken) -> String {
    event_frame(event, log, Some(token.clone()))
}

/// An event frame (`event`'s) with its `resume` replaced by `token`, without reading the rest:
/// the frame is written once for every connection, and each of several logs' readers has a
/// token of its own.
pub fn with_resume(frame: &str, token: &ResumeToken) -> String {
    const FIELD: &str = "\"resume\":\"";
    // The fields before `resume` are numbers, so the first match is the field itself; a token
    // has no quote or backslash, so the next quote ends it.
    let Some(start) = frame.find(FIELD).map(|at| at + FIELD.len()) else { return frame.to_owned() };
    let Some(end) = frame[start..].find('"').map(|at| start + at) else { return frame.to_owned() };
    format!("{}{token}{}", &frame[..start], &frame[end..])
}

/// `{"seq", "type", "chat_id", "data"}`: a stored event as a webhook receives it, without a resume
/// token (a webhook does not resume; its deliveries are retried for it).
pub fn webhook_event(event: &PublishedEvent) -> String {
    event_frame(event, LogId::FIRST, None)
}

fn event_frame(event: &PublishedEvent, log: LogId, resume: Option<ResumeToken>) -> String {
    let envelope = &event.envelope;
    let frame = EventFrame {
        seq: envelope.seq,
        log,
        resume: resume.map(|token| token.to_string()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use chat_domain::{EventEnvelope, EventKind};

    fn created(seq: i64) -> PublishedEvent {
        let envelope = EventEnvelope {
            seq,
            chat_id: ChatId(7),
            kind: EventKind::ChatUpdated,
            message_id: None,
            joined: Vec::new(),
            left: None,
        };
        let data = serde_json::json!({ "id": 7, "title": "\"resume\":\"x\"", "kind": "group" });
        PublishedEvent { envelope, data }
    }

    #[test]
    fn a_frame_of_another_log_names_it_and_takes_each_readers_token() {
        let frame = event(&created(12), LogId(1), 9);
        assert!(frame.starts_with(r#"{"seq":12,"log":1,"resume":"1~1.9.12","type":"chat.updated""#), "{frame}");
        let token = ResumeToken::parse("1~0.5.40~1.9.12").expect("a token");
        let spliced = with_resume(&frame, &token);
        let stored: serde_json::Value = serde_json::from_str(&spliced).expect("still JSON");
        assert_eq!(stored["resume"], "1~0.5.40~1.9.12");
        assert_eq!(stored["data"]["title"], "\"resume\":\"x\"", "the data is left as it was");
        assert_eq!(spliced.len(), frame.len() + "1~0.5.40~".len() - "1~".len());
    }

    #[test]
    fn a_frame_of_the_first_log_is_as_before() {
        assert!(event(&created(3), LogId::FIRST, 9).starts_with(r#"{"seq":3,"resume":"1~0.9.3","#));
    }
}
