//! The connection pool, and the `Store` handle every query goes through.

use crate::error::StoreResult;
use crate::instrumentation::QueryCounter;
use diesel_async::pooled_connection::bb8::{Pool, PooledConnection};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
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
}

impl Default for PoolSettings {
    fn default() -> Self {
        // A two-core database is busiest with a handful of connections, not a hundred.
        Self { max_size: 8, acquire_timeout: Duration::from_secs(5) }
    }
}

/// A cheap, cloneable handle on the database. Its methods live beside the tables they touch.
#[derive(Clone)]
pub struct Store {
    pool: Pool<AsyncPgConnection>,
    queries: QueryCounter,
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

pub(crate) type Conn<'a> = PooledConnection<'a, AsyncPgConnection>;

impl Store {
    /// Opens the pool and checks that the database answers, so a bad URL fails at start-up.
    pub async fn connect(database_url: &str, settings: &PoolSettings) -> StoreResult<Self> {
        let queries = QueryCounter::default();
        let counter = queries.clone();
        let mut config = ManagerConfig::default();
        config.custom_setup = Box::new(move |url| {
            let counter = counter.clone();
            async move {
                let mut conn = AsyncPgConnection::establish(url).await?;
                conn.set_instrumentation(counter);
                Ok(conn)
            }
            .boxed()
        });
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
        let pool = Pool::builder()
            .max_size(settings.max_size)
            .min_idle(Some(1))
            .connection_timeout(settings.acquire_timeout)
            // bb8 would otherwise send a `SELECT 1` before every checkout: a round trip per query.
            // A connection that died is noticed when used (503) and replaced.
            .test_on_check_out(false)
            .build(manager)
            .await
            .map_err(|error| crate::StoreError::Unavailable(error.to_string()))?;
        let store = Self { pool, queries, events_written: Arc::new(Notify::new()) };
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
        self.queries.total()
    }

    pub(crate) async fn conn(&self) -> StoreResult<Conn<'_>> {
        Ok(self.pool.get().await?)
    }
}
