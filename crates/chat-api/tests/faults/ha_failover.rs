//! Failovers of the replicated cluster (scripts/ha-cluster.sh: three PostgreSQL nodes under
//! Patroni, synchronous replication) under the same load: the server is given every node
//! (`target_session_attrs=read-write`) and must follow the primary by itself.
//!
//! - The primary killed (`kill -9`): nothing acknowledged is lost or doubled, the outage answers
//!   503 (never 500, never slower than the bounded wait allows), writes are back within 15 s of
//!   the kill, and the reader gets every acknowledged message once.
//! - The primary frozen (`SIGSTOP`, a hung machine) for 30 s: writes are back within 15 s of a
//!   standby's promotion, before the thaw (the server gives up on the hung node rather than wait
//!   for it), nothing the old primary acknowledged is lost (no split brain), and the old primary
//!   rejoins as a replica.
//! - A switchover (the operator's planned handover to the synchronous standby) under the same
//!   load: the same promises as a kill, and the old primary back as a replica.
//!
//! Each prints its write outage: the longest time without an acknowledged write.

use crate::support::{Expect, HaCluster, PROMPT_ANSWER, Scenario, db_wait, run_alone_within};
use std::time::{Duration, Instant};

/// From the kill, or the promotion, to an acknowledged write.
const BACK_WITHIN: Duration = Duration::from_secs(15);
const FREEZE_SECONDS: u32 = 30;
/// Patroni restarts (and if need be rewinds) the old primary as a replica of the new leader.
const REJOIN_WITHIN: Duration = Duration::from_secs(90);
/// Patroni promotes a standby once the frozen leader's key expires (its `ttl`, 20 s) and a loop.
const PROMOTED_WITHIN: Duration = Duration::from_secs(FREEZE_SECONDS as u64);
/// A 503 comes within the bounded wait for a connection, then one for a statement, and a margin.
fn slowest_unavailable() -> Duration {
    db_wait().saturating_mul(2).saturating_add(PROMPT_ANSWER)
}

/// The scenario on a fresh database of the replicated cluster.
async fn start(name: &str) -> (HaCluster, Scenario, String) {
    let cluster = HaCluster::start().await;
    let database = format!("faults_{name}");
    let url = cluster.fresh_database(&database).await;
    let log = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("faults-{name}.log"));
    let scenario = Scenario::start_on(name, &url, log, None).await;
    (cluster, scenario, database)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn primary_killed_mid_load() {
    let name = "ha_kill";
    run_alone_within(name, Duration::from_secs(180), async {
        let (cluster, scenario, database) = start(name).await;
        let (primary, _) = cluster.nodes(&database).await;
        scenario.run_for(Duration::from_millis(1500)).await;
        let killed = Instant::now();
        cluster.kill_primary().await;
        let recovery = scenario.time_to_first_write(killed).await;
        scenario.run_for(Duration::from_millis(1500)).await;
        let outage = scenario.tally().write_outage(killed);
        println!("{name}: write outage {outage:.2?}; a new write acknowledged {recovery:.2?} after the kill");
        let report = scenario.finish(recovery).await;
        let (leader, _) = cluster.nodes(&database).await;
        let rejoined = HaCluster::wait_rejoined(&primary, &leader, REJOIN_WITHIN).await;
        report.assert_kept(Expect {
            server_may_vanish: false,
            recovery_within: Some(BACK_WITHIN),
            unavailable_within: slowest_unavailable(),
        });
        assert!(rejoined, "{name}: the old primary did not rejoin as a replica within {REJOIN_WITHIN:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn primary_frozen_mid_load() {
    let name = "ha_freeze";
    run_alone_within(name, Duration::from_secs(240), async {
        let (cluster, scenario, database) = start(name).await;
        let (primary, standbys) = cluster.nodes(&database).await;
        scenario.run_for(Duration::from_millis(1500)).await;
        let frozen = Instant::now();
        let mut freeze = cluster.freeze_primary(FREEZE_SECONDS);
        let promoted = HaCluster::wait_promoted(&standbys, PROMOTED_WITHIN).await;
        let Some((promoted_at, leader)) = promoted else {
            let _ = freeze.wait();
            panic!("{name}: no standby was promoted within {PROMOTED_WITHIN:?} of the freeze");
        };
        println!("{name}: {leader} promoted {:.2?} after the freeze", promoted_at - frozen);
        let recovery = scenario.time_to_first_write(promoted_at).await;
        let thawed = tokio::task::spawn_blocking(move || freeze.wait()).await.expect("freeze-primary");
        assert!(thawed.is_ok_and(|status| status.success()), "freeze-primary failed");
        // The thaw comes no earlier than this (the script freezes the node after it is started).
        let thawed_at = frozen + Duration::from_secs(FREEZE_SECONDS.into());
        scenario.run_for(Duration::from_millis(1500)).await;
        let (outage, resumed) = {
            let tally = scenario.tally();
            (tally.write_outage(frozen), tally.first_ack_after(promoted_at))
        };
        let resumed = resumed.map(|at| at - promoted_at);
        println!(
            "{name}: write outage {outage:.2?}; writes resumed {resumed:.2?} after the promotion (the thaw came {:.2?} after it)",
            thawed_at - promoted_at
        );
        let report = scenario.finish(recovery).await;
        let rejoined = HaCluster::wait_rejoined(&primary, &leader, REJOIN_WITHIN).await;
        report.assert_kept(Expect {
            server_may_vanish: false,
            recovery_within: Some(BACK_WITHIN),
            unavailable_within: slowest_unavailable(),
        });
        assert!(
            resumed.is_some_and(|after| after <= BACK_WITHIN && promoted_at + after < thawed_at),
            "{name}: writes did not resume within {BACK_WITHIN:?} of the promotion and before the thaw"
        );
        assert!(rejoined, "{name}: the old primary did not rejoin as a replica within {REJOIN_WITHIN:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switchover_mid_load() {
    let name = "ha_switchover";
    run_alone_within(name, Duration::from_secs(180), async {
        let (cluster, scenario, database) = start(name).await;
        let (primary, _) = cluster.nodes(&database).await;
        scenario.run_for(Duration::from_millis(1500)).await;
        let switched = Instant::now();
        cluster.switchover().await;
        // The script returns once Patroni reports the new leader's synchronous standby, seconds
        // after writes resumed: the writers' own outage is the measure, this probe only a bound.
        let recovery = scenario.time_to_first_write(switched).await;
        scenario.run_for(Duration::from_millis(1500)).await;
        let outage = scenario.tally().write_outage(switched);
        println!("{name}: write outage {outage:.2?}; the script returned and a probe was acknowledged {recovery:.2?} after it began");
        let report = scenario.finish(recovery).await;
        let (leader, _) = cluster.nodes(&database).await;
        assert_ne!(leader, primary, "{name}: the leader did not move");
        let rejoined = HaCluster::wait_rejoined(&primary, &leader, REJOIN_WITHIN).await;
        report.assert_kept(Expect {
            server_may_vanish: false,
            // The script's own wait included (`ha-cluster.sh switchover`: about 8 s).
            recovery_within: Some(BACK_WITHIN * 2),
            unavailable_within: slowest_unavailable(),
        });
        assert!(outage <= BACK_WITHIN, "{name}: no write was acknowledged for {outage:.2?} (at most {BACK_WITHIN:?})");
        assert!(rejoined, "{name}: the old primary did not rejoin as a replica within {REJOIN_WITHIN:?}");
    })
    .await;
}
