//! The delivery worker: plans deliveries from the event log, then sends what is due, one request
//! at a time per webhook, in order; woken by the hub's published head and a fallback tick.
//!
//! Guarantees (docs/ARCHITECTURE.md): every event of a chat is planned once for each webhook that
//! wants it (the log consumer's position moves in the planning transaction); a delivery is sent
//! until its receiver answers, is refused for good, or the retry window ends (at least once:
//! a process killed mid-request leaves its lease to expire and another process, or the same one
//! restarted, sends it again with the same `Chat-Webhook-Id`); a webhook receives its deliveries
//! in seq order, never two at once.

use super::signature::sign;
use crate::config::WebhookConfig;
use crate::realtime::frames;
use crate::workers::Worker;
use chat_domain::{CommandAnswer, IdempotencyKey, MessageDraft};
use chat_outbound::{Answer, Outbound, OutboundError};
use chat_store::{ClaimedDelivery, DeliveryBody, DeliveryOutcome, Store, StoreError};
use http::{HeaderMap, HeaderValue};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Events planned per planning transaction.
const PLAN_BATCH: i64 = 500;
/// Deliveries claimed (and sent side by side, each to another webhook) per round.
const SEND_BATCH: i64 = 32;
/// Finished deliveries are kept this long, for `GET /webhooks/{id}/deliveries`, then pruned.
const KEPT: Duration = Duration::from_secs(7 * 24 * 3600);
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// The worker: plan, send, wait for the next published event or the tick.
pub fn worker(store: Store, outbound: Outbound, head: watch::Receiver<i64>, config: WebhookConfig) -> Worker {
    Worker::new("webhook deliveries", run(store, outbound, head, config))
}

async fn run(store: Store, outbound: Outbound, mut head: watch::Receiver<i64>, config: WebhookConfig) -> Infallible {
    let sender = Arc::new(Sender { store, outbound, config });
    let mut head_open = true;
    let mut pruned = tokio::time::Instant::now();
    loop {
        if pruned.elapsed() >= PRUNE_EVERY {
            pruned = tokio::time::Instant::now();
            if let Err(error) = sender.store.prune_webhook_deliveries(KEPT).await {
                tracing::warn!(%error, "pruning webhook deliveries failed");
            }
        }
        sender.plan().await;
        if sender.send_due().await > 0 {
            // A webhook's next delivery may be due right away.
            continue;
        }
        tokio::select! {
            changed = head.changed(), if head_open => head_open = changed.is_ok(),
            () = tokio::time::sleep(sender.config.tick) => {}
        }
    }
}

struct Sender {
    store: Store,
    outbound: Outbound,
    config: WebhookConfig,
}

