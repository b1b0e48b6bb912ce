//! How the workers that plan from the event log (push, webhooks, the search index) follow it:
//! woken by the hub's published head, they wait a moment more so that a burst of events is
//! planned in one step, and plan only when the head has moved (a planning step locks its
//! consumer's row, a write and a commit even when there is nothing to plan: stepping on every
//! wake cost more than the planning).
//! A fallback tick plans whatever the head says, in case a wake was missed.

use chat_store::StoreResult;
use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;

/// A planning worker's view of the log's head.
#[derive(Debug)]
pub struct LogFollower {
    head: watch::Receiver<i64>,
    head_open: bool,
    /// The head that planning last caught up with; `None` before the first step, or after a
    /// failed one, or when the tick asks for a step anyway.
    planned: Option<i64>,
    /// How long to wait after a wake for more events, so they are planned together.
    gather: Duration,
    tick: Duration,
    name: &'static str,
}

impl LogFollower {
    pub fn new(name: &'static str, head: watch::Receiver<i64>, gather: Duration, tick: Duration) -> Self {
        Self { head, head_open: true, planned: None, gather, tick, name }
    }

    /// Plans with `step` (one planning step of at most `batch` events, answering how many it
    /// looked at) until a step comes back short of `batch`: caught up with the head. Answers how
    /// many events were planned. Does nothing when the head has not moved since the last time.
    pub async fn plan<F, Fut>(&mut self, batch: i64, mut step: F) -> usize
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = StoreResult<usize>>,
    {
        let head = *self.head.borrow_and_update();
        if self.planned.is_some_and(|planned| planned >= head) {
            return 0;
        }
        let full = usize::try_from(batch).unwrap_or(usize::MAX);
        let mut planned = 0;
        loop {
            match step().await {
                Ok(count) => {
                    planned += count;
                    if count < full {
                        self.planned = Some(head);
                        return planned;
                    }
                }
                Err(error) => {
                    // The next wake, or the tick, tries again from the consumer's position.
                    tracing::warn!(%error, worker = self.name, "planning from the event log failed");
                    self.planned = None;
                    return planned;
                }
            }
        }
    }

    /// Waits for a newer head, then `gather` more; or for the tick, after which the next `plan`
    /// steps whatever the head says.
    pub async fn wait(&mut self) {
        tokio::select! {
            changed = self.head.changed(), if self.head_open => {
                // The hub never drops its sender while the process runs; if it did, the tick paces.
                self.head_open = changed.is_ok();
                tokio::time::sleep(self.gather).await;
            }
            () = tokio::time::sleep(self.tick) => self.planned = None,
        }
    }
}
