//! Watches every statement each pooled connection sends: counts them (the evidence that a page
//! of messages costs a fixed number of queries, and a metric), keeps `DatabaseHealth` current,
//! and runs the connection's clock for the bounded wait (`deadline.rs`).

use crate::connection::deadline::{NodeLiveness, StatementClock};
use crate::connection::health::DatabaseHealth;
use crate::error::signals_outage;
use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel_async::{AsyncConnection as _, AsyncPgConnection};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Clone, Debug, Default)]
pub(crate) struct StatementWatch {
    statements: Arc<AtomicU64>,
    /// Pooled connections opened, to any node.
    connections: Arc<AtomicU64>,
    health: DatabaseHealth,
}

impl StatementWatch {
    pub fn new(health: DatabaseHealth) -> Self {
        Self { statements: Arc::default(), connections: Arc::default(), health }
    }

    /// The same counts, for another node's connections (a replica's), with that node's health.
    pub fn for_node(&self, health: DatabaseHealth) -> Self {
        Self { statements: self.statements.clone(), connections: self.connections.clone(), health }
    }

    pub fn total(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub fn connection_opened(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
    }

    pub fn connections_opened(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }
}

/// One pooled connection's instrumentation: the store's counts and health, its own clock, and
/// its node's liveness.
#[derive(Debug)]
pub(crate) struct ConnectionWatch {
    store: StatementWatch,
    pub clock: Arc<StatementClock>,
    node: Arc<NodeLiveness>,
}

impl ConnectionWatch {
    pub fn new(store: StatementWatch, clock: Arc<StatementClock>, node: Arc<NodeLiveness>) -> Self {
        Self { store, clock, node }
    }
}

impl Instrumentation for ConnectionWatch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => {
                self.clock.started();
                self.store.statements.fetch_add(1, Ordering::Relaxed);
            }
            InstrumentationEvent::FinishQuery { error, .. } => {
                self.clock.finished();
                match error {
                    None => {
                        self.node.answered();
                        self.store.health.mark_up();
                    }
                    Some(error) if signals_outage(error) => self.store.health.mark_down(),
                    Some(_) => self.node.answered(),
                }
            }
            _ => {}
        }
    }
}

/// The clock of a pooled connection (none for a connection made otherwise).
pub(crate) fn clock_of(conn: &mut AsyncPgConnection) -> Option<Arc<StatementClock>> {
    let watch = conn.instrumentation().downcast_mut::<ConnectionWatch>()?;
    Some(watch.clock.clone())
}
