//! How long after a create answered its message is found by `GET /search`: the search index
//! follows the event log (`chat-api`'s `search_index.rs`), so a message is found a moment later.
//! Measured on a quiet server and while 16 clients create messages: from a post's answer until a
//! search for its one word first finds it, searched again every 2 ms. The probes share the
//! bench's one thread with the load, which can only add to what they measure.

use crate::http::{self, RequestFn};
use crate::setup::Fixture;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const PROBES: usize = 20;
/// Between one probe's message being found and the next one's post.
const SPACING: Duration = Duration::from_millis(100);
/// The lag is reported within this target.
const TARGET: Duration = Duration::from_millis(500);

/// Prints the lag's median and worst, quiet and under load.
pub async fn run(client: &reqwest::Client, base: &str, host: &str, fixture: &Fixture, create: &RequestFn) {
    let quiet = probes(client, base, fixture, "q").await;
    let (busy, load) =
        tokio::join!(probes(client, base, fixture, "b"), http::drive(host, 16, Duration::from_secs(6), "lag", create));
    assert!(load.other.is_empty(), "creates answered {:?} during the search lag probes", load.other);
    for (when, mut lags) in [("quiet", quiet), ("16 clients creating", busy)] {
        lags.sort_unstable();
        let (median, worst) = (lags[lags.len() / 2], lags[lags.len() - 1]);
        let verdict = if worst <= TARGET { "met" } else { "MISSED" };
        println!(
            "Search lag after a create's answer, {when}: p50 {:.0} ms, max {:.0} ms of {} (target: max <= {} ms, {verdict})",
            median.as_secs_f64() * 1000.0,
            worst.as_secs_f64() * 1000.0,
            lags.len(),
            TARGET.as_millis(),
        );
    }
}

/// `PROBES` lags, each of a message with a word of its own (`run` distinguishes the runs).
async fn probes(client: &reqwest::Client, base: &str, fixture: &Fixture, run: &str) -> Vec<Duration> {
    let mut lags = Vec::with_capacity(PROBES);
    for n in 0..PROBES {
        // Ending in digits, so that no stemmer makes two probes' words one.
        let word = format!("lagprobe{run}x{n:02}");
        let body = json!({ "chat_id": fixture.chat, "type": "text", "content": format!("probe {word}") });
        let posted =
            client.post(format!("{base}/messages")).bearer_auth(&fixture.ann).json(&body).send().await.unwrap();
        assert!(posted.status().is_success(), "a probe's post answered {}", posted.status());
        let answered = Instant::now();
        loop {
            let search =
                client.get(format!("{base}/search?q={word}%20")).bearer_auth(&fixture.ann).send().await.unwrap();
            let found: Value = search.json().await.unwrap();
            if found["hits"].as_array().is_some_and(|hits| !hits.is_empty()) {
                lags.push(answered.elapsed());
                break;
            }
            assert!(answered.elapsed() < Duration::from_secs(30), "{word} was not found within 30 s");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        tokio::time::sleep(SPACING).await;
    }
    lags
}
