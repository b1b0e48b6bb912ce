//! One WebSocket connection: `ready`, then the replay after `since`, then live events, with
//! heartbeats, typing indicators, delivery acks and a close code for every way it ends.

use super::acks::Acks;
use super::client_frames::on_client_frame;
use super::frames::{self, CloseCode};
use super::hub::{Delivery, Hub};
use super::presence::PresenceTracker;
use super::replay::replay;
use super::sending::{Stop, guarded, send};
use super::socket::SocketWatch;
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseReason, ProtocolError, Session};
use chat_domain::{ChatId, ChatScope, Since, UserId};
use chat_store::Store;
use futures_util::StreamExt as _;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Re-check the token every this many heartbeats (a minute at the default 15 s).
const TOKEN_CHECK_EVERY: u32 = 4;

/// How long a peer cut off for not reading (or not answering) has to take its close frame before
/// its connection is reset.
const UNREAD_CLOSE_GRACE: Duration = Duration::from_secs(2);

#[derive(Clone, Debug)]
pub struct ConnectionSettings {
    pub ping_interval: Duration,
    pub idle_timeout: Duration,
    /// Counts this process's sockets per user, for presence.
    pub presence: Arc<PresenceTracker>,
}

/// Who is connected, with which token (checked again on every few heartbeats, so logging out or
/// an expired token also ends open sockets), over which socket.
#[derive(Clone, Debug)]
pub struct Peer {
    pub user: UserId,
    pub token_hash: Vec<u8>,
    /// The chats the token reaches: the subscription never admits another's events.
    pub scope: ChatScope,
    pub socket: SocketWatch,
}

