//! kill -9 of the server under concurrent writers: every acknowledged message exists exactly once.

use crate::support::{Expect, PROMPT_ANSWER, Scenario, run_alone};
use std::time::Duration;

/// How often the server is killed (and started again on the same address) mid-load.
const KILLS: usize = 2;

/// Every writer retries what was not acknowledged (refused connection, broken connection, 5xx)
/// with the same `Idempotency-Key` until it is; the server dies between request and answer, or
/// between commit and answer, and the retry must then replay the message rather than make another.
/// The reader reconnects with `since` and must see every acknowledged message once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_and_duplicates_nothing() {
    run_alone("server_kill", async {
        let mut scenario = Scenario::start("server_kill").await;
        for _ in 0..KILLS {
            scenario.run_for(Duration::from_millis(1500)).await;
            scenario.server.kill9();
            // Nobody listens for a moment: the writers keep retrying their keys.
            tokio::time::sleep(Duration::from_millis(300)).await;
            scenario.server.restart().await;
        }
        scenario.run_for(Duration::from_millis(1500)).await;
        let report = scenario.finish(None).await;
        report.assert_kept(Expect {
            server_may_vanish: true,
            recovery_within: None,
            unavailable_within: PROMPT_ANSWER,
        });
    })
    .await;
}
