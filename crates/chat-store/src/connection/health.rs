//! What this process last learnt about the database: reachable, or down since a failure.
//!
//! Requests during an outage should not each wait the pool's full acquire timeout for a 503, so
//! the pool marks the database down when a connection fails or a statement meets an outage
//! error, and up again as soon as a connection is made or a statement succeeds. Requests already
//! waiting for a connection hear of it at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::watch;

#[derive(Clone, Debug)]
pub(crate) struct DatabaseHealth {
    down: Arc<watch::Sender<bool>>,
    /// Outage errors seen so far: a connection lent out while this moved is not trusted again.
    outages: Arc<AtomicU64>,
    /// Whether this is a read replica's health (only what is logged differs).
    replica: bool,
}

impl Default for DatabaseHealth {
    fn default() -> Self {
        Self { down: Arc::new(watch::Sender::new(false)), outages: Arc::default(), replica: false }
    }
}

impl DatabaseHealth {
    /// A read replica's: its outage sends its reads to the primary, and answers no 503.
    pub fn of_replica() -> Self {
        Self { replica: true, ..Self::default() }
    }

    pub fn is_down(&self) -> bool {
        *self.down.borrow()
    }

    /// Resolves once the database is marked down (at once if it is).
    pub async fn went_down(&self) {
        let _ = self.down.subscribe().wait_for(|down| *down).await;
    }

    pub fn outages(&self) -> u64 {
        self.outages.load(Ordering::Relaxed)
    }

    pub fn mark_down(&self) {
        self.outages.fetch_add(1, Ordering::Relaxed);
        if !self.down.send_replace(true) {
            if self.replica {
                tracing::warn!("a read replica is unreachable; its reads go to the primary until it is back");
            } else {
                tracing::warn!("database unreachable; answering 503 until it is back");
            }
        }
    }

    /// Called after every statement that succeeded, so the common case is only a read.
    pub fn mark_up(&self) {
        if self.is_down() && self.down.send_if_modified(|down| std::mem::replace(down, false)) {
            tracing::info!(replica = self.replica, "database reachable again");
        }
    }
}
