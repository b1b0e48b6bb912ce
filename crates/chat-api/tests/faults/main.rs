//! Fault tests: the release server as a child process, on a PostgreSQL cluster of their own, broken on purpose.
//!
//! Not part of `cargo test --workspace` (`test = false` in Cargo.toml): `make faults` runs them, or
//! `cargo test -p chat-api --release --test faults -- --test-threads=1 --nocapture`. The cluster
//! lives in `.data/faults` (`CHAT_FAULTS_PG_ROOT`; its port is derived from that folder unless
//! `CHAT_FAULTS_PG_PORT` is set), so restarting it never disturbs the cluster `make test` uses.
//! The failovers run on a replicated cluster of their own, `scripts/ha-cluster.sh` in `.data/faults-ha`
//! (`CHAT_FAULTS_HA_ROOT`). `CHAT_FAULTS_DB_WAIT_MS` sets the server's bounded wait (a huge value
//! measures the server without it: the freeze test then fails).
//! Each scenario prints its counts; a failure lists every broken promise under them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod database_outage;
mod ha_failover;
mod preview_kill;
mod server_kill;
mod support;
