//! kill -9 of the server while it fetches a linked page: the job outlives the process, its lease
//! runs out, the restarted server fetches the page again, and the message gets its preview once.

use crate::support::{Api, Cluster, Page, PageServer, Server, run_alone};
use serde_json::Value;
use std::time::{Duration, Instant};

/// The preview lease of the fault tests' server (`server.rs`: a fetch of at most 2 s, so
/// `worker.rs`'s 2 x 2 s + 5 s), with room for the restart and the second fetch.
const PREVIEWED_WITHIN: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_9_mid_fetch_leaves_the_preview_to_the_restarted_server_and_it_comes_once() {
    run_alone("preview_kill", async {
        let cluster = Cluster::new();
        let database_url = cluster.fresh_database("faults_preview_kill").await;
        let mut server = Server::start(&database_url, cluster.log_file("preview_kill")).await;
        let api = Api::sign_up(&server.base(), "previewer").await;
        let pages = PageServer::start().await;
        // Slow enough to be killed in the middle of (a second to spare), quick enough for the
        // 2 s fetch (a second to spare).
        let link =
            pages.serve("/slow", Page { delay: Duration::from_secs(1), ..Page::with_preview("Slow", "/none.png") });

        let client = reqwest::Client::new();
        let message = api.post_text(&client, &format!("see {link}")).await;
        wait_until("the page is asked for", Duration::from_secs(10), || async { pages.hits("/slow") == 1 }).await;
        server.kill9();
        server.restart().await;

        let events = || api.events_of(&client, message);
        wait_until("the preview arrives", PREVIEWED_WITHIN, || async {
            events().await.iter().any(|event| event["type"] == "message.updated")
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let updates: Vec<Value> =
            events().await.into_iter().filter(|event| event["type"] == "message.updated").collect();
        assert_eq!(updates.len(), 1, "the preview is attached once: {updates:?}");
        assert_eq!(updates[0]["data"]["link_preview"]["title"], "Slow");
        assert_eq!(pages.hits("/slow"), 2, "fetched again after the killed fetch's lease ran out");
    })
    .await;
}

async fn wait_until<F, Fut>(what: &str, within: Duration, mut holds: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !holds().await {
        assert!(started.elapsed() < within, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
