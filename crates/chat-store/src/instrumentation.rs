//! Counts the statements every pooled connection sends: the evidence that a page of messages
//! costs a fixed number of queries, and a number worth exporting as a metric.

use diesel::connection::{Instrumentation, InstrumentationEvent};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Clone, Debug, Default)]
pub(crate) struct QueryCounter(Arc<AtomicU64>);

impl QueryCounter {
    pub fn total(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Instrumentation for QueryCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { .. } = event {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}
