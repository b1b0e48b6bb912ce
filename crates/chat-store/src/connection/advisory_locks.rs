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
/// The first key of the lock on applying a user's copy on a cluster, the second as presence's.
const USER_COPY_CLASS: i32 = 7373;

statement!(TakeLock, "SELECT pg_advisory_xact_lock($1)");
statement!(TakeKeyedLock, "SELECT pg_advisory_xact_lock($1, ($2 % 2147483647)::int)");
// In the order of the folded keys (the subquery sorts before the locks are taken), so two
// transactions taking overlapping sets never wait on each other crosswise.
statement!(
    TakeKeyedLocks,
    "SELECT pg_advisory_xact_lock($1, key) FROM (SELECT DISTINCT (id % 2147483647)::int AS key FROM unnest($2::bigint[]) id ORDER BY 1) keys"
);

/// Takes the locks on applying the copies of `users` on this cluster, until the end of the
/// current transaction: two processes applying the same user's copy take turns, each reading
/// what the other wrote.
pub(crate) async fn take_user_copy_locks(conn: &mut AsyncPgConnection, users: &[i64]) -> QueryResult<()> {
    prepared::<TakeKeyedLocks>()
        .bind::<Integer, _>(USER_COPY_CLASS)
        .bind::<diesel::sql_types::Array<BigInt>, _>(users)
        .execute(conn)
        .await?;
    Ok(())
}

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
