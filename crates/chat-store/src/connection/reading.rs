//! Reads that may be served by a replica, and the rule that keeps them from going back in time:
//! a reader says what they have been shown (`seen.rs`), and a replica serves their read only once
//! it has replayed that far (`replicas.rs`); the answer then tells them where it was read.

use crate::connection::pool::Store;
use crate::connection::replicas::replayed;
use crate::connection::seen::Seen;
use crate::error::{StoreError, StoreResult};
use diesel_async::AsyncPgConnection;
use std::sync::atomic::Ordering;

impl Store {
    /// Runs `read` on a replica that covers what `seen` says the reader has been shown, else on
    /// the primary, and records in `seen` where it was read (only with replicas configured:
    /// without them there is nothing to go back to, and no statement is spent on it). A replica
    /// that fails mid-read is left alone for a while and the read is run again on the primary.
    pub(crate) async fn read<T>(
        &self,
        seen: &mut Seen,
        read: impl AsyncFn(&mut AsyncPgConnection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let Some(replicas) = &self.replicas else {
            let mut conn = self.conn().await?;
            return read(&mut conn).await;
        };
        if let Some(mut replica) = replicas.choose(seen).await {
            let answered = match read(&mut replica.conn).await {
                Ok(value) => replica.replayed().await.map(|at| (value, at)),
                Err(error) => Err(error),
            };
            match answered {
                // Where the replica was after the read must still cover the reader: what was known
                // of it may have been wrong (a replica rewound after a failover goes back).
                Ok((_, at)) if !at.covers(seen) => {
                    tracing::warn!("a read replica went back past what its reader had seen; reading from the primary");
                }
                Ok((value, at)) => {
                    replicas.served.fetch_add(1, Ordering::Relaxed);
                    seen.read_at(at.position);
                    return Ok(value);
                }
                Err(StoreError::Unavailable(error)) => {
                    tracing::warn!(%error, "a read on a replica failed; reading from the primary");
                    replica.failed();
                }
                Err(error) => return Err(error),
            }
        }
        let mut conn = self.conn().await?;
        let value = read(&mut conn).await?;
        seen.read_at(replayed(&mut conn).await?.position);
        Ok(value)
    }

    /// Where the primary's log is now: an answer that read or wrote it (and committed) before
    /// this reflects no more than this. `None` without replicas, where it is never needed.
    pub async fn primary_position(&self) -> StoreResult<Option<i64>> {
        if self.replicas.is_none() {
            return Ok(None);
        }
        let mut conn = self.conn().await?;
        Ok(Some(replayed(&mut conn).await?.position))
    }

    /// Reads a replica answered, since this store was opened.
    pub fn replica_reads(&self) -> u64 {
        self.replicas.as_ref().map_or(0, |replicas| replicas.served.load(Ordering::Relaxed))
    }

    /// Whether reads may be served by replicas (`with_replicas`).
    pub fn has_replicas(&self) -> bool {
        self.replicas.is_some()
    }
}
