//! The event stream: the WebSocket, kept. It remembers the resume token of the last event it
//! passed on (docs/EVENTS.md, "Resuming"), reconnects with it as `since` after any drop (a
//! restart of the server, a network cut, a close for reading too slowly), and passes on every
//! stored event once, in order, across reconnects. Frames of kinds this version does not know
//! (from a newer server) are skipped. What it passed on it acknowledges (`ack`, at most once a
//! second), so the messages count as delivered to this service.

use crate::client::Client;
use crate::error::{ClientError, ClientResult};
use chat_domain::{ChatId, ClientFrame, ControlFrame, LogId, ResumeToken, ServerFrame, Since, StoredEvent, UserId};
use futures_util::{SinkExt as _, Stream, StreamExt as _};
use std::collections::BTreeMap;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{self, Message as Frame};

/// The server pings every 15 s: this long without a frame means the connection is dead.
const SILENCE_LIMIT: Duration = Duration::from_secs(45);
/// Pauses between reconnect attempts: doubling from the first, capped at the second.
const RECONNECT_PAUSES: (Duration, Duration) = (Duration::from_millis(100), Duration::from_secs(5));
/// Close code for a revoked or expired token (docs/EVENTS.md): reconnecting cannot help.
const CLOSE_UNAUTHORIZED: u16 = 4001;
/// A connection that lasted this long was a success: the pauses between attempts start over.
const STABLE_CONNECTION: Duration = Duration::from_secs(10);
/// How often at most the events passed on are acknowledged to the server.
const ACK_EVERY: Duration = Duration::from_secs(1);
/// How long opening a connection may take before it counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What the stream yields.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum StreamItem {
    /// Connected (again); live delivery starts after `seq`, after any events missed meanwhile.
    Connected {
        /// The server's `ready.seq` on this connection.
        seq: i64,
        /// Its resume token (`ready.resume`). Keep it only from the first `Connected` of a stream
        /// started without `since`: on a reconnect, the events missed meanwhile come after it.
        resume: Option<String>,
    },
    /// A stored event: each one once, in `seq` order.
    Event(Box<StoredEvent>),
    /// The events since the stream's position are gone (pruned, or the database was restored
    /// from a backup): reload what you show over REST.
    /// The stream goes on from here.
    ResyncRequired,
    /// Another member is typing in a chat.
    Typing {
        /// The chat they are typing in.
        chat_id: ChatId,
        /// Who is typing.
        user_id: UserId,
    },
}

/// A `Stream` of `StreamItem`s; ends after an error that reconnecting cannot mend (a revoked
/// token). Dropping it closes the connection.
#[derive(Debug)]
pub struct EventStream {
    items: mpsc::Receiver<ClientResult<StreamItem>>,
    task: JoinHandle<()>,
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Stream for EventStream {
    type Item = ClientResult<StreamItem>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.items.poll_recv(cx)
    }
}

impl Client {
    /// Follows the caller's events: those after `since` first, then live.
    /// Without `since`, from now. Keep the `resume` of the last event you handled (or, before
    /// any, of the first `Connected`) to start a later stream from there. Needs a token and a
    /// Tokio runtime.
    pub fn event_stream(&self, since: Option<Since>) -> EventStream {
        let (sender, items) = mpsc::channel(256);
        let seen = match &since {
            Some(Since::Seq(seq)) => BTreeMap::from([(LogId::FIRST, *seq)]),
            Some(Since::Token(token)) => token.positions().iter().map(|at| (at.log, at.seq)).collect(),
            None => BTreeMap::new(),
        };
        let resume_from = since.map(|since| since.to_string());
        let follower = Follower { client: self.clone(), seen, resume_from, ready: Ready::default(), sender };
        EventStream { items, task: tokio::spawn(follower.run()) }
    }
}

/// Why one connection ended.
enum Ended {
    /// Reconnect.
    Dropped,
    /// Stop: the consumer is gone, or reconnecting cannot help (already reported).
    Stop,
}

