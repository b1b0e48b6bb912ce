//! Workers of the real-time path: the listener (LISTEN/NOTIFY wake-ups, typing and token
//! revocations, reconnecting), the pump (`pump.rs`: publish, then hand new seqs to the hub), the
//! receipt publisher and retention.

use super::frames::{self, CloseCode};
use super::hub::{Delivery, Hub};
use super::pump::{self, Announced};
use crate::workers::Worker;
use chat_domain::{Presence, UserId};
use chat_store::{Notice, Store, StoreResult};
use futures_util::{Stream, StreamExt as _};
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// How the dispatcher's workers are paced, and how long what retention prunes is kept (besides
/// events, whose retention an operator sets: `RealtimeConfig::event_retention`).
#[derive(Clone, Debug)]
pub struct DispatchSettings {
    /// The pump publishes and reads at least this often even without a wake-up: the longest an
    /// event waits whose notification was lost, or whose process died between commit and publish.
    pub safety_tick: Duration,
    /// How often `receipt.updated` goes out for the chats whose read markers moved: a group whose
    /// members all acknowledge gets one event this often, not one per member.
    pub receipt_period: Duration,
    /// How often retention prunes old events and idempotency keys (and reports' evidence).
    pub retention_period: Duration,
    /// How long an idempotency key is remembered: a retry after that is a new request.
    pub idempotency_retention: Duration,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        Self {
            safety_tick: Duration::from_secs(1),
            receipt_period: Duration::from_secs(1),
            retention_period: Duration::from_secs(600),
            idempotency_retention: Duration::from_secs(48 * 3600),
        }
    }
}

/// The listener's first wait before it connects again; doubled after each failure, up to
/// `RECONNECT_LONGEST`.
const RECONNECT_FIRST: Duration = Duration::from_millis(100);
const RECONNECT_LONGEST: Duration = Duration::from_secs(5);

/// The notices of a LISTEN already made.
pub struct Subscription(Pin<Box<dyn Stream<Item = Notice> + Send>>);

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Subscription")
    }
}

/// LISTENs for notices. Start-up does this once before the server accepts its first connection:
/// presence and typing notices are not in the event log, so one sent before this process listens
/// never reaches its sockets.
pub async fn subscribe(store: &Store) -> StoreResult<Subscription> {
    Ok(Subscription(Box::pin(store.listen().await?)))
}

/// The listener (starting from `subscribed`, if start-up made one), the pump, the receipt
/// publisher and retention, to run for as long as the process.
pub fn workers(
    store: &Store,
    hub: &Arc<Hub>,
    subscribed: Option<Subscription>,
    event_retention: Duration,
    settings: &DispatchSettings,
) -> Vec<Worker> {
    let announced = Arc::new(Announced::default());
    vec![
        Worker::new("event listener", listen(store.clone(), hub.clone(), announced.clone(), subscribed)),
        Worker::ending(
            "event pump",
            pump::pump_until_replaced(store.clone(), hub.clone(), announced, settings.safety_tick),
        ),
        Worker::new("receipt publisher", publish_receipts(store.clone(), settings.receipt_period)),
        Worker::new(
            "retention",
            retain(store.clone(), settings.retention_period, event_retention, settings.idempotency_retention),
        ),
    ]
}

/// `receipt.updated` for the chats whose markers moved, every `period`.
async fn publish_receipts(store: Store, period: Duration) -> Infallible {
    let mut every = tokio::time::interval(period);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(error) = store.publish_receipts().await {
            tracing::warn!(%error, "publishing receipts failed");
        }
    }
}

async fn listen(
    store: Store,
    hub: Arc<Hub>,
    announced: Arc<Announced>,
    mut subscribed: Option<Subscription>,
) -> Infallible {
    let mut backoff = RECONNECT_FIRST;
    let mut lost = false;
    loop {
        let subscription = match subscribed.take() {
            Some(subscription) => Ok(subscription),
            None => subscribe(&store).await,
        };
        match subscription {
            Ok(Subscription(mut notices)) => {
                backoff = RECONNECT_FIRST;
                // Anything published while not listening is caught up now.
                announced.read_everything();
                store.hearing_revocations(true);
                // Presence notices are not: the clients read presence again.
                if lost {
                    hub.publish([Delivery::PresenceStale { frame: frames::presence_stale().into() }]);
                }
                while let Some(notice) = notices.next().await {
                    on_notice(&store, &hub, &announced, notice);
                }
                store.hearing_revocations(false);
                lost = true;
                tracing::warn!("event listener connection lost; reconnecting");
            }
            Err(error) => tracing::warn!(%error, "event listener cannot connect"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(RECONNECT_LONGEST);
    }
}

fn on_notice(store: &Store, hub: &Arc<Hub>, announced: &Announced, notice: Notice) {
    match notice {
        Notice::EventsPublished { head: Some(head) } => announced.announce(head),
        Notice::EventsPublished { head: None } => announced.read_everything(),
        Notice::Typing { chat_id, user_id } => {
            let frame = frames::typing(chat_id, user_id).into();
            hub.publish([Delivery::Typing { chat_id, user_id, frame }]);
        }
        Notice::Presence { user_id, presence } => {
            let (store, hub) = (store.clone(), hub.clone());
            tokio::spawn(async move { offer_presence(&store, &hub, user_id, presence).await });
        }
        Notice::TokenRevoked { token_hash } => {
            store.token_revoked(token_hash.as_deref());
            // Without a readable hash, the sockets' own token checks find it.
            if let Some(token_hash) = token_hash {
                hub.close_token(&token_hash, CloseCode::Unauthorized);
            }
        }
    }
}

/// Groups larger than this get no `presence.updated`: a user coming online would be one frame
/// to each member, and all of them n² (a group of 5,000 connecting: 25 million frames). Their
/// members read presence from the member list.
const PRESENCE_GROUP_LIMIT: i64 = 100;

/// Offers `presence.updated` to this process's connections in the user's chats of at most
/// `PRESENCE_GROUP_LIMIT` members.
async fn offer_presence(store: &Store, hub: &Hub, user_id: UserId, presence: Presence) {
    match store.small_chats_of(user_id, PRESENCE_GROUP_LIMIT).await {
        Ok(chats) => {
            let frame = frames::presence(user_id, presence).into();
            hub.publish([Delivery::Presence { chats: chats.into(), user_id, frame }]);
        }
        Err(error) => tracing::warn!(%error, "presence: reading the user's chats failed"),
    }
}

/// How long a resolved report keeps the reported message's text (API.md, "Reports").
const REPORT_EVIDENCE_KEPT: Duration = Duration::from_secs(90 * 24 * 3600);

async fn retain(
    store: Store,
    period: Duration,
    event_retention: Duration,
    idempotency_retention: Duration,
) -> Infallible {
    let mut every = tokio::time::interval(period);
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
        if let Err(error) = store.prune_report_evidence(REPORT_EVIDENCE_KEPT).await {
            tracing::warn!(%error, "report evidence pruning failed");
        }
    }
}
