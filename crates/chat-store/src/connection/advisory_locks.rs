//! Every advisory lock the server takes, named in one place, so two uses can never share an id by
//! accident. The numbers are arbitrary but fixed: an old and a new server process running side by
//! side during a deploy must agree on them. (`chat-test-db` takes 727274 for its template build.)

use crate::connection::prepared::{prepared, statement};
use diesel::QueryResult;
use diesel::sql_types::{BigInt, Integer};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// An advisory lock, held until the end of the transaction that takes it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum AdvisoryLock {
    /// The event publisher: publishers of all server processes take turns, so batches of seqs
    /// never interleave.
    Publisher,
    /// One user's presence: a join or leave on any process, so two processes never both think
    /// they are the user's first or last.
    Presence { user: i64 },
}

const PUBLISHER: i64 = 727_275;
/// The first key of a user's presence lock; the second is the user id folded into an `int`.
const PRESENCE_CLASS: i32 = 7372;

statement!(TakeLock, "SELECT pg_advisory_xact_lock($1)");
statement!(TakeKeyedLock, "SELECT pg_advisory_xact_lock($1, ($2 % 2147483647)::int)");

impl AdvisoryLock {
    /// Takes the lock, waiting for it, until the end of the current transaction.
    pub(crate) async fn take(self, conn: &mut AsyncPgConnection) -> QueryResult<()> {
        match self {
            AdvisoryLock::Publisher => prepared::<TakeLock>().bind::<BigInt, _>(PUBLISHER).execute(conn).await?,
            AdvisoryLock::Presence { user } => {
                let lock = prepared::<TakeKeyedLock>().bind::<Integer, _>(PRESENCE_CLASS);
                lock.bind::<BigInt, _>(user).execute(conn).await?
            }
        };
        Ok(())
    }
}