impl Sender {
    /// Plans until caught up with the log (or the database fails: next round).
    async fn plan(&self) {
        loop {
            match self.store.plan_webhook_deliveries(PLAN_BATCH).await {
                Ok(0) => return,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "planning webhook deliveries failed; retrying next round");
                    return;
                }
            }
        }
    }

    /// Claims what is due and sends it; answers how many were claimed.
    async fn send_due(self: &Arc<Self>) -> usize {
        // Held past the longest a request can take, so a delivery is never sent twice at once.
        let lease = self.config.timeout * 2 + Duration::from_secs(1);
        let claimed = match self.store.claim_webhook_deliveries(SEND_BATCH, lease).await {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::warn!(%error, "claiming webhook deliveries failed; retrying next round");
                return 0;
            }
        };
        let count = claimed.len();
        let mut sending = tokio::task::JoinSet::new();
        for delivery in claimed {
            let sender = self.clone();
            sending.spawn(async move { sender.deliver(delivery).await });
        }
        while sending.join_next().await.is_some() {}
        count
    }

    async fn deliver(&self, delivery: ClaimedDelivery) {
        let outcome = self.attempt(&delivery).await;
        let recorded = match outcome {
            Attempt::Done(outcome) => self.store.record_webhook_delivery(delivery.id, outcome).await,
            Attempt::Retry { status, error, retry_after } => {
                let attempts = u32::try_from(delivery.attempts).unwrap_or(u32::MAX);
                let outcome = match self.config.retry.delay_honouring(attempts, retry_after) {
                    Some(after) => DeliveryOutcome::Retry { status, error, after },
                    None => {
                        tracing::warn!(webhook = %delivery.webhook_id, delivery = delivery.id, attempts,
                            "a webhook delivery failed for the whole retry window; the webhook is now failing");
                        DeliveryOutcome::GiveUp { status, error }
                    }
                };
                self.store.record_webhook_delivery(delivery.id, outcome).await
            }
        };
        if let Err(error) = recorded {
            // The lease runs out and the delivery is sent again: at least once.
            tracing::warn!(%error, delivery = delivery.id, "recording a webhook delivery failed");
        }
    }

    async fn attempt(&self, delivery: &ClaimedDelivery) -> Attempt {
        let body = match &delivery.body {
            DeliveryBody::Event(event) => frames::event(event).into_bytes(),
            DeliveryBody::Command(call) => serde_json::to_vec(call).unwrap_or_default(),
            DeliveryBody::Gone => return Attempt::Done(DeliveryOutcome::Dropped { error: "event_gone" }),
        };
        let Ok(url) = url::Url::parse(&delivery.url) else {
            return Attempt::Done(DeliveryOutcome::Dropped { error: "refused" });
        };
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let headers = headers(delivery.id, timestamp, sign(&delivery.secret, delivery.id, timestamp, &body));
        match self.outbound.post(&url, headers, body).await {
            Ok(answer) if answer.is_success() => self.answered(delivery, &answer).await,
            Ok(answer) if answer.status == 429 || answer.status >= 500 => {
                Attempt::Retry { status: Some(answer.status), error: None, retry_after: answer.retry_after() }
            }
            Ok(answer) => Attempt::Done(DeliveryOutcome::Refused { status: answer.status }),
            Err(error) => {
                let label = label(&error);
                if error.is_transient() {
                    Attempt::Retry { status: None, error: Some(label), retry_after: None }
                } else {
                    Attempt::Done(DeliveryOutcome::Dropped { error: label })
                }
            }
        }
    }

    /// A 2xx: delivered. A command's answer is posted as the bot first, keyed by the delivery,
    /// so a redelivery (this process dying before the record) posts it once.
    async fn answered(&self, delivery: &ClaimedDelivery, answer: &Answer) -> Attempt {
        let delivered = Attempt::Done(DeliveryOutcome::Delivered { status: answer.status });
        let (DeliveryBody::Command(call), Some(bot)) = (&delivery.body, delivery.bot_id) else { return delivered };
        let Ok(CommandAnswer { content: Some(content) }) = serde_json::from_slice::<CommandAnswer>(&answer.body) else {
            return delivered;
        };
        let Ok(new) = MessageDraft::text(call.chat_id, content).validate() else {
            tracing::info!(delivery = delivery.id, "a command's answer is no valid message; not posted");
            return delivered;
        };
        let key = IdempotencyKey::parse(&format!("webhook-delivery-{}", delivery.id)).ok();
        match post_as(self.store.clone(), bot, new, key).await {
            Ok(_) => delivered,
            Err(StoreError::Unavailable(_)) => {
                Attempt::Retry { status: Some(answer.status), error: Some("database"), retry_after: None }
            }
            Err(error) => {
                tracing::info!(%error, delivery = delivery.id, "a command's answer was not posted");
                delivered
            }
        }
    }
}

/// Posts `new` as `bot`. `Store::create_message`'s future is not `Send` for every lifetime (a
/// limit of rustc's reasoning about its higher-ranked closures), which a worker's task must be;
/// so it runs to completion on a blocking thread, driven by this runtime's handle. Commands'
/// answers are few: the thread is no cost worth a second code path for creating messages.
async fn post_as(
    store: Store,
    bot: chat_domain::UserId,
    new: chat_domain::NewMessage,
    key: Option<IdempotencyKey>,
) -> Result<(), StoreError> {
    let runtime = tokio::runtime::Handle::current();
    let posted = tokio::task::spawn_blocking(move || {
        runtime.block_on(async move { store.create_message(bot, &new, key.as_ref()).await.map(|_| ()) })
    });
    posted.await.unwrap_or_else(|error| Err(StoreError::Corrupt(format!("posting a command's answer: {error}"))))
}

/// What one attempt came to, before the retry policy is applied.
enum Attempt {
    Done(DeliveryOutcome<'static>),
    Retry { status: Option<u16>, error: Option<&'static str>, retry_after: Option<Duration> },
}

fn headers(id: i64, timestamp: i64, signature: String) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(http::header::USER_AGENT, HeaderValue::from_static("chat-backend-webhooks/1"));
    headers.insert("chat-webhook-id", HeaderValue::from(id));
    headers.insert("chat-webhook-timestamp", HeaderValue::from(timestamp));
    if let Ok(value) = HeaderValue::from_str(&signature) {
        headers.insert("chat-webhook-signature", value);
    }
    headers
}

/// What `last_error` says of a request that got no answer.
fn label(error: &OutboundError) -> &'static str {
    match error {
        OutboundError::Timeout => "timeout",
        OutboundError::Network(_) => "network",
        OutboundError::Refused(_) => "refused",
        OutboundError::Setup(_) => "setup",
    }
}
