//! One WebSocket connection: `ready`, then the replay after `since`, then live events, with
//! heartbeats, typing indicators, delivery acks and a close code for every way it ends.

use super::acks::Acks;
use super::client_frames::on_client_frame;
use super::frames::{self, CloseCode};
use super::hub::{Closer, Delivery, Hub, Inbox, Registration};
use super::hubs::Hubs;
use super::presence::PresenceTracker;
use super::replay::{ReplayEnd, replay};
use super::sending::{Stop, guarded, send};
use super::socket::SocketWatch;
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseReason, ProtocolError, Session};
use chat_domain::{ChatId, ChatScope, LogId, LogPosition, ResumeToken, Since, Subscription, UserId};
use chat_store::{Clusters, LogHead, LogReaders, Resumed, Store};
use futures_util::StreamExt as _;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Re-check the token every this many heartbeats (a minute at the default 15 s).
const TOKEN_CHECK_EVERY: u32 = 4;

/// How long a heartbeat waits for a log this connection does not read to answer.
const WAITING_LOG_PROBE: Duration = Duration::from_secs(1);

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
    clusters: Arc<Clusters>,
    hubs: Arc<Hubs>,
    peer: Peer,
    since: Option<Since>,
    settings: ConnectionSettings,
) {
    let user = peer.user;
    let presence = settings.presence.clone();
    presence.connected(user);
    let mut acks = Acks::default();
    let mut inbox = Inbox::new(hubs.first().queue_capacity());
    let closer = inbox.closer.clone();
    // Every hub there is, joined before the logs' heads are read (`open`).
    let joined: Vec<(Arc<Hub>, Registration)> = (0..hubs.logs())
        .filter_map(|log| hubs.of(LogId::of_cluster(log)))
        .map(|hub| (hub.clone(), hub.register(&inbox, user, &peer.token_hash)))
        .collect();
    let several_logs = hubs.logs() > 1;
    let outcome: Result<(), Stop> = async {
        let mut readers =
            open(&mut session, &closer, &clusters, &joined, &peer, since.as_ref(), &mut acks, several_logs).await?;
        let mut heartbeat = tokio::time::interval(settings.ping_interval);
        let mut beats: u32 = 0;
        let mut last_heard = Instant::now();
        let mut last_typing: HashMap<ChatId, Instant> = HashMap::new();
        loop {
            tokio::select! {
                biased;
                code = closer.closed() => return Err(Stop::Closed(code)),
                delivery = inbox.deliveries.recv() => {
                    // The inbox holds a sender of its own: its queue ends only with the connection.
                    let Some(delivery) = delivery else { return Err(Stop::Gone) };
                    let frame = match delivery {
                        Delivery::Event { log, envelope, frame } => {
                            let admitted = readers.subscription_mut(log).is_some_and(|reading| reading.admit(&envelope));
                            if admitted {
                                acks.sent(log, &envelope);
                                // Presence comes through the first hub, which hears of joins in
                                // its own log only.
                                if !log.is_first() && envelope.joined.contains(&user)
                                    && let Some((first, registration)) = joined.first()
                                {
                                    first.index_chat(registration.id, envelope.chat_id);
                                }
                            }
                            match admitted {
                                // The frame's token names its own log only; this reader's
                                // place in the others goes in beside it.
                                true if several_logs => Some(frames::with_resume(&frame, &readers.token()).into()),
                                true => Some(frame),
                                false => None,
                            }
                        }
                        Delivery::Typing { chat_id, user_id, frame } => {
                            readers.subscriptions().any(|reading| reading.sees_typing(chat_id, user_id)).then_some(frame)
                        }
                        Delivery::Presence { chats, user_id, frame } => {
                            readers.subscriptions().any(|reading| reading.sees_presence(&chats, user_id)).then_some(frame)
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
                            let reply = on_client_frame(&clusters, &readers, &mut last_typing, &mut acks, &text).await;
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
                _ = until(acks.due()) => acks.record(&clusters, user),
                _ = heartbeat.tick() => {
                    if last_heard.elapsed() > settings.idle_timeout {
                        return Err(Stop::Closed(CloseCode::IdleTimeout));
                    }
                    beats = beats.wrapping_add(1);
                    if beats.is_multiple_of(TOKEN_CHECK_EVERY) {
                        if !token_still_valid(clusters.directory(), &peer).await {
                            return Err(Stop::Closed(CloseCode::Unauthorized));
                        }
                        if a_waiting_log_answers(&clusters, &hubs, &readers).await {
                            return Err(Stop::Closed(CloseCode::GoingAway));
                        }
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
        acks.record(&clusters, user);
    }
    presence.disconnected(user);
    // Only now: shutdown waits for this, so the close frame goes out before the server stops.
    for (hub, registration) in joined {
        hub.unregister(registration.id);
    }
}

/// `ready`, then the replay after `since`, up to where live delivery takes over in each log it
/// follows (one whose hub it joined and whose head answers); then the joined hubs offer it its
/// chats' events. Answers the readers that live delivery goes on with.
#[allow(clippy::too_many_arguments)]
async fn open(
    session: &mut Session,
    closer: &Closer,
    clusters: &Clusters,
    joined: &[(Arc<Hub>, Registration)],
    peer: &Peer,
    since: Option<&Since>,
    acks: &mut Acks,
    several_logs: bool,
) -> Result<LogReaders, Stop> {
    // Live delivery starts, in each log, after the hub's position or the log's published head,
    // whichever is further. A batch this process published may still be on its way to the hub,
    // carrying its events as they were when published; a message deleted since is redacted only
    // in the log, so the replay reads those events there, and the hub's copies are not admitted.
    let heads = clusters.answering_heads().await.map_err(|_| Stop::Gone)?;
    let mut followed: Vec<Option<LogHead>> = vec![None; heads.len()];
    let mut until: Vec<Option<i64>> = vec![None; heads.len()];
    for (hub, registration) in joined {
        let log = usize::from(hub.log().0);
        let Some(head) = heads.get(log).copied().flatten() else { continue };
        // A log of another history than the hub's (the database restored under this process,
        // which stops within a second): no position here means anything in it. Another process
        // will serve the client.
        if head.epoch != hub.epoch() || registration.position > head.seq {
            return Err(Stop::Closed(CloseCode::GoingAway));
        }
        followed[log] = Some(head);
        until[log] = Some(registration.position.max(head.seq));
    }
    // Where live delivery starts: each followed log's end; the others where `since` had them,
    // to be read from there once they are followed (the client reconnects for that).
    let named = |log: usize| match since {
        Some(Since::Token(token)) => token.position_in(LogId::of_cluster(log)),
        _ => None,
    };
    let positions = followed.iter().zip(&until).enumerate().filter_map(|(log, (head, until))| match (head, until) {
        (Some(head), Some(seq)) => Some(LogPosition { log: LogId::of_cluster(log), epoch: head.epoch, seq: *seq }),
        _ => named(log),
    });
    let live = ResumeToken::new(positions.collect()).ok_or(Stop::Gone)?;
    let first = until.first().copied().flatten().unwrap_or_default();
    send(session, closer, frames::ready(peer.user, first, &live)).await?;
    let (user, scope) = (peer.user, &peer.scope);
    let mut readers = match clusters.readers_within(&followed, user, since, scope).await.map_err(|_| Stop::Gone)? {
        Resumed::At(readers) => readers,
        Resumed::ResyncRequired { .. } => {
            send(session, closer, frames::resync_required()).await?;
            // The client reloads what it shows; live delivery goes on from `live`.
            let live = Since::Token(live);
            match clusters.readers_within(&followed, user, Some(&live), scope).await.map_err(|_| Stop::Gone)? {
                Resumed::At(readers) => readers,
                Resumed::ResyncRequired { .. } => return Err(Stop::Closed(CloseCode::GoingAway)),
            }
        }
    };
    // A followed log whose subscription could not be read (its cluster went away just now):
    // its hub would hand over events no reader admits.
    if !readers.reads_every(&until) {
        return Err(Stop::Gone);
    }
    replay(session, closer, clusters, &mut readers, acks, &ReplayEnd { until: &until, several_logs }).await?;
    // Live delivery takes over after each log's end (or after the reader's position, when further).
    for (log, until) in until.iter().enumerate() {
        if let (Some(until), Some(reading)) = (until, readers.subscription_mut(LogId::of_cluster(log))) {
            reading.pass_to(*until);
        }
    }
    // Every hub indexes all of the user's chats: presence comes through the first, typing
    // through the chat's cluster.
    let chats: Vec<ChatId> = readers.subscriptions().flat_map(Subscription::chats).collect();
    for (hub, registration) in joined {
        hub.activate(registration.id, chats.iter().copied());
    }
    Ok(readers)
}

/// Whether a log this connection does not read now has a hub and answers. The connection then
/// closes with "going away": the client's reconnect (with its token, which kept that log's
/// position) reads the log from there.
async fn a_waiting_log_answers(clusters: &Clusters, hubs: &Hubs, readers: &LogReaders) -> bool {
    let waiting = clusters.all().iter().enumerate().filter(|(number, _)| {
        let log = LogId::of_cluster(*number);
        readers.subscription(log).is_none() && hubs.of(log).is_some()
    });
    // All at once, within one bound: the inbox is not read meanwhile.
    let probes = waiting.map(|(_, store)| store.log_head());
    let answers = tokio::time::timeout(WAITING_LOG_PROBE, futures_util::future::join_all(probes)).await;
    answers.is_ok_and(|answers| answers.iter().any(Result::is_ok))
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
