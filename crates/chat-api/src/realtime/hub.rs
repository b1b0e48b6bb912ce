//! This process's fan-out: every published event goes to every local connection's bounded queue,
//! in seq order; each connection keeps what its user may see. A queue that overflows closes its
//! connection, so a slow reader never slows the others.

use super::frames::CloseCode;
use chat_domain::{ChatId, EventEnvelope, UserId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{Notify, mpsc};

/// What a connection's queue carries.
#[derive(Clone, Debug)]
pub enum Delivery {
    Event { envelope: Arc<EventEnvelope>, frame: Arc<str> },
    Typing { chat_id: ChatId, user_id: UserId, frame: Arc<str> },
}

/// Tells a connection to close, and why.
#[derive(Debug, Default)]
pub struct Closer {
    code: AtomicU16,
    notify: Notify,
}

impl Closer {
    pub fn close(&self, code: CloseCode) {
        self.code.store(code as u16, Ordering::Relaxed);
        self.notify.notify_one();
    }

    /// Resolves once `close` was called; returns the code.
    pub async fn closed(&self) -> CloseCode {
        self.notify.notified().await;
        CloseCode::from_u16(self.code.load(Ordering::Relaxed)).unwrap_or(CloseCode::GoingAway)
    }
}

/// A connection's place in the hub.
#[derive(Debug)]
pub struct Registration {
    pub id: u64,
    /// Live deliveries start after this seq.
    pub position: i64,
    pub deliveries: mpsc::Receiver<Delivery>,
    pub closer: Arc<Closer>,
}

#[derive(Debug)]
struct Slot {
    queue: mpsc::Sender<Delivery>,
    closer: Arc<Closer>,
}

#[derive(Debug)]
struct Inner {
    position: i64,
    next_id: u64,
    slots: HashMap<u64, Slot>,
}

#[derive(Debug)]
pub struct Hub {
    inner: Mutex<Inner>,
    queue_capacity: usize,
    /// Connections registered and not yet finished (closing ones included).
    open: AtomicUsize,
}

impl Hub {
    pub fn new(position: i64, queue_capacity: usize) -> Self {
        let inner = Mutex::new(Inner { position, next_id: 0, slots: HashMap::new() });
        Self { inner, queue_capacity, open: AtomicUsize::new(0) }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The last seq handed to connections.
    pub fn position(&self) -> i64 {
        self.lock().position
    }

    /// Joins at the current position: everything after it will be queued for this connection.
    pub fn register(&self) -> Registration {
        let (queue, deliveries) = mpsc::channel(self.queue_capacity);
        let closer = Arc::new(Closer::default());
        self.open.fetch_add(1, Ordering::Relaxed);
        let mut inner = self.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        inner.slots.insert(id, Slot { queue, closer: closer.clone() });
        Registration { id, position: inner.position, deliveries, closer }
    }

    /// Called once per registration, when its connection has finished (close frame sent or not).
    pub fn unregister(&self, id: u64) {
        self.lock().slots.remove(&id);
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
        let mut inner = self.lock();
        for delivery in events {
            if let Delivery::Event { envelope, .. } = &delivery {
                if envelope.seq <= inner.position {
                    continue;
                }
                inner.position = envelope.seq;
            }
            inner.slots.retain(|_, slot| match slot.queue.try_send(delivery.clone()) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    slot.closer.close(CloseCode::SlowConsumer);
                    false
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            });
        }
    }

    /// Closes every connection (shutdown).
    pub fn close_all(&self, code: CloseCode) {
        for (_, slot) in self.lock().slots.drain() {
            slot.closer.close(code);
        }
    }
}
