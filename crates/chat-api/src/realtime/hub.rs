//! This process's fan-out: each published event goes, in seq order, to the bounded queue of every
//! local connection that may need it: those whose user is in the event's chat (an index by chat),
//! those joining or leaving through it, and those still replaying (which get everything until they
//! know their chats). The index may hold more chats than a user is in (leaves are not removed);
//! each connection's `Subscription` makes the exact decision. A queue that overflows closes its
//! connection, so a slow reader never slows the others.

use super::frames::CloseCode;
use bytestring::ByteString;
use chat_domain::{ChatId, EventEnvelope, LogId, UserId};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{Notify, mpsc, watch};

/// What a connection's queue carries.
#[derive(Clone, Debug)]
pub enum Delivery {
    // Frames are serialised once and shared: a clone is a reference count, not a copy.
    Event {
        /// The log the event is of (its hub's).
        log: LogId,
        envelope: Arc<EventEnvelope>,
        frame: ByteString,
    },
    Typing {
        chat_id: ChatId,
        user_id: UserId,
        frame: ByteString,
    },
    /// `user_id`'s presence, for the connections of users who share one of `chats` with them.
    Presence {
        chats: Arc<[ChatId]>,
        user_id: UserId,
        frame: ByteString,
    },
    /// `presence.stale`, for every connection: this process may have missed presence notices.
    PresenceStale {
        frame: ByteString,
    },
}

/// Tells a connection to close, and why.
#[derive(Debug, Default)]
pub struct Closer {
    code: AtomicU16,
    notify: Notify,
}

impl Closer {
    /// Tells the connection to close with `code`, unless it was told already: the first reason
    /// stands (several hubs may each tell it).
    pub fn close(&self, code: CloseCode) {
        let _ = self.code.compare_exchange(0, code as u16, Ordering::Relaxed, Ordering::Relaxed);
        self.notify.notify_one();
    }

    /// Resolves once `close` was called; returns the code.
    pub async fn closed(&self) -> CloseCode {
        self.notify.notified().await;
        CloseCode::from_u16(self.code.load(Ordering::Relaxed)).unwrap_or(CloseCode::GoingAway)
    }
}

/// Where a connection's deliveries arrive, from every hub it joined (one per cluster's log, each
/// in its log's order), and how any of them tells it to close: one queue, so that one bound
/// holds what a slow reader may keep waiting.
#[derive(Debug)]
pub struct Inbox {
    pub deliveries: mpsc::Receiver<Delivery>,
    queue: mpsc::Sender<Delivery>,
    pub closer: Arc<Closer>,
}

impl Inbox {
    pub fn new(capacity: usize) -> Self {
        let (queue, deliveries) = mpsc::channel(capacity);
        Self { deliveries, queue, closer: Arc::default() }
    }
}

/// A connection's place in one hub.
#[derive(Clone, Copy, Debug)]
pub struct Registration {
    pub id: u64,
    /// Live deliveries of this hub's log start after this seq.
    pub position: i64,
}

#[derive(Debug)]
struct Slot {
    queue: mpsc::Sender<Delivery>,
    closer: Arc<Closer>,
    user: UserId,
    /// The hash of the token it was opened with.
    token_hash: Vec<u8>,
    /// `None` while the connection replays: it is offered every event.
    chats: Option<HashSet<ChatId>>,
    /// Chats its user joined while it replayed.
    joined_meanwhile: HashSet<ChatId>,
}

#[derive(Debug, Default)]
struct Inner {
    position: i64,
    next_id: u64,
    slots: HashMap<u64, Slot>,
    by_chat: HashMap<ChatId, HashSet<u64>>,
    by_user: HashMap<UserId, HashSet<u64>>,
    replaying: HashSet<u64>,
}

impl Inner {
    fn remove(&mut self, id: u64) -> Option<Slot> {
        let slot = self.slots.remove(&id)?;
        self.replaying.remove(&id);
        if let Some(ids) = self.by_user.get_mut(&slot.user) {
            ids.remove(&id);
        }
        for chat in slot.chats.iter().flatten() {
            if let Some(ids) = self.by_chat.get_mut(chat) {
                ids.remove(&id);
            }
        }
        Some(slot)
    }

