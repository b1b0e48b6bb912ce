//! The push workers. The planner follows the event log (`Store::plan_pushes`, the push consumer's
//! durable position): woken by the hub's published head, and a fallback tick. The sender claims
//! due deliveries from the outbox (a lease each, `FOR UPDATE SKIP LOCKED`) and sends them
//! concurrently, a batch at a time: woken by the planner (then again once the hold has passed),
//! and every `poll`. Neither is on the message path: a request never waits for a push.

use super::sender::Sender;
use crate::config::PushConfig;
use crate::workers::Worker;
use chat_store::Store;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

/// Events planned per transaction.
const PLAN_BATCH: i64 = 200;
/// Deliveries claimed (and sent at once) per round.
const SEND_BATCH: i64 = 32;
/// Finished deliveries are kept this long as the record of what was sent, then pruned.
const KEPT: Duration = Duration::from_secs(24 * 3600);
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// The planner and the sender, to run for as long as the process.
pub fn workers(store: Store, head: watch::Receiver<i64>, sender: Sender, config: &PushConfig) -> Vec<Worker> {
    let planned = Arc::new(Notify::new());
    vec![
        Worker::new("push planner", plan_forever(store.clone(), head, planned.clone(), config.hold, config.poll)),
        Worker::new("push sender", send_forever(store, sender, planned, config.clone())),
    ]
}

async fn plan_forever(
    store: Store,
    mut head: watch::Receiver<i64>,
    planned: Arc<Notify>,
    hold: Duration,
    tick: Duration,
) -> Infallible {
    loop {
        loop {
            match store.plan_pushes(PLAN_BATCH, hold).await {
                Ok(0) => break,
                Ok(_) => planned.notify_one(),
                Err(error) => {
                    tracing::warn!(%error, "planning pushes failed");
                    break;
                }
            }
        }
        tokio::select! {
            changed = head.changed() => {
                // The hub never drops its sender while the process runs; if it did, the tick paces.
                if changed.is_err() {
                    tokio::time::sleep(tick).await;
                }
            }
            () = tokio::time::sleep(tick) => {}
        }
    }
}

async fn send_forever(store: Store, sender: Sender, planned: Arc<Notify>, config: PushConfig) -> Infallible {
    let mut pruned = Instant::now();
    // When deliveries planned since the last round come due (the hold after their planning).
    let mut due_at: Option<Instant> = None;
    loop {
        send_due(&store, &sender, config.lease).await;
        if pruned.elapsed() >= PRUNE_EVERY {
            pruned = Instant::now();
            if let Err(error) = store.prune_pushes(KEPT).await {
                tracing::warn!(%error, "pruning push records failed");
            }
        }
        let next_due = due_at.filter(|at| *at > Instant::now());
        let wake = next_due.map_or_else(|| Instant::now() + config.poll, |at| at.min(Instant::now() + config.poll));
        tokio::select! {
            () = planned.notified() => {
                // Clears are due at once; messages after the hold.
                due_at = Some(Instant::now() + config.hold);
            }
            () = tokio::time::sleep_until(wake) => {}
        }
    }
}

/// Claims and sends batches until nothing is due.
async fn send_due(store: &Store, sender: &Sender, lease: Duration) {
    loop {
        let batch = match store.claim_pushes(SEND_BATCH, lease).await {
            Ok(batch) if batch.is_empty() => return,
            Ok(batch) => batch,
            Err(error) => return tracing::warn!(%error, "claiming pushes failed"),
        };
        futures_util::future::join_all(batch.into_iter().map(|delivery| sender.deliver(delivery))).await;
    }
}
