//! A WebSocket client that reconnects after every drop, resuming with `?since=<last seq>`.

use futures_util::StreamExt as _;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

/// Everything the reader received, in order, across all its connections.
#[derive(Clone, Debug, Default)]
pub struct WsLog {
    /// The `seq` of every stored event, in arrival order.
    pub seqs: Vec<i64>,
    /// The message id of every `message.created`, in arrival order.
    pub created: Vec<i64>,
    /// Connections that got as far as `ready`.
    pub connections: u32,
    pub failed_connects: u32,
    pub resyncs: u32,
}

/// The reader at work; aborted when dropped.
#[derive(Debug)]
pub struct WsReader {
    log: Arc<Mutex<WsLog>>,
    task: JoinHandle<()>,
}

impl WsReader {
    /// Connects to `base` as the owner of `token` and keeps reading until stopped.
    pub fn start(base: &str, token: &str) -> Self {
        let log = Arc::new(Mutex::new(WsLog::default()));
        let url = format!("{}/api/v1/ws", base.replace("http://", "ws://"));
        let task = tokio::spawn(read(url, format!("Bearer {token}"), log.clone()));
        Self { log, task }
    }

    /// Waits up to `within` for the first `ready`: what is posted after it is delivered.
    pub async fn wait_connected(&self, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        while self.log.lock().expect("ws log").connections == 0 {
            assert!(tokio::time::Instant::now() < deadline, "the WebSocket got no ready within {within:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits up to `within` for every one of `ids` to have arrived as `message.created`.
    pub async fn wait_for(&self, ids: &HashSet<i64>, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        while tokio::time::Instant::now() < deadline {
            let arrived: HashSet<i64> = self.log.lock().expect("ws log").created.iter().copied().collect();
            if ids.is_subset(&arrived) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops reading; what arrived.
    pub fn finish(self) -> WsLog {
        self.task.abort();
        self.log.lock().expect("ws log").clone()
    }
}

impl Drop for WsReader {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn read(url: String, authorization: String, log: Arc<Mutex<WsLog>>) {
    let mut since: Option<i64> = None;
    loop {
        let query = since.map(|seq| format!("?since={seq}")).unwrap_or_default();
        let mut request = format!("{url}{query}").into_client_request().expect("a WebSocket request");
        request.headers_mut().insert("Authorization", authorization.parse().expect("a header value"));
        let connected = tokio::time::timeout(Duration::from_secs(3), tokio_tungstenite::connect_async(request)).await;
        let Ok(Ok((mut stream, _))) = connected else {
            log.lock().expect("ws log").failed_connects += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        // A connection silent for 20 s (the server pings every 15) is dead: reconnect.
        while let Ok(Some(Ok(message))) = tokio::time::timeout(Duration::from_secs(20), stream.next()).await {
            let Message::Text(text) = message else { continue };
            let Ok(frame) = serde_json::from_str::<Value>(&text) else { continue };
            let mut log = log.lock().expect("ws log");
            match (frame["type"].as_str(), frame["seq"].as_i64()) {
                (Some("ready"), Some(seq)) => {
                    log.connections += 1;
                    since = since.or(Some(seq));
                }
                (Some("resync_required"), _) => log.resyncs += 1,
                (Some(kind), Some(seq)) => {
                    log.seqs.push(seq);
                    since = Some(seq);
                    if let Some(id) = frame["data"]["id"].as_i64().filter(|_| kind == "message.created") {
                        log.created.push(id);
                    }
                }
                _ => {}
            }
        }
    }
}
