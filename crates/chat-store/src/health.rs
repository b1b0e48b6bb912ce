//! What this process last learnt about the database: reachable, or down since a failure.
//!
//! Requests during an outage should not each wait the pool's full acquire timeout for a 503, so
//! the pool marks the database down when a connection fails or a statement meets an outage
//! error, and up again as soon as a connection is made or a statement succeeds.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[derive(Clone, Debug, Default)]
pub(crate) struct DatabaseHealth {
    down: Arc<AtomicBool>,
    /// Outage errors seen so far: a connection lent out while this moved is not trusted again.
    outages: Arc<AtomicU64>,
}

impl DatabaseHealth {
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    pub fn outages(&self) -> u64 {
        self.outages.load(Ordering::Relaxed)
    }

    pub fn mark_down(&self) {
        self.outages.fetch_add(1, Ordering::Relaxed);
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::warn!("database unreachable; answering 503 until it is back");
        }
    }

    pub fn mark_up(&self) {
        if self.down.swap(false, Ordering::Relaxed) {
            tracing::info!("database reachable again");
        }
    }
}
