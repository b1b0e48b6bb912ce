//! Keeps users' copies on the other clusters current (docs/ARCHITECTURE.md, "Spreading chats over
//! several clusters"): a rename, a block or a privacy setting on the directory reaches every
//! cluster holding the user within a tick. Every process runs it; the copies are versioned, so
//! two processes bringing the same copy only do the work twice.

use crate::workers::Worker;
use chat_store::Clusters;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// How often the directory is asked for stale copies.
const TICK: Duration = Duration::from_secs(1);
/// Users per batch and cluster.
const BATCH: i64 = 500;

pub fn worker(clusters: Arc<Clusters>) -> Worker {
    Worker::new("user copies", run(clusters))
}

async fn run(clusters: Arc<Clusters>) -> Infallible {
    let mut every = tokio::time::interval(TICK);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        for (cluster, error) in clusters.bring_copies_up_to_date(BATCH).await.failed {
            tracing::warn!(cluster, %error, "bringing users' copies up to date failed; trying again");
        }
    }
}
