//! A pooled connection lent to one store method, retired instead of returned if an outage error
//! was seen while it was out.
//!
//! A backend that dies sends its error before the socket closes, so the request fails while the
//! connection does not yet look closed; returned to the pool as it is, it would fail the next
//! request too ("connection closed", long after the database is back). Any outage error seen
//! meanwhile, on this connection or another, retires it: at worst a healthy connection is
//! replaced, which costs one connect during an outage.

use crate::health::DatabaseHealth;
use diesel_async::pooled_connection::bb8::PooledConnection;
use diesel_async::{AnsiTransactionManager, AsyncPgConnection, TransactionManager};
use std::ops::{Deref, DerefMut};

pub(crate) struct Conn<'a> {
    pooled: PooledConnection<'a, AsyncPgConnection>,
    health: &'a DatabaseHealth,
    outages_at_checkout: u64,
}

impl<'a> Conn<'a> {
    pub fn new(pooled: PooledConnection<'a, AsyncPgConnection>, health: &'a DatabaseHealth) -> Self {
        Self { pooled, health, outages_at_checkout: health.outages() }
    }
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
        if self.health.outages() != self.outages_at_checkout {
            // The pool discards a connection whose transaction manager is in error on return.
            AnsiTransactionManager::transaction_manager_status_mut(&mut *self.pooled).set_in_error();
        }
    }
}