struct Follower {
    client: Client,
    /// By log (a deployment of several clusters has one per cluster): the last seq passed on (or
    /// where live delivery started). A replayed event at or before it is skipped, and
    /// acknowledgements name it.
    seen: BTreeMap<LogId, i64>,
    /// What the next connection sends as `since`: the resume token of the last event passed on
    /// (a plain seq only from a server older than tokens, or as the caller gave it).
    resume_from: Option<String>,
    /// The current connection's `ready`.
    ready: Ready,
    sender: mpsc::Sender<ClientResult<StreamItem>>,
}

/// Where the current connection's live delivery starts.
#[derive(Default)]
struct Ready {
    seq: i64,
    resume: Option<String>,
}

impl Ready {
    /// Where live delivery starts in each log: the token's positions (`seq`, the first log's, from
    /// a server older than tokens).
    fn positions(&self) -> BTreeMap<LogId, i64> {
        match self.resume.as_deref().map(ResumeToken::parse) {
            Some(Ok(token)) => token.positions().iter().map(|at| (at.log, at.seq)).collect(),
            _ => BTreeMap::from([(LogId::FIRST, self.seq)]),
        }
    }
}

impl Follower {
    async fn run(mut self) {
        let mut failures: u32 = 0;
        loop {
            let connected_at = tokio::time::Instant::now();
            let ended = match self.connect().await {
                Ok(socket) => {
                    let ended = self.follow(socket).await;
                    // A server that accepts and then drops at once (its database down, say) is
                    // still failing: only a connection that lasted starts the pauses over.
                    if connected_at.elapsed() >= STABLE_CONNECTION {
                        failures = 0;
                    }
                    ended
                }
                Err(error) if matches!(error.status(), Some(401)) => {
                    let _ = self.sender.send(Err(error)).await;
                    Ended::Stop
                }
                // A server older than resume tokens refuses one: go on with the plain seq.
                Err(error) if matches!(error.status(), Some(422)) && self.seen.contains_key(&LogId::FIRST) => {
                    self.resume_from = self.seen.get(&LogId::FIRST).map(|seq| seq.to_string());
                    Ended::Dropped
                }
                Err(_) => Ended::Dropped,
            };
            if matches!(ended, Ended::Stop) || self.sender.is_closed() {
                return;
            }
            let pause = RECONNECT_PAUSES.0.saturating_mul(1 << failures.min(8)).min(RECONNECT_PAUSES.1);
            failures = failures.saturating_add(1);
            // Up to half again at random, so that clients cut off together do not return together.
            let jitter = pause.mul_f64(f64::from(rand::random::<u8>()) / 512.0);
            tokio::time::sleep(pause + jitter).await;
        }
    }

