//! The database restarted or stopped mid-load while the server runs on: nothing acknowledged is
//! lost or doubled, the outage answers 503 with `Retry-After` at once (never 500, never a broken
//! connection, never after waiting out a pool timeout), writes succeed again within two seconds of
//! the database's return, and a reconnecting WebSocket reader gets every acknowledged message once.

use crate::support::{Expect, Outage, PROMPT_ANSWER, Scenario, run_alone};
use std::time::Duration;

/// From the database accepting connections again to a write that succeeds.
const RECOVERY: Duration = Duration::from_secs(2);

/// Load, the outage, a probe write timed from the database's return, more load, then the checks.
async fn survive(name: &str, outage: Outage) {
    run_alone(name, async {
        let scenario = Scenario::start(name).await;
        scenario.run_for(Duration::from_millis(1500)).await;
        let back = scenario.database_outage(outage).await;
        let recovery = scenario.time_to_first_write(back).await;
        scenario.run_for(Duration::from_millis(1500)).await;
        let report = scenario.finish(recovery).await;
        report.assert_kept(Expect {
            server_may_vanish: false,
            recovery_within: Some(RECOVERY),
            unavailable_within: PROMPT_ANSWER,
        });
    })
    .await;
}

/// `pg_ctl restart -m immediate`: every backend killed, crash recovery, no clean checkpoint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_restart_immediate_mid_load() {
    survive("restart_immediate", Outage::Restart("immediate")).await;
}

/// `pg_ctl restart -m fast`: sessions terminated, a clean shutdown, started again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_restart_fast_mid_load() {
    survive("restart_fast", Outage::Restart("fast")).await;
}

/// Stopped for three seconds, then started: the server answers 503 meanwhile and recovers by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_down_for_three_seconds_mid_load() {
    survive("down_3s", Outage::Down(Duration::from_secs(3))).await;
}
