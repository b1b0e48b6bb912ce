//! The connection pool, and the `Store` handle every query goes through.

use crate::connection::checkout::{Checkout, Conn, PoolSettings, Startup};
use crate::connection::connect::Connector;
use crate::connection::health::DatabaseHealth;
use crate::connection::instrumentation::StatementWatch;
use crate::connection::replicas::{ReplicaSettings, Replicas};
use crate::error::{StoreError, StoreResult};
use crate::users::token_cache::TokenCache;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Notify;

/// A change to run in a transaction: an async closure over the connection whose future is
/// `Send` (what diesel-async's `transaction` asks of its callback, named here so `Store::write`
/// can pass one through).
pub(crate) trait Change<'c, T>:
    AsyncFnOnce(&'c mut AsyncPgConnection) -> StoreResult<T>
    + FnOnce(&'c mut AsyncPgConnection) -> <Self as Change<'c, T>>::Future
{
    type Future: Future<Output = StoreResult<T>> + Send;
}

impl<'c, T, F, Fut> Change<'c, T> for F
where
    F: AsyncFnOnce(&'c mut AsyncPgConnection) -> StoreResult<T> + FnOnce(&'c mut AsyncPgConnection) -> Fut,
    Fut: Future<Output = StoreResult<T>> + Send,
{
    type Future = Fut;
}

/// A cheap, cloneable handle on the database. Its methods live beside the tables they touch.
#[derive(Clone)]
pub struct Store {
    checkout: Arc<Checkout>,
    /// For connections outside the pool (the listener's), within the same bounded wait.
    connector: Arc<Connector>,
    statements: StatementWatch,
    /// Where reads that may be served by a replica go (`reading.rs`); none without replicas.
    pub(crate) replicas: Option<Arc<Replicas>>,
    pub(crate) tokens: Arc<TokenCache>,
    /// Signalled after every commit that wrote events, to wake this process's publisher. (Not a
    /// NOTIFY from the writing transaction: PostgreSQL serialises the commits of notifying
    /// transactions, which would cap message throughput at one WAL flush per message.)
    events_written: Arc<Notify>,
    /// Each user's send budget, taken by the create statement.
    pub(crate) send_limit: SendLimit,
    /// For a cluster opened before it answered (`connect_lazily`): closed until `Clusters` has
    /// prepared it (migrated, checked, its counters raised), and every connection asked for
    /// meanwhile answers `Unavailable`. `None`: serves as soon as it is open.
    prepared: Option<Arc<AtomicBool>>,
}

/// How many messages a user may post: a burst, refilled at a sustained rate (a token bucket kept
/// in `send_budgets`, one per user whichever process serves them).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SendLimit {
    /// The most messages a user may post at once after a quiet spell.
    pub burst: u32,
    /// How many of those come back a minute.
    pub per_minute: u32,
}

impl Default for SendLimit {
    fn default() -> Self {
        Self { burst: 30, per_minute: 60 }
    }
}

impl SendLimit {
    /// Tokens refilled a second.
    pub(crate) fn per_second(self) -> f64 {
        f64::from(self.per_minute) / 60.0
    }

    /// How long until a user with no token left has one again: at least a second.
    pub(crate) fn retry_after_secs(self) -> u64 {
        (1.0 / self.per_second().max(f64::MIN_POSITIVE)).ceil().clamp(1.0, 86_400.0) as u64
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("pool", &self.checkout.state()).finish()
    }
}

impl Store {
    /// Opens the pool and checks that the database answers, so a bad URL fails at start-up.
    pub async fn connect(database_url: &str, settings: &PoolSettings) -> StoreResult<Self> {
        let store = Self::open(database_url, settings, Startup::Checked, None).await?;
        store.ping().await?;
        Ok(store)
    }

    /// Opens the pool without reaching the database, closed until it is marked prepared: a
    /// cluster of several that is down at start-up does not hold the server back (its chats
    /// answer 503 until `Clusters::prepare` has run on it).
    pub async fn connect_lazily(database_url: &str, settings: &PoolSettings) -> StoreResult<Self> {
        Self::open(database_url, settings, Startup::Lazily, Some(Arc::new(AtomicBool::new(false)))).await
    }

    async fn open(
        database_url: &str,
        settings: &PoolSettings,
        startup: Startup,
        prepared: Option<Arc<AtomicBool>>,
    ) -> StoreResult<Self> {
        let health = DatabaseHealth::default();
        let statements = StatementWatch::new(health.clone());
        let (checkout, connector) = Checkout::open(database_url, settings, health, statements.clone(), startup).await?;
        Ok(Self {
            checkout: Arc::new(checkout),
            connector,
            statements,
            replicas: None,
            tokens: Arc::default(),
            events_written: Arc::new(Notify::new()),
            send_limit: SendLimit::default(),
            prepared,
        })
    }

    /// Whether this store serves: always, but for one opened lazily that is not prepared yet.
    pub fn is_prepared(&self) -> bool {
        self.prepared.as_ref().is_none_or(|prepared| AtomicBool::load(prepared, Ordering::Acquire))
    }

    /// The same store, open to its preparer before it serves.
    pub(crate) fn for_preparing(&self) -> Store {
        Store { prepared: None, ..self.clone() }
    }

    /// Opens the store to everyone: its cluster is prepared.
    pub(crate) fn mark_prepared(&self) {
        if let Some(prepared) = &self.prepared {
            prepared.store(true, Ordering::Release);
        }
    }

    /// The same store, with reads that may be served by a replica spread over `replicas` (each
    /// with a pool sized and bounded as the primary's). Replicas that are down do not fail this.
    pub async fn with_replicas(mut self, replicas: &ReplicaSettings, settings: &PoolSettings) -> StoreResult<Self> {
        if !replicas.urls.is_empty() {
            self.replicas = Some(Arc::new(Replicas::open(replicas, settings, &self.statements).await?));
        }
        Ok(self)
    }

    /// The same store, holding each user to `limit` when they post.
    pub fn with_send_limit(mut self, limit: SendLimit) -> Self {
        self.send_limit = limit;
        self
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

    /// Runs `change` in a transaction on a pooled connection and, once it has committed, wakes
    /// the publisher for the events it wrote. Changes that write events go through here, or call
    /// `after_write` themselves: a single auto-committed statement, and chat creation, which
    /// keeps its connection after the transaction to replay an idempotent request.
    pub(crate) async fn write<T, F>(&self, change: F) -> StoreResult<T>
    where
        F: for<'c> Change<'c, T> + Send,
        T: Send,
    {
        let mut conn = self.conn().await?;
        let written = AsyncPgConnection::transaction(&mut conn, change).await;
        self.after_write(written)
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
        self.checkout.state()
    }

    /// Pooled connections this store has opened, to the primary or a replica. A failover or a
    /// restore cuts every connection to the old primary, so what was read before one was read
    /// before the connections opened since.
    pub(crate) fn connections_opened(&self) -> u64 {
        self.statements.connections_opened()
    }

    /// Statements sent to the database by this store since it was opened.
    pub fn queries_run(&self) -> u64 {
        self.statements.total()
    }

    pub(crate) fn connector(&self) -> &Connector {
        &self.connector
    }

    pub(crate) async fn conn(&self) -> StoreResult<Conn<'_>> {
        if !self.is_prepared() {
            return Err(StoreError::Unavailable("this cluster has not answered since the server started".into()));
        }
        self.checkout.get().await
    }
}