    fn add_chat(&mut self, id: u64, chat: ChatId) {
        let Some(slot) = self.slots.get_mut(&id) else { return };
        match &mut slot.chats {
            Some(chats) => {
                chats.insert(chat);
                self.by_chat.entry(chat).or_default().insert(id);
            }
            None => {
                slot.joined_meanwhile.insert(chat);
            }
        }
    }

    /// Who is offered a delivery about `chat` (joining `joined`, or removing `left`).
    fn targets(&mut self, chat: ChatId, joined: &[UserId], left: Option<UserId>) -> HashSet<u64> {
        for user in joined {
            let ids: Vec<u64> = self.by_user.get(user).into_iter().flatten().copied().collect();
            for id in ids {
                self.add_chat(id, chat);
            }
        }
        let mut targets: HashSet<u64> = self.replaying.clone();
        targets.extend(self.by_chat.get(&chat).into_iter().flatten());
        targets.extend(left.and_then(|user| self.by_user.get(&user)).into_iter().flatten());
        targets
    }
}

#[derive(Debug)]
pub struct Hub {
    inner: Mutex<Inner>,
    queue_capacity: usize,
    /// Connections registered and not yet finished (closing ones included).
    open: AtomicUsize,
    /// The last seq handed out, for workers that follow the log (push, webhooks) to wake on.
    published: watch::Sender<i64>,
    /// The epoch of the log it follows, as read at start-up: seqs of another epoch are another
    /// history, which this hub's position says nothing of.
    epoch: i64,
    /// Which cluster's log it follows.
    log: LogId,
}

impl Hub {
    pub fn new(position: i64, epoch: i64, queue_capacity: usize) -> Self {
        let inner = Mutex::new(Inner { position, ..Inner::default() });
        let published = watch::Sender::new(position);
        Self { inner, queue_capacity, open: AtomicUsize::new(0), published, epoch, log: LogId::FIRST }
    }

    /// This hub, following log `log` (a deployment of several clusters; the first otherwise).
    pub fn of_log(self, log: LogId) -> Self {
        Self { log, ..self }
    }

    /// The epoch of the log this hub follows.
    pub fn epoch(&self) -> i64 {
        self.epoch
    }

    /// The log this hub follows.
    pub fn log(&self) -> LogId {
        self.log
    }

