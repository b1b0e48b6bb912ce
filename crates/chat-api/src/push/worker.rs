//! The push workers. The planner follows the event log (`Store::plan_pushes`, the push consumer's
//! durable position): woken by the hub's published head, and a fallback tick. The sender claims
//! due deliveries from the outbox (a lease each, `FOR UPDATE SKIP LOCKED`) and sends them
//! concurrently, a batch at a time: woken by the planner (then again once the hold has passed),
//! and every `poll`. Neither is on the message path: a request never waits for a push.

use super::sender::Sender;
use crate::config::PushConfig;
use crate::log_follower::LogFollower;
use crate::workers::Worker;
use chat_store::Store;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

/// Events planned per transaction.
const PLAN_BATCH: i64 = 200;
/// How long the planner waits after a wake for more events (a push waits out its hold anyway).
const GATHER: Duration = Duration::from_millis(50);
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
    head: watch::Receiver<i64>,
    planned: Arc<Notify>,
    hold: Duration,
    tick: Duration,
) -> Infallible {
    let mut follower = LogFollower::new("push planner", head, GATHER, tick);
    loop {
        if follower.plan(PLAN_BATCH, || store.plan_pushes(PLAN_BATCH, hold)).await > 0 {
            planned.notify_one();
        }
        follower.wait().await;
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

/// Claims and sends batches until nothing is due; each batch's outcomes are recorded together.
async fn send_due(store: &Store, sender: &Sender, lease: Duration) {
    loop {
        let batch = match store.claim_pushes(SEND_BATCH, lease).await {
            Ok(batch) if batch.is_empty() => return,
            Ok(batch) => batch,
            Err(error) => return tracing::warn!(%error, "claiming pushes failed"),
        };
        let ended = futures_util::future::join_all(batch.iter().map(|delivery| sender.deliver(delivery))).await;
        let records: Vec<_> = ended.iter().map(|(record, _)| *record).collect();
        if let Err(error) = store.record_pushes(&records).await {
            // The claims lapse and these deliveries are tried again after their lease.
            return tracing::warn!(%error, deliveries = records.len(), "recording pushes failed");
        }
        for (_, outcome) in ended {
            sender.counters.count(outcome);
        }
    }
}
