//! Watches every statement each pooled connection sends: counts them (the evidence that a page
//! of messages costs a fixed number of queries, and a metric) and keeps `DatabaseHealth` current.

use crate::connection::health::DatabaseHealth;
use crate::error::signals_outage;
use diesel::connection::{Instrumentation, InstrumentationEvent};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Clone, Debug, Default)]
pub(crate) struct StatementWatch {
    statements: Arc<AtomicU64>,
    health: DatabaseHealth,
}

impl StatementWatch {
    pub fn new(health: DatabaseHealth) -> Self {
        Self { statements: Arc::default(), health }
    }

    pub fn total(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
}

impl Instrumentation for StatementWatch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => {
                self.statements.fetch_add(1, Ordering::Relaxed);
            }
            InstrumentationEvent::FinishQuery { error: None, .. } => self.health.mark_up(),
            InstrumentationEvent::FinishQuery { error: Some(error), .. } if signals_outage(error) => {
                self.health.mark_down();
            }
            _ => {}
        }
    }
}
