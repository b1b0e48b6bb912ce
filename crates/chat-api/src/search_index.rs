//! The search index worker: follows the event log (the store's `search` consumer) and indexes
//! the messages posted, edited and deleted, so `GET /search` finds a message a moment after its
//! create answered, and the create itself never pays for the index. Woken by the hub's published
//! head; a fallback tick catches up after a missed wake. Every process runs one; they take turns
//! on the consumer's row, so each event is indexed once whatever their number.

use crate::log_follower::LogFollower;
use crate::workers::Worker;
use chat_store::Store;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::watch;

/// Events indexed per transaction.
const BATCH: i64 = 500;
/// How long the worker waits after a wake for more events, so that a burst is one step: part of
/// the lag between a create's answer and its message being found (docs/ARCHITECTURE.md).
const GATHER: Duration = Duration::from_millis(20);
/// A step whatever the head says, in case a wake was missed.
const TICK: Duration = Duration::from_secs(1);

pub fn worker(store: Store, head: watch::Receiver<i64>) -> Worker {
    Worker::new("search index", run(store, head))
}

async fn run(store: Store, head: watch::Receiver<i64>) -> Infallible {
    let mut follower = LogFollower::new("search index", head, GATHER, TICK);
    loop {
        follower.plan(BATCH, || store.index_for_search(BATCH)).await;
        follower.wait().await;
    }
}
