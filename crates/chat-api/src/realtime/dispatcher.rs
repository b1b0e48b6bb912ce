//! Background tasks of the real-time path: the listener (LISTEN/NOTIFY wake-ups, typing and token
//! revocations, reconnecting), the pump (`pump.rs`: publish, then hand new seqs to the hub), the
//! receipt publisher and retention.

use super::frames;
use super::hub::{Delivery, Hub};
use super::pump::{self, Announced};
use chat_domain::{ChatId, UserId};
use chat_store::Store;
use chat_store::listener::{self, Notification};
use futures_util::StreamExt as _;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

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
    let announced = Arc::new(Announced::default());
    tokio::spawn(listen(settings.database_url.clone(), store.clone(), hub.clone(), announced.clone()));
    tokio::spawn(pump::pump_forever(store.clone(), hub, announced, settings.safety_tick));
    tokio::spawn(publish_receipts(store.clone()));
    tokio::spawn(retain(store, settings.event_retention, settings.idempotency_retention));
}

/// `receipt.updated` for the chats whose markers moved, once a second: a group whose members all
/// acknowledge gets one event a second, not one per member.
async fn publish_receipts(store: Store) {
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(error) = store.publish_receipts().await {
            tracing::warn!(%error, "publishing receipts failed");
        }
    }
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
struct PresenceNotice {
    user_id: UserId,
    #[serde(flatten)]
    presence: chat_domain::Presence,
}

#[derive(Deserialize)]
struct TypingNotice {
    chat_id: ChatId,
    user_id: UserId,
}

fn on_notification(store: &Store, hub: &Arc<Hub>, announced: &Announced, notification: Notification) {
    match notification.channel.as_str() {
        listener::TYPING => {
            if let Ok(notice) = serde_json::from_str::<TypingNotice>(&notification.payload) {
                let frame = frames::typing(notice.chat_id, notice.user_id).into();
                hub.publish([Delivery::Typing { chat_id: notice.chat_id, user_id: notice.user_id, frame }]);
            }
        }
        listener::PRESENCE => {
            if let Ok(notice) = serde_json::from_str::<PresenceNotice>(&notification.payload) {
                let (store, hub) = (store.clone(), hub.clone());
                tokio::spawn(async move { offer_presence(&store, &hub, notice).await });
            }
        }
        listener::TOKENS_REVOKED => store.token_revoked(&notification.payload),
        _ => match notification.payload.parse::<i64>() {
            Ok(head) => announced.announce(head),
            Err(_) => announced.read_everything(),
        },
    }
}

/// Groups larger than this get no `presence.updated`: a user coming online would be one frame
/// to each member, and all of them n² (a group of 5,000 connecting: 25 million frames). Their
/// members read presence from the member list.
const PRESENCE_GROUP_LIMIT: i64 = 100;

/// Offers `presence.updated` to this process's connections in the user's chats of at most
/// `PRESENCE_GROUP_LIMIT` members.
async fn offer_presence(store: &Store, hub: &Hub, notice: PresenceNotice) {
    match store.small_chats_of(notice.user_id, PRESENCE_GROUP_LIMIT).await {
        Ok(chats) => {
            let frame = frames::presence(notice.user_id, notice.presence).into();
            hub.publish([Delivery::Presence { chats: chats.into(), user_id: notice.user_id, frame }]);
        }
        Err(error) => tracing::warn!(%error, "presence: reading the user's chats failed"),
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
