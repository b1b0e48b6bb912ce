//! Background tasks of the real-time path: the listener (LISTEN/NOTIFY wake-ups, reconnecting),
//! the pump (publish committed events, read new seqs, hand them to the hub) and retention.

use super::frames;
use super::hub::{Delivery, Hub};
use chat_domain::{ChatId, UserId};
use chat_store::listener::{self, Notification};
use chat_store::{Store, StoreResult};
use futures_util::StreamExt as _;
use serde::Deserialize;
use std::sync::Arc;
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

/// Starts the tasks on the current runtime; they run as long as the process.
pub fn spawn(store: Store, hub: Arc<Hub>, settings: DispatchSettings) {
    let wake = Arc::new(Notify::new());
    tokio::spawn(listen(settings.database_url.clone(), hub.clone(), wake.clone()));
    tokio::spawn(pump_forever(store.clone(), hub, wake, settings.safety_tick));
    tokio::spawn(retain(store, settings.event_retention, settings.idempotency_retention));
}

async fn listen(database_url: String, hub: Arc<Hub>, wake: Arc<Notify>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match listener::listen(&database_url).await {
            Ok(notifications) => {
                backoff = Duration::from_millis(100);
                // Anything that happened while not listening is caught up now.
                wake.notify_one();
                let mut notifications = std::pin::pin!(notifications);
                while let Some(notification) = notifications.next().await {
                    on_notification(&hub, &wake, notification);
                }
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

fn on_notification(hub: &Hub, wake: &Notify, notification: Notification) {
    if notification.channel == listener::TYPING {
        if let Ok(notice) = serde_json::from_str::<TypingNotice>(&notification.payload) {
            let frame = frames::typing(notice.chat_id, notice.user_id).into();
            hub.publish([Delivery::Typing { chat_id: notice.chat_id, user_id: notice.user_id, frame }]);
        }
    } else {
        wake.notify_one();
    }
}

async fn pump_forever(store: Store, hub: Arc<Hub>, wake: Arc<Notify>, safety_tick: Duration) {
    loop {
        if let Err(error) = pump(&store, &hub).await {
            tracing::warn!(%error, "event pump failed; retrying");
        }
        let _ = tokio::time::timeout(safety_tick, wake.notified()).await;
    }
}

/// Sequences whatever committed, then hands every new seq to the hub, in order.
pub async fn pump(store: &Store, hub: &Hub) -> StoreResult<()> {
    while store.publish_pending(BATCH).await? == BATCH as usize {}
    loop {
        let events = store.events_after(hub.position(), BATCH).await?;
        let done = events.len() < BATCH as usize;
        hub.publish(events.iter().map(|event| Delivery::Event {
            envelope: Arc::new(event.envelope.clone()),
            frame: frames::event(event).into(),
        }));
        if done {
            return Ok(());
        }
    }
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
