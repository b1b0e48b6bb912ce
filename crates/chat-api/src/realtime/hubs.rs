//! Every cluster's hub, by cluster number: the directory's from start-up, each other cluster's
//! once that cluster is prepared and its pump runs (`startup::follow_cluster`). A connection
//! joins every hub there is when it opens.

use super::hub::Hub;
use chat_domain::LogId;
use std::sync::{Arc, OnceLock};

#[derive(Debug)]
pub struct Hubs {
    first: Arc<Hub>,
    /// Cluster 1 onwards.
    others: Vec<OnceLock<Arc<Hub>>>,
}

impl Hubs {
    /// The directory's hub, and room for `clusters - 1` more.
    pub fn new(first: Arc<Hub>, clusters: usize) -> Self {
        Self { first, others: (1..clusters).map(|_| OnceLock::new()).collect() }
    }

    /// The directory's hub: presence and revoked tokens go through it, and every connection is
    /// in it (shutdown closes and drains them there).
    pub fn first(&self) -> &Arc<Hub> {
        &self.first
    }

    /// How many logs the deployment has.
    pub fn logs(&self) -> usize {
        self.others.len() + 1
    }

    /// The hub of `log`, once its cluster's pump runs.
    pub fn of(&self, log: LogId) -> Option<&Arc<Hub>> {
        match usize::from(log.0) {
            0 => Some(&self.first),
            number => self.others.get(number - 1)?.get(),
        }
    }

    /// Cluster `hub.log()`'s hub is running (set once; a second is ignored).
    pub fn started(&self, hub: Arc<Hub>) {
        if let Some(slot) = usize::from(hub.log().0).checked_sub(1).and_then(|number| self.others.get(number)) {
            let _ = slot.set(hub);
        }
    }
}
