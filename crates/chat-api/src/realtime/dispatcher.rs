//! Background tasks of the real-time path: the listener (LISTEN/NOTIFY wake-ups and token
//! revocations, reconnecting),
//! the pump (publish what this process committed, read new seqs from every process, hand them to
//! the hub) and retention.

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
    let published = Arc::new(Notify::new());
    tokio::spawn(listen(settings.database_url.clone(), store.clone(), hub.clone(), published.clone()));
    tokio::spawn(pump_forever(store.clone(), hub, published, settings.safety_tick));
    tokio::spawn(retain(store, settings.event_retention, settings.idempotency_retention));
}

async fn listen(database_url: String, store: Store, hub: Arc<Hub>, published: Arc<Notify>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match listener::listen(&database_url).await {
            Ok(notifications) => {
                backoff = Duration::from_millis(100);
                // Anything published while not listening is caught up now.
                published.notify_one();
                store.hearing_revocations(true);
                let mut notifications = std::pin::pin!(notifications);
                while let Some(notification) = notifications.next().await {
                    on_notification(&store, &hub, &published, notification);
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

fn on_notification(store: &Store, hub: &Hub, published: &Notify, notification: Notification) {
    match notification.channel.as_str() {
        listener::TYPING => {
            if let Ok(notice) = serde_json::from_str::<TypingNotice>(&notification.payload) {
                let frame = frames::typing(notice.chat_id, notice.user_id).into();
                hub.publish([Delivery::Typing { chat_id: notice.chat_id, user_id: notice.user_id, frame }]);
            }
        }
        listener::TOKENS_REVOKED => store.token_revoked(&notification.payload),
        _ => published.notify_one(),
    }
}

/// Publishes after this process's own commits (and on every tick, which also covers a process
/// that died between commit and publish), and dispatches whenever any process published.
async fn pump_forever(store: Store, hub: Arc<Hub>, published: Arc<Notify>, safety_tick: Duration) {
    let mut must_publish = true;
    loop {
        let outcome = async {
            if must_publish {
                while store.publish_pending(BATCH).await? == BATCH as usize {}
            }
            dispatch(&store, &hub).await
        };
        if let Err(error) = outcome.await {
            tracing::warn!(%error, "event pump failed; retrying");
        }
        tokio::select! {
            () = store.events_written() => must_publish = true,
            () = published.notified() => must_publish = false,
            () = tokio::time::sleep(safety_tick) => must_publish = true,
        }
    }
}

/// Hands every seq after the hub's position to the hub, in order.
async fn dispatch(store: &Store, hub: &Hub) -> StoreResult<()> {
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
