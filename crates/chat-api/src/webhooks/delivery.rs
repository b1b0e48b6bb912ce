//! The delivery worker: plans deliveries from the event log, then sends what is due, one request
//! at a time per webhook, in order (a run of a webhook's deliveries a claim, the runs of several
//! webhooks side by side, a round's outcomes recorded together); woken by the hub's published
//! head and a fallback tick.
//!
//! Guarantees (docs/ARCHITECTURE.md): every event of a chat is planned once for each webhook that
//! wants it (the log consumer's position moves in the planning transaction); a delivery is sent
//! until its receiver answers, is refused for good, or the retry window ends (at least once:
//! a process killed mid-run leaves its webhook's lease to expire and another process, or the same
//! one restarted, sends what was not recorded again with the same `Chat-Webhook-Id`); a webhook
//! receives its deliveries in seq order, never two at once.

use super::signature::sign;
use crate::config::WebhookConfig;
use crate::log_follower::LogFollower;
use crate::realtime::frames;
use crate::workers::Worker;
use chat_domain::{CommandAnswer, IdempotencyKey, MessageDraft};
use chat_outbound::{Answer, Outbound, OutboundError};
use chat_store::{ClaimedDelivery, DeliveryBody, DeliveryOutcome, DeliveryRecord, Store, StoreError};
use http::{HeaderMap, HeaderValue};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Events planned per planning transaction.
const PLAN_BATCH: i64 = 500;
/// How long the planner waits after a wake for more events, so that a burst is one step.
const GATHER: Duration = Duration::from_millis(20);
/// Webhooks whose runs are claimed (and sent side by side) per round.
const WEBHOOKS_PER_ROUND: i64 = 32;
/// Deliveries a run holds at most: sent one after the other, in order.
const RUN: i64 = 32;
/// Finished deliveries are kept this long, for `GET /webhooks/{id}/deliveries`, then pruned.
const KEPT: Duration = Duration::from_secs(7 * 24 * 3600);
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// The worker: plan, send, wait for the next published event or the tick.
pub fn worker(store: Store, outbound: Outbound, head: watch::Receiver<i64>, config: WebhookConfig) -> Worker {
    Worker::new("webhook deliveries", run(store, outbound, head, config))
}

async fn run(store: Store, outbound: Outbound, head: watch::Receiver<i64>, config: WebhookConfig) -> Infallible {
    let mut follower = LogFollower::new("webhook planner", head, GATHER, config.tick);
    let sender = Arc::new(Sender { store, outbound, config });
    let mut pruned = tokio::time::Instant::now();
    loop {
        if pruned.elapsed() >= PRUNE_EVERY {
            pruned = tokio::time::Instant::now();
            if let Err(error) = sender.store.prune_webhook_deliveries(KEPT).await {
                tracing::warn!(%error, "pruning webhook deliveries failed");
            }
        }
        follower.plan(PLAN_BATCH, || sender.store.plan_webhook_deliveries(PLAN_BATCH)).await;
        if sender.send_due().await > 0 {
            // A webhook's next run may be due right away.
            continue;
        }
        follower.wait().await;
    }
}

struct Sender {
    store: Store,
    outbound: Outbound,
    config: WebhookConfig,
}

impl Sender {
    /// Claims the runs that are due, sends each in order (the runs side by side), and records
    /// every outcome together; answers how many deliveries were attempted.
    async fn send_due(self: &Arc<Self>) -> usize {
        // Held past the longest a run's requests can take (`deadline` stops starting new ones in
        // time), so a webhook is never sent to by two processes at once.
        let lease = self.config.timeout * 2 + Duration::from_secs(1);
        let round = match self.store.claim_webhook_deliveries(WEBHOOKS_PER_ROUND, RUN, lease).await {
            Ok(round) => round,
            Err(error) => {
                tracing::warn!(%error, "claiming webhook deliveries failed; retrying next round");
                return 0;
            }
        };
        let deadline = tokio::time::Instant::now() + self.config.timeout;
        let mut sending = tokio::task::JoinSet::new();
        let mut claimed = round.deliveries.into_iter().peekable();
        while let Some(first) = claimed.next() {
            let webhook = first.webhook_id;
            let mut run = vec![first];
            while let Some(next) = claimed.next_if(|next| next.webhook_id == webhook) {
                run.push(next);
            }
            let sender = self.clone();
            sending.spawn(async move { sender.send_run(run, deadline).await });
        }
        let mut records = Vec::new();
        while let Some(ended) = sending.join_next().await {
            // A run's task does not panic; if one did, its leases lapse and it is sent again.
            records.extend(ended.unwrap_or_default());
        }
        if let Err(error) = self.store.record_webhook_deliveries(&round.leased, &records).await {
            // The leases run out and the deliveries are sent again: at least once.
            tracing::warn!(%error, deliveries = records.len(), "recording webhook deliveries failed");
        }
        records.iter().filter(|record| !matches!(record.outcome, DeliveryOutcome::Released)).count()
    }

    /// Sends a webhook's run in order until one is to be tried again (or gave up), or `deadline`
    /// has passed (the lease must outlast the last request); the rest are released in place.
    async fn send_run(
        &self,
        run: Vec<ClaimedDelivery>,
        deadline: tokio::time::Instant,
    ) -> Vec<DeliveryRecord<'static>> {
        let mut records = Vec::with_capacity(run.len());
        let mut held = false;
        for delivery in run {
            if held || tokio::time::Instant::now() >= deadline {
                records.push(DeliveryRecord { id: delivery.id, outcome: DeliveryOutcome::Released });
                continue;
            }
            let outcome = self.deliver(&delivery).await;
            held = matches!(outcome, DeliveryOutcome::Retry { .. } | DeliveryOutcome::GiveUp { .. });
            records.push(DeliveryRecord { id: delivery.id, outcome });
        }
        records
    }

    /// One attempt, and what to record of it under the retry policy.
    async fn deliver(&self, delivery: &ClaimedDelivery) -> DeliveryOutcome<'static> {
        match self.attempt(delivery).await {
            Attempt::Done(outcome) => outcome,
            Attempt::Retry { status, error, retry_after } => {
                let attempts = u32::try_from(delivery.attempts).unwrap_or(u32::MAX);
                match self.config.retry.delay_honouring(attempts, retry_after) {
                    Some(after) => DeliveryOutcome::Retry { status, error, after },
                    None => {
                        tracing::warn!(webhook = %delivery.webhook_id, delivery = delivery.id, attempts,
                            "a webhook delivery failed for the whole retry window; the webhook is now failing");
                        DeliveryOutcome::GiveUp { status, error }
                    }
                }
            }
        }
    }

    async fn attempt(&self, delivery: &ClaimedDelivery) -> Attempt {
        let body = match &delivery.body {
            DeliveryBody::Event(event) => frames::webhook_event(event).into_bytes(),
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
