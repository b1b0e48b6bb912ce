//! Getting a connection from the pool, and giving it back, with what the pool knows of the
//! database: a connection already known closed is never handed out, one made or lent out before
//! an outage error is retired, one given back mid-statement is discarded, and while the database
//! is down a request learns it within 250 ms.

use crate::connection::connect::Connector;
use crate::connection::health::DatabaseHealth;
use crate::connection::instrumentation::{StatementWatch, clock_of};
use crate::error::{StoreError, StoreResult};
use diesel_async::pooled_connection::bb8::{Pool, PooledConnection};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, PoolableConnection, RecyclingMethod,
};
use diesel_async::{AnsiTransactionManager, AsyncPgConnection, TransactionManager};
use futures_util::FutureExt as _;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// bb8 retries a failed connect with a backoff of up to half this, so this bounds how long after
/// the database's return the pool reconnects. Waiting for a busy pool is `wait`'s business:
/// `Checkout::get` asks bb8 again until then.
const CONNECT_RETRY_WINDOW: Duration = Duration::from_millis(500);

/// How the pool is sized and how long a request waits on the database.
#[derive(Clone, Debug)]
pub struct PoolSettings {
    pub max_size: u32,
    /// The bounded wait: the longest a request waits for a connection from the pool, a new
    /// connection waits for a host to take it, and a statement (a commit too) for its answer,
    /// before the database is taken as unavailable (503). See docs/ARCHITECTURE.md.
    pub wait: Duration,
    /// The wait while the database is known to be down: long enough to catch its return, short
    /// enough that a client learns of the outage (503) at once.
    pub acquire_timeout_when_down: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        // A two-core database is busiest with a handful of connections, not a hundred.
        Self { max_size: 8, wait: Duration::from_secs(5), acquire_timeout_when_down: Duration::from_millis(250) }
    }
}

/// Whether opening a pool waits for its first connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Startup {
    /// The primary: a bad URL or an unreachable database fails start-up.
    Checked,
    /// A replica: one that is down is skipped until it answers.
    Lazily,
}

pub(crate) struct Checkout {
    pool: Pool<AsyncPgConnection>,
    health: DatabaseHealth,
    settings: PoolSettings,
}

impl Checkout {
    pub async fn open(
        url: &str,
        settings: &PoolSettings,
        health: DatabaseHealth,
        watch: StatementWatch,
        startup: Startup,
    ) -> StoreResult<(Self, Arc<Connector>)> {
        let connector = Arc::new(Connector::new(url, settings.wait, health.clone(), watch)?);
        let mut config = ManagerConfig::default();
        let pool_connector = connector.clone();
        config.custom_setup = Box::new(move |_url| {
            let connector = pool_connector.clone();
            async move { connector.pooled().await }.boxed()
        });
        // A connection the server closed (a restart, a terminated backend, the bounded wait's
        // watchdog) is known as closed without a round trip; one made before an outage error may
        // lead to the node that failed. Either usually means the database went away, which the
        // next requests should learn at once.
        let checkout_health = health.clone();
        config.recycling_method = RecyclingMethod::CustomFunction(Box::new(move |conn| {
            let broken = conn.is_broken();
            if broken {
                checkout_health.mark_down();
            }
            let outdated = clock_of(conn).is_some_and(|clock| clock.born_at_outage != checkout_health.outages());
            let refused = broken || outdated;
            async move { if refused { Err(diesel::result::Error::BrokenTransactionManager) } else { Ok(()) } }.boxed()
        }));
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
        let builder = Pool::builder()
            .max_size(settings.max_size)
            .min_idle(Some(1))
            .connection_timeout(CONNECT_RETRY_WINDOW)
            // Runs the recycling check above, which costs no round trip (bb8's default `SELECT 1`
            // would cost one per checkout).
            .test_on_check_out(true);
        let pool = match startup {
            Startup::Checked => {
                builder.build(manager).await.map_err(|error| StoreError::Unavailable(error.to_string()))?
            }
            Startup::Lazily => builder.build_unchecked(manager),
        };
        Ok((Self { pool, health, settings: settings.clone() }, connector))
    }

    /// A connection: within the bounded wait while the database is up, within 250 ms once it is
    /// known down (including for requests already waiting when it goes down).
    pub async fn get(&self) -> StoreResult<Conn<'_>> {
        let deadline = Instant::now() + self.settings.wait;
        loop {
            let attempt = async {
                if !self.health.is_down() {
                    tokio::select! {
                        pooled = self.pool.get() => return Some(pooled),
                        () = self.health.went_down() => {}
                    }
                }
                tokio::time::timeout(self.settings.acquire_timeout_when_down, self.pool.get()).await.ok()
            };
            match attempt.await {
                Some(Ok(pooled)) => return Ok(Conn { pooled, health: &self.health, outages: self.health.outages() }),
                Some(Err(bb8::RunError::TimedOut)) if !self.health.is_down() && Instant::now() < deadline => {}
                Some(Err(error)) => return Err(error.into()),
                None => return Err(StoreError::Unavailable("the database is down".into())),
            }
        }
    }

    /// Whether the node is known down.
    pub fn is_down(&self) -> bool {
        self.health.is_down()
    }

    /// Connections in the pool, and how many of them are idle.
    pub fn state(&self) -> (u32, u32) {
        let state = self.pool.state();
        (state.connections, state.idle_connections)
    }
}

/// A pooled connection lent to one store method. A backend that dies sends its error before its
/// socket closes, so the connection does not yet look closed when it comes back; returned as it
/// is, it would fail the next request too. So any outage error seen while it was out (on it or
/// another) retires it: at worst a healthy connection is replaced, one connect during an outage.
/// So does a statement still waiting for its answer (the method's future was dropped mid-way):
/// the connection is mid-protocol, and its clock would go on running.
pub(crate) struct Conn<'a> {
    pooled: PooledConnection<'a, AsyncPgConnection>,
    health: &'a DatabaseHealth,
    /// `health.outages()` when it was lent.
    outages: u64,
}

impl Deref for Conn<'_> {
    type Target = AsyncPgConnection;

    fn deref(&self) -> &AsyncPgConnection {
        &self.pooled
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        &mut self.pooled
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        let abandoned = clock_of(&mut self.pooled).is_some_and(|clock| clock.busy());
        if abandoned || self.health.outages() != self.outages {
            // The pool discards a connection whose transaction manager is in error on return.
            AnsiTransactionManager::transaction_manager_status_mut(&mut *self.pooled).set_in_error();
        }
    }
}
