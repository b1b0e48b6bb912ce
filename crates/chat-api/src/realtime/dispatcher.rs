//! Background tasks of the real-time path: the listener (LISTEN/NOTIFY wake-ups and token
//! revocations, reconnecting),
//! the pump (publish what this process committed, read new seqs from every process, hand them to
//! the hub) and retention.

use super::frames;
use super::hub::{Delivery, Hub};
use chat_domain::{ChatId, UserId};
use chat_store::listener::{self, Notification};
use chat_store::{PublishedEvent, Store, StoreResult};
use futures_util::StreamExt as _;
use serde::Deserialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

const BATCH: i64 = 500;

/// How the background tasks are paced.
#[derive(Clone, Debug)]
pub struct DispatchSettings {
    pub database_url: String,
    /// The pump runs at least this often, even without a wake-up.
    pub safety_tick: Duration,
    pub event_retention: Duration,
    pub idempotency_retention: Duration,
}

/// What the listener heard for the pump: the newest seq any process announced, whether the
/// table must be read whatever the head (after reconnecting, notifications may have been lost),
/// and a wake-up.
#[derive(Debug, Default)]
struct Announced {
    head: AtomicI64,
    read_anyway: AtomicBool,
    wake: Notify,
}

impl Announced {
    fn read_everything(&self) {
        self.read_anyway.store(true, Ordering::Relaxed);
        self.wake.notify_one();
    }
}

/// Starts the tasks on the current runtime; they run as long as the process.
pub fn spawn(store: Store, hub: Arc<Hub>, settings: DispatchSettings) {
    let announced = Arc::new(Announced::default());
    tokio::spawn(listen(settings.database_url.clone(), store.clone(), hub.clone(), announced.clone()));
    tokio::spawn(pump_forever(store.clone(), hub, announced, settings.safety_tick));
    tokio::spawn(retain(store, settings.event_retention, settings.idempotency_retention));
}

async fn listen(database_url: String, store: Store, hub: Arc<Hub>, announced: Arc<Announced>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match listener::listen(&database_url).await {
            Ok(notifications) => {
                backoff = Duration::from_millis(100);
                // Anything published while not listening is caught up now.
                announced.read_everything();
                store.hearing_revocations(true);
                let mut notifications = std::pin::pin!(notifications);
                while let Some(notification) = notifications.next().await {
                    on_notification(&store, &hub, &announced, notification);
                }
                store.hearing_revocations(false);
                tracing::warn!("event listener connection lost; reconnecting");
            }
            Err(error) => tracing::warn!(%error, "event listener cannot connect"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

#[derive(Deserialize)]
struct TypingNotice {
    chat_id: ChatId,
    user_id: UserId,
}

fn on_notification(store: &Store, hub: &Hub, announced: &Announced, notification: Notification) {
    match notification.channel.as_str() {
        listener::TYPING => {
            if let Ok(notice) = serde_json::from_str::<TypingNotice>(&notification.payload) {
                let frame = frames::typing(notice.chat_id, notice.user_id).into();
                hub.publish([Delivery::Typing { chat_id: notice.chat_id, user_id: notice.user_id, frame }]);
            }
        }
        listener::TOKENS_REVOKED => store.token_revoked(&notification.payload),
        _ => match notification.payload.parse::<i64>() {
            Ok(head) => {
                announced.head.fetch_max(head, Ordering::Relaxed);
                announced.wake.notify_one();
            }
            Err(_) => announced.read_everything(),
        },
    }
}

/// Publishes after this process's own commits (and on every tick, which also covers a process
/// that died between commit and publish), and reads from the table what other processes
/// published. What this process publishes goes to its hub as it comes back from the publish;
/// the table is read only when a newer seq was announced, or on the tick.
async fn pump_forever(store: Store, hub: Arc<Hub>, announced: Arc<Announced>, safety_tick: Duration) {
    let (mut must_publish, mut must_read) = (true, true);
    loop {
        let outcome = async {
            if must_publish {
                loop {
                    let batch = store.publish_pending(BATCH).await?;
                    let first = batch.first().map(|event| event.envelope.seq);
                    // Only a batch that follows the hub's position directly: it must never skip a seq.
                    if first.is_some_and(|first| first == hub.position() + 1) {
                        deliver(&hub, &batch);
                    } else if first.is_some() {
                        must_read = true;
                    }
                    if batch.len() < BATCH as usize {
                        break;
                    }
                }
            }
            let read_anyway = announced.read_anyway.swap(false, Ordering::Relaxed);
            if must_read || read_anyway || announced.head.load(Ordering::Relaxed) > hub.position() {
                read_and_deliver(&store, &hub).await?;
            }
            StoreResult::Ok(())
        };
        must_read = match outcome.await {
            Ok(()) => false,
            Err(error) => {
                tracing::warn!(%error, "event pump failed; retrying");
                true
            }
        };
        tokio::select! {
            () = store.events_written() => must_publish = true,
            () = announced.wake.notified() => {}
            () = tokio::time::sleep(safety_tick) => (must_publish, must_read) = (true, true),
        }
    }
}

/// Hands every seq after the hub's position to the hub, in order, from the table.
async fn read_and_deliver(store: &Store, hub: &Hub) -> StoreResult<()> {
    loop {
        let events = store.events_after(hub.position(), BATCH).await?;
        deliver(hub, &events);
        if events.len() < BATCH as usize {
            return Ok(());
        }
    }
}

fn deliver(hub: &Hub, events: &[PublishedEvent]) {
    hub.publish(events.iter().map(|event| Delivery::Event {
        envelope: Arc::new(event.envelope.clone()),
        frame: frames::event(event).into(),
    }));
}

async fn retain(store: Store, event_retention: Duration, idempotency_retention: Duration) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        every.tick().await;
        match store.prune_events(event_retention).await {
            Ok(pruned) if pruned > 0 => tracing::info!(pruned, "old events pruned"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "event pruning failed"),
        }
        if let Err(error) = store.prune_idempotency_keys(idempotency_retention).await {
            tracing::warn!(%error, "idempotency key pruning failed");
        }
    }
}
