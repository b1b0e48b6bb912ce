//! The bounded wait on a database's answer. A node that hangs (a frozen process, a hung machine)
//! keeps its TCP connections open: its kernel still acknowledges every packet, so neither TCP
//! keepalives nor `tcp_user_timeout` end them (docs/ARCHITECTURE.md has the measurements), and a
//! statement sent to it waits forever. Only the client can give up, so every pooled connection
//! has a clock, started by each statement and stopped by its answer, and the task that drives the
//! connection's socket closes it once a statement has waited past the bound while its node
//! answered nobody else either (`NodeLiveness`): a hung node answers no one, a busy one answers
//! the other connections, and a slow statement on a busy node is not an outage (it may wait up
//! to `PATIENCE` bounds). The statement then fails at once as a closed connection (an outage:
//! 503), and the closed connection is never handed out again.

use crate::connection::health::DatabaseHealth;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::time::Instant;

/// How many bounds a statement may wait while its node goes on answering other statements.
const PATIENCE: u32 = 12;

/// When a node last answered a statement on any of this process's connections to it.
#[derive(Debug)]
pub(crate) struct NodeLiveness {
    origin: Instant,
    /// Milliseconds after `origin` (plus one); 0 before the first answer.
    answered_at: AtomicU64,
}

impl Default for NodeLiveness {
    fn default() -> Self {
        Self { origin: Instant::now(), answered_at: AtomicU64::new(0) }
    }
}

impl NodeLiveness {
    pub fn answered(&self) {
        let now = u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1;
        self.answered_at.fetch_max(now, Ordering::Relaxed);
    }

    fn answered_within(&self, span: Duration) -> bool {
        match self.answered_at.load(Ordering::Relaxed) {
            0 => false,
            at => self.origin.elapsed().saturating_sub(Duration::from_millis(at - 1)) < span,
        }
    }
}

/// One connection's statements in flight, and since when it has waited for an answer.
#[derive(Debug)]
pub(crate) struct StatementClock {
    origin: Instant,
    in_flight: AtomicU32,
    /// Milliseconds after `origin` (plus one) of the last statement sent or answered while
    /// statements are in flight; 0 while none is.
    waiting_since: AtomicU64,
    /// `health.outages()` when the connection was made: one made before an outage error is not
    /// trusted again (it may lead to the node that failed).
    pub born_at_outage: u64,
}

impl StatementClock {
    pub fn new(born_at_outage: u64) -> Arc<Self> {
        let (origin, in_flight, waiting_since) = (Instant::now(), AtomicU32::new(0), AtomicU64::new(0));
        Arc::new(Self { origin, in_flight, waiting_since, born_at_outage })
    }

    pub fn started(&self) {
        if self.in_flight.fetch_add(1, Ordering::AcqRel) == 0 {
            self.waiting_since.store(self.now(), Ordering::Release);
        }
    }

    /// An answer came: the wait for the rest (pipelined statements) starts again from here.
    pub fn finished(&self) {
        let before = self.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.waiting_since.store(if before <= 1 { 0 } else { self.now() }, Ordering::Release);
        if before == 0 {
            // More answers than statements cannot happen; should it, the count stays at zero.
            self.in_flight.store(0, Ordering::Release);
        }
    }

    /// Whether a statement is waiting for its answer (one abandoned mid-way stays waiting).
    pub fn busy(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) > 0
    }

    /// How long the oldest waiting statement has waited, if any waits.
    fn waited(&self) -> Option<Duration> {
        match self.waiting_since.load(Ordering::Acquire) {
            0 => None,
            since => Some(Duration::from_millis(self.now().saturating_sub(since))),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
    }
}

/// Why a connection's driver stopped driving it.
enum GiveUp {
    /// A statement waited past the bound: the node is taken for hung.
    Overdue(Duration),
    /// The connection itself is gone (dropped by the pool, or its establishing timed out).
    Abandoned,
}

/// Drives `connection` (a tokio-postgres connection, which does the socket's work) until it ends,
/// a statement on it waits past `wait` while `node` answers nobody, or the connection it belongs
/// to is dropped. Dropping the
/// driven future closes the socket, which fails the statements waiting on it.
pub(crate) async fn drive<C>(
    connection: C,
    clock: Weak<StatementClock>,
    node: Arc<NodeLiveness>,
    wait: Duration,
    health: DatabaseHealth,
) where
    C: Future<Output = Result<(), tokio_postgres::Error>>,
{
    let mut connection = std::pin::pin!(connection);
    let give_up = tokio::select! {
        ended = &mut connection => {
            if let Err(error) = ended {
                tracing::debug!(%error, "database connection ended");
            }
            return;
        }
        give_up = watch(clock, &node, wait) => give_up,
    };
    match give_up {
        GiveUp::Overdue(waited) => {
            tracing::warn!(
                ?waited,
                "a statement waited past the bounded wait: connection closed, database marked down"
            );
            health.mark_down();
        }
        // Let it say goodbye (Terminate) if the node answers; close it regardless after `wait`.
        GiveUp::Abandoned => {
            let _ = tokio::time::timeout(wait, connection).await;
        }
    }
}

/// Resolves once a statement has waited past `wait` while `node` answered nobody in that long
/// (or past `PATIENCE` bounds regardless), or the clock's connection is gone. Checks four times
/// a bound while idle or while the node still answers, and exactly at the deadline while a
/// statement waits.
async fn watch(clock: Weak<StatementClock>, node: &NodeLiveness, wait: Duration) -> GiveUp {
    loop {
        let Some(clock) = clock.upgrade() else { return GiveUp::Abandoned };
        let pause = match clock.waited() {
            Some(waited) if waited >= wait && waited < wait * PATIENCE && node.answered_within(wait) => wait / 4,
            Some(waited) if waited >= wait => return GiveUp::Overdue(waited),
            Some(waited) => wait - waited,
            None => wait / 4,
        };
        drop(clock);
        tokio::time::sleep(pause.max(Duration::from_millis(10))).await;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::{PoolSettings, Store};
    use chat_test_db::TestDatabase;
    use diesel_async::RunQueryDsl;
    use std::time::Duration;

    const WAIT: Duration = Duration::from_millis(500);

    async fn store(db: &TestDatabase) -> Store {
        Store::connect(db.url(), &PoolSettings { max_size: 2, wait: WAIT, ..PoolSettings::default() }).await.unwrap()
    }

    /// Three bounds long, while the node answers a ping every 100 ms on another connection: a
    /// busy node, not a hung one.
    #[tokio::test]
    async fn a_slow_statement_on_a_node_that_answers_others_is_waited_for() {
        let db = TestDatabase::new().await;
        let store = store(&db).await;
        let slow = async {
            let mut conn = store.conn().await.unwrap();
            diesel::sql_query("SELECT pg_sleep(1.5)").execute(&mut *conn).await
        };
        let others = async {
            for _ in 0..20 {
                store.ping().await.unwrap();
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        };
        let (slow, ()) = tokio::join!(slow, others);
        slow.unwrap();
    }

    /// The same statement while nothing else answers: the node may be hung, and it is given up.
    #[tokio::test]
    async fn a_statement_past_the_bound_on_a_node_that_answers_nobody_is_given_up() {
        let db = TestDatabase::new().await;
        let store = store(&db).await;
        let mut conn = store.conn().await.unwrap();
        let slow = diesel::sql_query("SELECT pg_sleep(1.5)").execute(&mut *conn).await;
        assert!(crate::error::signals_outage(&slow.unwrap_err()));
    }
}