pub async fn run(
    mut session: Session,
    mut incoming: AggregatedMessageStream,
    store: Store,
    hub: Arc<Hub>,
    peer: Peer,
    since: Option<Since>,
    settings: ConnectionSettings,
) {
    let user = peer.user;
    let presence = settings.presence.clone();
    presence.connected(user);
    let mut acks = Acks::default();
    let mut registration = hub.register(user, &peer.token_hash);
    let closer = registration.closer.clone();
    let outcome: Result<(), Stop> = async {
        // Live delivery starts after the hub's position or the log's published head, whichever is
        // further. A batch this process published may still be on its way to the hub, carrying
        // its events as they were when published; a message deleted since is redacted only in the
        // log, so the replay reads those events there, and the hub's copies are not admitted.
        let log = store.log_head().await.map_err(|_| Stop::Gone)?;
        // A log of another history than the hub's (the database restored under this process,
        // which stops within a second): no position here means anything in it. Another process
        // will serve the client.
        if log.epoch != hub.epoch() || registration.position > log.seq {
            return Err(Stop::Closed(CloseCode::GoingAway));
        }
        let position = registration.position.max(log.seq);
        send(&mut session, &closer, frames::ready(user, position, &log.token_at(position))).await?;
        // `start`: everything up to here the client has; live delivery takes over after `position`.
        let start = match since.map(|since| log.resume_point(&since)) {
            Some(Some(after)) => after,
            Some(None) => {
                send(&mut session, &closer, frames::resync_required()).await?;
                position
            }
            None => position,
        };
        let mut subscription =
            store.subscription_at(user, start).await.map_err(|_| Stop::Gone)?.limited_to(peer.scope.clone());
        replay(&mut session, &closer, &store, &mut subscription, &mut acks, position, hub.epoch()).await?;
        // Live delivery takes over after `position` (or after `start`, when further).
        subscription.pass_to(position);
        hub.activate(registration.id, subscription.chats());
        let mut heartbeat = tokio::time::interval(settings.ping_interval);
        let mut beats: u32 = 0;
        let mut last_heard = Instant::now();
        let mut last_typing: HashMap<ChatId, Instant> = HashMap::new();
        loop {
            tokio::select! {
                biased;
                code = closer.closed() => return Err(Stop::Closed(code)),
                delivery = registration.deliveries.recv() => {
                    // The hub drops a queue only after telling the connection why.
                    let Some(delivery) = delivery else { return Err(Stop::Closed(closer.closed().await)) };
                    let frame = match delivery {
                        Delivery::Event { envelope, frame } => {
                            let admitted = subscription.admit(&envelope);
                            if admitted {
                                acks.sent(&envelope);
                            }
                            admitted.then_some(frame)
                        }
                        Delivery::Typing { chat_id, user_id, frame } => {
                            subscription.sees_typing(chat_id, user_id).then_some(frame)
                        }
                        Delivery::Presence { chats, user_id, frame } => {
                            subscription.sees_presence(&chats, user_id).then_some(frame)
                        }
                        Delivery::PresenceStale { frame } => Some(frame),
                    };
                    if let Some(frame) = frame {
                        send(&mut session, &closer, frame).await?;
                    }
                }
                message = incoming.next() => {
                    last_heard = Instant::now();
                    match message {
                        Some(Ok(AggregatedMessage::Ping(bytes))) => {
                            guarded(&closer, settings.idle_timeout, session.pong(&bytes)).await?;
                        }
                        Some(Ok(AggregatedMessage::Text(text))) => {
                            let reply = on_client_frame(&store, &subscription, &mut last_typing, &mut acks, &text).await;
                            if let Some(reply) = reply {
                                send(&mut session, &closer, reply).await?;
                            }
                        }
                        Some(Ok(AggregatedMessage::Pong(_) | AggregatedMessage::Binary(_))) => {}
                        Some(Err(ProtocolError::Overflow)) => return Err(Stop::Closed(CloseCode::MessageTooBig)),
                        Some(Err(ProtocolError::Io(_))) => return Err(Stop::Gone),
                        Some(Err(_)) => return Err(Stop::Closed(CloseCode::ProtocolError)),
                        Some(Ok(AggregatedMessage::Close(_))) | None => return Err(Stop::Gone),
                    }
                }
                _ = until(acks.due()) => acks.record(&store, user),
                _ = heartbeat.tick() => {
                    if last_heard.elapsed() > settings.idle_timeout {
                        return Err(Stop::Closed(CloseCode::IdleTimeout));
                    }
                    beats = beats.wrapping_add(1);
                    if beats.is_multiple_of(TOKEN_CHECK_EVERY) && !token_still_valid(&store, &peer).await {
                        return Err(Stop::Closed(CloseCode::Unauthorized));
                    }
                    guarded(&closer, settings.idle_timeout, session.ping(b"")).await?;
                }
            }
        }
    }
    .await;
    if let Err(Stop::Closed(code)) = outcome {
        let reason = CloseReason { code: (code as u16).into(), description: Some(code.reason().into()) };
        // A client that does not read may never take the close frame; do not wait for it forever.
        let _ = tokio::time::timeout(Duration::from_secs(1), session.close(Some(reason))).await;
        if matches!(code, CloseCode::SlowConsumer | CloseCode::IdleTimeout) {
            // Nor keep its socket and buffers: a peer that reads again takes its close frame
            // within the grace; after it, whatever is still unsent goes with a reset.
            let socket = peer.socket.clone();
            actix_web::rt::spawn(async move {
                tokio::time::sleep(UNREAD_CLOSE_GRACE).await;
                socket.reset();
            });
        }
    }
    if acks.due().is_some() {
        acks.record(&store, user);
    }
    presence.disconnected(user);
    // Only now: shutdown waits for this, so the close frame goes out before the server stops.
    hub.unregister(registration.id);
}

/// Waits until `at`, or forever without one.
async fn until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Whether the connection's token is still live; a database hiccup does not close the socket.
async fn token_still_valid(store: &Store, peer: &Peer) -> bool {
    match store.authenticate(&peer.token_hash).await {
        Ok(found) => found.is_some_and(|holder| holder.user.id == peer.user),
        Err(_) => true,
    }
}