    async fn connect(&self) -> ClientResult<Socket> {
        let origin = self.client.origin().replacen("http", "ws", 1);
        let query = self.resume_from.as_ref().map(|since| format!("?since={since}")).unwrap_or_default();
        let mut request = format!("{origin}/api/v1/ws{query}")
            .into_client_request()
            .map_err(|error| ClientError::WebSocket(error.to_string()))?;
        if let Some(token) = self.client.token() {
            let value = format!("Bearer {token}").parse().map_err(|_| ClientError::WebSocket("bad token".into()))?;
            request.headers_mut().insert("Authorization", value);
        }
        let connecting = tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(request));
        match connecting.await.map_err(|_| ClientError::WebSocket("connect timed out".into()))? {
            Ok((socket, _)) => Ok(socket),
            Err(tungstenite::Error::Http(response)) => {
                let status = response.status().as_u16();
                Err(crate::client::refused(status, response.body().as_deref().unwrap_or_default()))
            }
            Err(error) => Err(ClientError::WebSocket(error.to_string())),
        }
    }

    /// Passes on what one connection brings, until it ends; acknowledges what it passed on at
    /// most every `ACK_EVERY` (sooner after a quiet moment than waiting for the next frame).
    async fn follow(&mut self, mut socket: Socket) -> Ended {
        let (mut acked, mut acked_at) = (self.ready.positions(), tokio::time::Instant::now());
        let mut heard_at = tokio::time::Instant::now();
        loop {
            let mut unacked = self.seen.iter().filter(|(log, seq)| acked.get(log).is_none_or(|acked| *seq > acked));
            let unacked = unacked.next().map(|(log, seq)| (*log, *seq));
            let due = acked_at + ACK_EVERY;
            if let Some((log, seq)) = unacked.filter(|_| tokio::time::Instant::now() >= due) {
                let Ok(ack) = serde_json::to_string(&ClientFrame::Ack { seq, log }) else {
                    return Ended::Dropped;
                };
                if socket.send(Frame::Text(ack.into())).await.is_err() {
                    return Ended::Dropped;
                }
                acked.insert(log, seq);
                // Every log's ack goes at once; the next waits a while.
                if !self.seen.iter().any(|(log, seq)| acked.get(log).is_none_or(|acked| seq > acked)) {
                    acked_at = tokio::time::Instant::now();
                }
                continue;
            }
            let now = tokio::time::Instant::now();
            let quiet_left = SILENCE_LIMIT.saturating_sub(heard_at.elapsed());
            let wait = if unacked.is_some() { due.saturating_duration_since(now).min(quiet_left) } else { quiet_left };
            let frame = match tokio::time::timeout(wait.max(Duration::from_millis(1)), socket.next()).await {
                Ok(Some(Ok(frame))) => frame,
                Err(_) if heard_at.elapsed() < SILENCE_LIMIT => continue,
                Ok(Some(Err(_)) | None) | Err(_) => return Ended::Dropped,
            };
            heard_at = tokio::time::Instant::now();
            let item = match frame {
                Frame::Text(text) => match serde_json::from_str::<ServerFrame>(&text) {
                    Ok(frame) => self.admit(frame),
                    // A frame of a kind this version does not know (a newer server's) is skipped.
                    Err(_) => None,
                },
                // The pong is queued by the read; send it now.
                Frame::Ping(_) => {
                    let _ = socket.flush().await;
                    None
                }
                Frame::Close(Some(close)) if u16::from(close.code) == CLOSE_UNAUTHORIZED => {
                    let _ = self.sender.send(Err(ClientError::WebSocket(close.reason.to_string()))).await;
                    return Ended::Stop;
                }
                Frame::Close(_) => return Ended::Dropped,
                _ => None,
            };
            // Acknowledgements name this connection's seqs: after a resync of a restored
            // database they may be lower than the last connection's.
            if matches!(item, Some(Ok(StreamItem::Connected { .. }))) {
                acked = self.ready.positions();
            }
            if let Some(item) = item
                && self.sender.send(item).await.is_err()
            {
                return Ended::Stop;
            }
        }
    }

    /// What to pass on for `frame`, keeping the position: an event at or before it was already
    /// passed on (a replay overlapping live delivery) and is skipped.
    fn admit(&mut self, frame: ServerFrame) -> Option<ClientResult<StreamItem>> {
        match frame {
            ServerFrame::Event(stored) => {
                if self.seen.get(&stored.log).is_some_and(|seen| stored.seq <= *seen) {
                    return None;
                }
                self.seen.insert(stored.log, stored.seq);
                self.resume_from = Some(stored.resume.clone().unwrap_or_else(|| stored.seq.to_string()));
                // Reads after this event must show what it announced (replicas are the first
                // cluster's, whose seqs `Chat-Seq` names).
                if stored.log.is_first() {
                    self.client.shown.received(stored.seq);
                }
                Some(Ok(StreamItem::Event(stored)))
            }
            ServerFrame::Control(ControlFrame::Ready { seq, resume, .. }) => {
                self.ready = Ready { seq, resume: resume.clone() };
                if self.resume_from.is_none() {
                    self.seen = self.ready.positions();
                    self.resume_from = Some(resume.clone().unwrap_or_else(|| seq.to_string()));
                }
                Some(Ok(StreamItem::Connected { seq, resume }))
            }
            ServerFrame::Control(ControlFrame::ResyncRequired) => {
                self.seen = self.ready.positions();
                self.client.shown.restart(self.ready.seq);
                self.resume_from = Some(self.ready.resume.clone().unwrap_or_else(|| self.ready.seq.to_string()));
                Some(Ok(StreamItem::ResyncRequired))
            }
            ServerFrame::Control(ControlFrame::Typing { chat_id, user_id }) => {
                Some(Ok(StreamItem::Typing { chat_id, user_id }))
            }
            _ => None,
        }
    }
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;
