//! The connection pool, and the `Store` handle every query goes through.

use crate::checkout::Conn;
use crate::error::{StoreError, StoreResult};
use crate::health::DatabaseHealth;
use crate::instrumentation::StatementWatch;
use crate::token_cache::TokenCache;
use diesel_async::pooled_connection::bb8::Pool;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, PoolableConnection, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::FutureExt as _;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How the pool is sized and how long a request waits for a connection.
#[derive(Clone, Debug)]
pub struct PoolSettings {
    pub max_size: u32,
    pub acquire_timeout: Duration,
    /// The wait while the database is known to be down: long enough to catch its return, short
    /// enough that a client learns of the outage (503) at once.
    pub acquire_timeout_when_down: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        // A two-core database is busiest with a handful of connections, not a hundred.
        Self {
            max_size: 8,
            acquire_timeout: Duration::from_secs(5),
            acquire_timeout_when_down: Duration::from_millis(250),
        }
    }
}

/// A cheap, cloneable handle on the database. Its methods live beside the tables they touch.
#[derive(Clone)]
pub struct Store {
    pool: Pool<AsyncPgConnection>,
    statements: StatementWatch,
    health: DatabaseHealth,
    acquire_timeout_when_down: Duration,
    pub(crate) tokens: Arc<TokenCache>,
    /// Signalled after every commit that wrote events, to wake this process's publisher. (Not a
    /// NOTIFY from the writing transaction: PostgreSQL serialises the commits of notifying
    /// transactions, which would cap message throughput at one WAL flush per message.)
    events_written: Arc<Notify>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("pool", &self.pool.state()).finish()
    }
}

impl Store {
    /// Opens the pool and checks that the database answers, so a bad URL fails at start-up.
    pub async fn connect(database_url: &str, settings: &PoolSettings) -> StoreResult<Self> {
        let health = DatabaseHealth::default();
        let statements = StatementWatch::new(health.clone());
        let (watch, connect_health) = (statements.clone(), health.clone());
        let mut config = ManagerConfig::default();
        config.custom_setup = Box::new(move |url| {
            let (watch, health) = (watch.clone(), connect_health.clone());
            async move {
                let established = AsyncPgConnection::establish(url).await;
                let mut conn = established.inspect_err(|_| health.mark_down())?;
                health.mark_up();
                conn.set_instrumentation(watch);
                Ok(conn)
            }
            .boxed()
        });
        // A connection the server closed (a restart, a terminated backend) is known as closed
        // without a round trip; checking that at checkout keeps it from being handed out again.
        // It usually means the database went away, which the next requests should learn at once.
        let checkout_health = health.clone();
        config.recycling_method = RecyclingMethod::CustomFunction(Box::new(move |conn| {
            let broken = conn.is_broken();
            if broken {
                checkout_health.mark_down();
            }
            async move { if broken { Err(diesel::result::Error::BrokenTransactionManager) } else { Ok(()) } }.boxed()
        }));
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
        let pool = Pool::builder()
            .max_size(settings.max_size)
            .min_idle(Some(1))
            .connection_timeout(settings.acquire_timeout)
            // Runs the recycling check above, which costs no round trip (bb8's default `SELECT 1`
            // would cost one per checkout).
            .test_on_check_out(true)
            .build(manager)
            .await
            .map_err(|error| crate::StoreError::Unavailable(error.to_string()))?;
        let store = Self {
            pool,
            statements,
            health,
            acquire_timeout_when_down: settings.acquire_timeout_when_down,
            tokens: Arc::default(),
            events_written: Arc::new(Notify::new()),
        };
        store.ping().await?;
        Ok(store)
    }

    /// One round trip to the database: what readiness checks.
    pub async fn ping(&self) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::sql_query("SELECT 1").execute(&mut conn).await?;
        Ok(())
    }

    /// Resolves after a commit that wrote events (signals coalesce while nobody waits).
    pub async fn events_written(&self) {
        self.events_written.notified().await;
    }

    /// Passes `result` through, waking the publisher if it is a success (events were committed).
    pub(crate) fn after_write<T>(&self, result: StoreResult<T>) -> StoreResult<T> {
        if result.is_ok() {
            self.events_written.notify_one();
        }
        result
    }

    /// Connections in the pool, and how many of them are idle.
    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.pool.state();
        (state.connections, state.idle_connections)
    }

    /// Statements sent to the database by this store since it was opened.
    pub fn queries_run(&self) -> u64 {
        self.statements.total()
    }

    pub(crate) async fn conn(&self) -> StoreResult<Conn<'_>> {
        let mut checkout = std::pin::pin!(self.pool.get());
        if !self.health.is_down() {
            tokio::select! {
                pooled = &mut checkout => return Ok(Conn::new(pooled?, &self.health)),
                () = self.health.went_down() => {}
            }
        }
        let pooled = tokio::time::timeout(self.acquire_timeout_when_down, checkout)
            .await
            .map_err(|_| StoreError::Unavailable("the database is down".into()))??;
        Ok(Conn::new(pooled, &self.health))
    }
}
