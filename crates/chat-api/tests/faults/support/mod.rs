//! What every fault scenario shares: the cluster, the server process, the load, the checks.

mod api;
mod checks;
mod cluster;
mod ha;
mod load;
// The API tests' page server, for the link preview scenario (which uses part of it).
#[allow(dead_code)]
#[path = "../../api/support/pages.rs"]
mod pages;
mod report;
mod scenario;
mod server;
mod ws_reader;

pub use api::Api;
pub use cluster::Cluster;
pub use ha::HaCluster;
pub use pages::{Page, PageServer};
pub use report::{Expect, PROMPT_ANSWER};
pub use scenario::{Outage, Scenario};
pub use server::{Server, db_wait};

use std::future::Future;
use std::time::Duration;

/// Concurrent writers, each with its own connection and its own keys.
pub const WRITERS: usize = 16;

/// The longest a whole scenario may take before it is abandoned (and its server killed).
pub const SCENARIO_LIMIT: Duration = Duration::from_secs(120);

/// Scenarios share one cluster (and two cores): they take turns, even without `--test-threads=1`.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs `scenario` alone, within `SCENARIO_LIMIT`; dropping it on time-out kills its server.
pub async fn run_alone(name: &str, scenario: impl Future<Output = ()>) {
    run_alone_within(name, SCENARIO_LIMIT, scenario).await;
}

/// `run_alone` with a limit of its own (a scenario that waits out a 30 s freeze).
pub async fn run_alone_within(name: &str, limit: Duration, scenario: impl Future<Output = ()>) {
    assert!(
        env!("CARGO_BIN_EXE_chat-api").contains("/release/"),
        "the fault tests run against the release binary: make faults, or cargo test -p chat-api --release --test faults"
    );
    let _turn = TURN.lock().await;
    if tokio::time::timeout(limit, scenario).await.is_err() {
        panic!("{name}: did not finish within {limit:?}");
    }
}
