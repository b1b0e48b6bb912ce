//! Hand-written SQL that PostgreSQL plans once per connection.
//!
//! Diesel caches a prepared statement only for a query whose *type* identifies its SQL, which
//! `diesel::sql_query` cannot offer (it marks itself unsafe to cache), so every call would be
//! parsed and planned again: measured with pgbench on the message-create CTE, 1,824/s re-planned
//! against 4,081/s prepared. Here a marker type names each statement, so it is cached.
//!
//! A statement that writes outside a transaction is read with `get_committed`, never `get_result`:
//! see there why.

use crate::connection::instrumentation::clock_of;
use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::result::Error as DieselError;
use diesel::serialize::ToSql;
use diesel::sql_types::{HasSqlType, Untyped};
use diesel_async::methods::LoadQuery;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::marker::PhantomData;

/// Within a transaction, has PostgreSQL plan each statement for its values, not once per
/// connection (`connect.rs`: `SESSION_OPTIONS`): for housekeeping (the prunes, upload expiry),
/// which runs every few minutes, so planning costs nothing, and whose generic plans would cost
/// `created_at < $1` at a third of the table and scan all of it for its oldest slice.
pub(crate) async fn plan_for_values(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    use diesel_async::SimpleAsyncConnection;
    conn.batch_execute("SET LOCAL plan_cache_mode = force_custom_plan").await
}

/// The SQL text of one statement; implemented by the marker types `statement!` declares.
pub(crate) trait StatementText: 'static {
    const SQL: &'static str;
}

/// Declares a marker type for a statement: `statement!(CreateMessage, "WITH ...");`.
macro_rules! statement {
    ($(#[$doc:meta])* $name:ident, $sql:expr) => {
        $(#[$doc])*
        pub(crate) struct $name;
        impl $crate::connection::prepared::StatementText for $name {
            const SQL: &'static str = $sql;
        }
    };
}
pub(crate) use statement;

/// A statement with its bind values, in the order of its `$1`, `$2`... placeholders.
pub(crate) struct Prepared<S, B> {
    binds: B,
    statement: PhantomData<fn() -> S>,
}

/// Starts a statement with no binds yet.
pub(crate) fn prepared<S: StatementText>() -> Prepared<S, ()> {
    Prepared { binds: (), statement: PhantomData }
}

impl<S, B> Prepared<S, B> {
    /// Appends the next bind value, of SQL type `ST`.
    pub fn bind<ST, T>(self, value: T) -> Prepared<S, Bind<ST, T, B>> {
        Prepared { binds: Bind { value, earlier: self.binds, sql_type: PhantomData }, statement: PhantomData }
    }

    /// The one row of an auto-committed write, once PostgreSQL has confirmed its commit.
    ///
    /// Such a statement commits at its Sync, after its rows went out; `get_result` answers from
    /// the first row, so a backend that dies during the commit (immediate shutdown, a terminated
    /// backend) would have a rolled-back write acknowledged. Loading reads the reply up to its
    /// `ReadyForQuery`, which PostgreSQL sends only after the commit, and fails with whatever was
    /// sent instead: the same single round trip, acknowledged only when durable.
    ///
    /// The connection's statement clock (the bounded wait) runs until then too: diesel reports a
    /// statement answered at its first reply, and the commit, which waits for a synchronous
    /// standby, comes after the rows. Should this future be dropped midway, the clock stays
    /// running and the connection is discarded when given back.
    pub async fn get_committed<'query, U>(self, conn: &mut AsyncPgConnection) -> QueryResult<U>
    where
        Self: LoadQuery<'query, AsyncPgConnection, U> + 'query,
        U: Send,
    {
        let clock = clock_of(conn);
        if let Some(clock) = &clock {
            clock.started();
        }
        let rows = self.load::<U>(conn).await;
        if let Some(clock) = &clock {
            clock.finished();
        }
        rows?.pop().ok_or(DieselError::NotFound)
    }
}

/// One bind value after the `earlier` ones.
pub(crate) struct Bind<ST, T, Earlier> {
    value: T,
    earlier: Earlier,
    sql_type: PhantomData<fn() -> ST>,
}

pub(crate) trait Binds {
    fn walk<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()>;
}

impl Binds for () {
    fn walk<'b>(&'b self, _: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        Ok(())
    }
}

impl<ST, T: ToSql<ST, Pg>, Earlier: Binds> Binds for Bind<ST, T, Earlier>
where
    Pg: HasSqlType<ST>,
{
    fn walk<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.earlier.walk(out)?;
        out.push_bind_param_value_only::<ST, T>(&self.value)
    }
}

impl<S: StatementText, B: Binds> QueryFragment<Pg> for Prepared<S, B> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(S::SQL);
        self.binds.walk(&mut out)
    }
}

impl<S: StatementText, B> QueryId for Prepared<S, B> {
    type QueryId = S;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<S, B> Query for Prepared<S, B> {
    type SqlType = Untyped;
}
