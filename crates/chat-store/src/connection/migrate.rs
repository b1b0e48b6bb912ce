//! The SQL migrations, embedded in the binary and applied at start-up.

use crate::error::{StoreError, StoreResult};
use diesel::Connection;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Applies every pending migration. Diesel's harness is synchronous, so it runs on a blocking
/// thread over a wrapped async connection (the async harness panics on a current-thread runtime).
pub async fn run_migrations(database_url: &str) -> StoreResult<()> {
    let url = database_url.to_owned();
    let outcome = tokio::task::spawn_blocking(move || -> StoreResult<usize> {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)
            .map_err(|error| StoreError::Unavailable(error.to_string()))?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|error| StoreError::Corrupt(format!("migration failed: {error}")))?;
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
