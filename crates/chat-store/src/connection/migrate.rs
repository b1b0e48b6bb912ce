//! The SQL migrations, embedded in the binary and applied at start-up.

use crate::connection::pool::Store;
use crate::error::{StoreError, StoreResult};
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Applies every pending migration to the database at `database_url` (tools and tests; the
/// server migrates through its store, `Store::migrate`).
pub async fn run_migrations(database_url: &str) -> StoreResult<()> {
    let store = Store::connect(database_url, &crate::PoolSettings { max_size: 1, ..Default::default() }).await?;
    store.migrate().await
}

impl Store {
    /// Applies every pending migration, on a connection of its own made host by host within the
    /// bounded wait (so a hung node cannot hold start-up before it begins), whose statements are
    /// not bounded: a migration may rightly take minutes, with nothing else answering meanwhile.
    /// Diesel's harness is synchronous, so it runs on a blocking thread over the connection
    /// wrapped (the async harness panics on a current-thread runtime).
    pub async fn migrate(&self) -> StoreResult<()> {
        let conn = self.connector().unbounded().await.map_err(|error| StoreError::Unavailable(error.to_string()))?;
        let outcome = tokio::task::spawn_blocking(move || -> StoreResult<usize> {
            let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::from(conn);
            let applied = conn.run_pending_migrations(MIGRATIONS).map_err(|error| {
                // A statement given up (a node that stopped answering) is an outage, not a bad migration.
                match error.downcast::<diesel::result::Error>() {
                    Ok(error) => StoreError::from(*error),
                    Err(error) => StoreError::Corrupt(format!("migration failed: {error}")),
                }
            })?;
            Ok(applied.len())
        })
        .await
        .map_err(|error| StoreError::Corrupt(format!("migration task failed: {error}")))?;
        let applied = outcome?;
        if applied > 0 {
            tracing::info!(applied, "database migrations applied");
        }
        Ok(())
    }
}