    /// How many deliveries a connection's inbox holds.
    pub fn queue_capacity(&self) -> usize {
        self.queue_capacity
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The last seq handed to connections.
    pub fn position(&self) -> i64 {
        self.lock().position
    }

    /// Changes whenever new events have been handed out (to the newest seq): what workers that
    /// follow the log wait on, instead of polling the database.
    pub fn published_head(&self) -> watch::Receiver<i64> {
        self.published.subscribe()
    }

    /// Joins at the current position: everything after it is queued for this connection until it
    /// `activate`s with the chats it knows of.
    pub fn register(&self, inbox: &Inbox, user: UserId, token_hash: &[u8]) -> Registration {
        self.open.fetch_add(1, Ordering::Relaxed);
        let mut inner = self.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        let (queue, closer, token_hash) = (inbox.queue.clone(), inbox.closer.clone(), token_hash.to_vec());
        let slot = Slot { queue, closer, user, token_hash, chats: None, joined_meanwhile: HashSet::new() };
        inner.slots.insert(id, slot);
        inner.by_user.entry(user).or_default().insert(id);
        inner.replaying.insert(id);
        Registration { id, position: inner.position }
    }

    /// From now on, offer this connection only what concerns `chats` (and chats its user joins).
    pub fn activate(&self, id: u64, chats: impl IntoIterator<Item = ChatId>) {
        let mut inner = self.lock();
        let Some(slot) = inner.slots.get_mut(&id) else { return };
        let mut known: HashSet<ChatId> = std::mem::take(&mut slot.joined_meanwhile);
        known.extend(chats);
        slot.chats = Some(HashSet::new());
        inner.replaying.remove(&id);
        for chat in known {
            inner.add_chat(id, chat);
        }
    }

    /// Offers this connection what concerns `chat` from now on: a chat its user joined in
    /// another cluster's log, for this hub's presence.
    pub fn index_chat(&self, id: u64, chat: ChatId) {
        self.lock().add_chat(id, chat);
    }

    /// Called once per registration, when its connection has finished (close frame sent or not).
    pub fn unregister(&self, id: u64) {
        self.lock().remove(id);
        self.open.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn connections(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Waits until every connection has finished, or `patience` has passed (shutdown).
    pub async fn drained(&self, patience: std::time::Duration) {
        let deadline = tokio::time::Instant::now() + patience;
        while self.connections() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Hands out events in seq order; events at or before the position are ignored.
    pub fn publish(&self, events: impl IntoIterator<Item = Delivery>) {
        let position = self.hand_out(events);
        self.published.send_if_modified(|head| std::mem::replace(head, position) != position);
    }

    /// `publish`'s work under the lock; returns the position after it.
    fn hand_out(&self, events: impl IntoIterator<Item = Delivery>) -> i64 {
        let mut inner = self.lock();
        for delivery in events {
            let targets = match &delivery {
                Delivery::Event { envelope, .. } => {
                    if envelope.seq <= inner.position {
                        continue;
                    }
                    inner.position = envelope.seq;
                    inner.targets(envelope.chat_id, &envelope.joined, envelope.left)
                }
                Delivery::Typing { chat_id, .. } => inner.targets(*chat_id, &[], None),
                // Replaying connections too: their clients may have read presence already.
                Delivery::Presence { chats, .. } => {
                    let mut targets: HashSet<u64> = inner.replaying.clone();
                    targets.extend(chats.iter().flat_map(|chat| inner.by_chat.get(chat).into_iter().flatten()));
                    targets
                }
                Delivery::PresenceStale { .. } => inner.slots.keys().copied().collect(),
            };
            for id in targets {
                let Some(slot) = inner.slots.get(&id) else { continue };
                match slot.queue.try_send(delivery.clone()) {
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        slot.closer.close(CloseCode::SlowConsumer);
                        inner.remove(id);
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => {
                        inner.remove(id);
                    }
                }
            }
        }
        inner.position
    }

    /// Closes the connections opened with a token that was revoked (a logout, a suspension, a
    /// bot's new token), as soon as this process hears of it rather than at their next token
    /// check. Revocations are rare beside messages, so the connections are scanned, not indexed.
    pub fn close_token(&self, token_hash: &[u8], code: CloseCode) {
        let mut inner = self.lock();
        let ids: Vec<u64> =
            inner.slots.iter().filter(|(_, slot)| slot.token_hash == token_hash).map(|(id, _)| *id).collect();
        for id in ids {
            if let Some(slot) = inner.remove(id) {
                slot.closer.close(code);
            }
        }
    }

    /// Closes every connection (shutdown).
    pub fn close_all(&self, code: CloseCode) {
        let mut inner = self.lock();
        let ids: Vec<u64> = inner.slots.keys().copied().collect();
        for id in ids {
            if let Some(slot) = inner.remove(id) {
                slot.closer.close(code);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_domain::EventKind;

    fn event(seq: i64, chat: i64, joined: &[i64], left: Option<i64>) -> Delivery {
        let envelope = EventEnvelope {
            seq,
            chat_id: ChatId(chat),
            kind: EventKind::MessageCreated,
            message_id: None,
            joined: joined.iter().copied().map(UserId).collect(),
            left: left.map(UserId),
        };
        Delivery::Event { log: LogId::FIRST, envelope: Arc::new(envelope), frame: ByteString::from_static("{}") }
    }

    /// A connection's registration and inbox, as the tests look at them.
    struct Joined {
        id: u64,
        deliveries: mpsc::Receiver<Delivery>,
        closer: Arc<Closer>,
    }

    fn join(hub: &Hub, user: UserId, token_hash: &[u8]) -> Joined {
        let inbox = Inbox::new(hub.queue_capacity());
        let Registration { id, .. } = hub.register(&inbox, user, token_hash);
        Joined { id, deliveries: inbox.deliveries, closer: inbox.closer }
    }

    fn seqs(registration: &mut Joined) -> Vec<i64> {
        let mut seqs = Vec::new();
        while let Ok(Delivery::Event { envelope, .. }) = registration.deliveries.try_recv() {
            seqs.push(envelope.seq);
        }
        seqs
    }

    #[test]
    fn followers_of_the_log_see_the_head_move_and_nothing_else() {
        let hub = Hub::new(7, 1, 16);
        let mut head = hub.published_head();
        assert_eq!(*head.borrow_and_update(), 7);
        hub.publish([event(8, 10, &[], None), event(9, 20, &[], None)]);
        assert!(head.has_changed().unwrap());
        assert_eq!(*head.borrow_and_update(), 9);
        hub.publish([event(9, 20, &[], None)]);
        assert!(!head.has_changed().unwrap(), "a repeated seq is no news");
    }

    #[test]
    fn connections_are_offered_their_chats_joins_and_removals() {
        let hub = Hub::new(0, 1, 16);
        let mut ann = join(&hub, UserId(1), b"ann");
        let mut replaying = join(&hub, UserId(2), b"bob");
        hub.activate(ann.id, [ChatId(10)]);
        hub.publish([event(1, 10, &[], None), event(2, 20, &[], None), event(3, 30, &[1], None)]);
        hub.publish([event(4, 30, &[], None), event(5, 30, &[], Some(1)), event(5, 10, &[], None)]);
        assert_eq!(seqs(&mut ann), [1, 3, 4, 5], "chat 20 is not hers; a repeated seq is ignored");
        assert_eq!(seqs(&mut replaying), [1, 2, 3, 4, 5], "a replaying connection gets everything");
    }

    #[test]
    fn joins_while_replaying_are_remembered_and_a_full_queue_closes() {
        let hub = Hub::new(0, 1, 2);
        let mut bob = join(&hub, UserId(2), b"bob");
        hub.publish([event(1, 40, &[2], None)]);
        hub.activate(bob.id, []);
        assert_eq!(seqs(&mut bob), [1]);
        hub.publish([event(2, 40, &[], None), event(3, 40, &[], None), event(4, 40, &[], None)]);
        assert_eq!(hub.lock().slots.len(), 0, "the overflowing connection was dropped");
        assert_eq!(bob.closer.code.load(Ordering::Relaxed), CloseCode::SlowConsumer as u16);
    }

    fn presence(user: i64, chats: &[i64]) -> Delivery {
        let chats: Arc<[ChatId]> = chats.iter().copied().map(ChatId).collect();
        Delivery::Presence { chats, user_id: UserId(user), frame: ByteString::from_static("{}") }
    }

    fn presences(registration: &mut Joined) -> Vec<i64> {
        let mut users = Vec::new();
        while let Ok(Delivery::Presence { user_id, .. }) = registration.deliveries.try_recv() {
            users.push(user_id.0);
        }
        users
    }

    /// A client reads presence over REST once it has `ready`, which comes before its replay: a
    /// change during the replay must still reach it (its subscription decides once it knows).
    #[test]
    fn presence_reaches_a_replaying_connection_and_an_active_one_in_a_shared_chat() {
        let hub = Hub::new(0, 1, 16);
        let mut ann = join(&hub, UserId(1), b"ann");
        let mut replaying = join(&hub, UserId(3), b"carol");
        hub.activate(ann.id, [ChatId(10)]);
        hub.publish([presence(2, &[10]), presence(4, &[20])]);
        assert_eq!(presences(&mut ann), [2], "only the chat she is in");
        assert_eq!(presences(&mut replaying), [2, 4], "a replaying connection gets every presence");
    }

    #[test]
    fn presence_gone_stale_reaches_every_connection() {
        let hub = Hub::new(0, 1, 16);
        let mut active = join(&hub, UserId(1), b"ann");
        let mut replaying = join(&hub, UserId(2), b"bob");
        hub.activate(active.id, [ChatId(10)]);
        hub.publish([Delivery::PresenceStale { frame: ByteString::from_static("{}") }]);
        for registration in [&mut active, &mut replaying] {
            assert!(matches!(registration.deliveries.try_recv(), Ok(Delivery::PresenceStale { .. })));
        }
    }

    #[test]
    fn a_revoked_token_closes_its_connections_and_no_other() {
        let hub = Hub::new(0, 1, 16);
        let (phone, laptop, other) =
            (join(&hub, UserId(1), b"t1"), join(&hub, UserId(1), b"t1"), join(&hub, UserId(1), b"t2"));
        hub.close_token(b"t1", CloseCode::Unauthorized);
        for closed in [&phone, &laptop] {
            assert_eq!(closed.closer.code.load(Ordering::Relaxed), CloseCode::Unauthorized as u16);
        }
        assert_eq!(other.closer.code.load(Ordering::Relaxed), 0, "another token's connection stays");
        assert_eq!(hub.lock().slots.len(), 1);
    }
}
