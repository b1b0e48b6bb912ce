//! Connection plumbing: the pool and `Store` handle, checking connections out and in with what is
//! known of the database's health, connecting and answering within the bounded wait, counting statements, prepared hand-written SQL, the advisory locks, migrations, and reads
//! from replicas that never go back in time for their reader.

pub(crate) mod advisory_locks;
pub(crate) mod checkout;
pub(crate) mod connect;
pub(crate) mod deadline;
pub(crate) mod health;
pub(crate) mod instrumentation;
pub(crate) mod migrate;
pub(crate) mod pool;
pub(crate) mod prepared;
pub(crate) mod reading;
pub(crate) mod replicas;
pub(crate) mod seen;
