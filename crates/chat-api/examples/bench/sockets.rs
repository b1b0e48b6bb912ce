//! Thousands of WebSocket clients on the bench's one thread: connected a few dozen at a time,
//! each then read by its own task, which answers pings, notes when each bench message came and,
//! if asked, acknowledges what it got at most once a second, as the project's clients do.

use futures_util::{SinkExt as _, StreamExt as _};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

/// The marker a fan-out message's content starts with, followed by its number.
pub const MARKER: &str = "fanout ";

/// One bench message seen on one socket.
#[derive(Clone, Copy, Debug)]
pub struct Arrival {
    pub socket: u32,
    pub message: u32,
    pub at: Instant,
}

/// Open sockets, read until dropped.
#[derive(Debug)]
pub struct Sockets {
    pub arrivals: Arc<Mutex<Vec<Arrival>>>,
    readers: Vec<JoinHandle<()>>,
}

impl Drop for Sockets {
    fn drop(&mut self) {
        self.readers.iter().for_each(JoinHandle::abort);
    }
}

/// The bench message a frame carries, if it is one: `..."content":"fanout 12"...`.
fn bench_message(frame: &str) -> Option<u32> {
    let start = frame.find(&format!("\"content\":\"{MARKER}"))? + MARKER.len() + 11;
    let digits = frame[start..].split(|c: char| !c.is_ascii_digit()).next()?;
    digits.parse().ok()
}

/// The `seq` a frame starts with: `{"seq":1234,...`.
fn frame_seq(frame: &str) -> Option<i64> {
    let digits = frame.strip_prefix(r#"{"seq":"#)?.split(|c: char| !c.is_ascii_digit()).next()?;
    digits.parse().ok()
}

/// Opens one socket per token (socket `n` with `tokens[n]`) and waits for each one's `ready`;
/// with `ack`, each socket acknowledges the events it got, at most once a second.
pub async fn open(host: &str, tokens: &[String], ack: bool) -> Sockets {
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let connecting = futures_util::stream::iter(tokens.iter().enumerate()).map(|(n, token)| {
        let url = format!("ws://{host}/api/v1/ws");
        async move {
            let mut request = url.into_client_request().unwrap();
            request.headers_mut().insert("Authorization", format!("Bearer {token}").parse().unwrap());
            let (mut stream, _) = tokio_tungstenite::connect_async(request).await.unwrap();
            let ready = stream.next().await.unwrap().unwrap();
            assert!(ready.to_text().unwrap().contains(r#""type":"ready""#), "socket {n}: {ready}");
            (n as u32, stream)
        }
    });
    let mut connected = connecting.buffer_unordered(32);
    let mut readers = Vec::with_capacity(tokens.len());
    while let Some((socket, mut stream)) = connected.next().await {
        let arrivals = arrivals.clone();
        readers.push(tokio::spawn(async move {
            let mut acked_at = Instant::now();
            while let Some(Ok(frame)) = stream.next().await {
                let Message::Text(text) = frame else { continue };
                if let Some(message) = bench_message(&text) {
                    arrivals.lock().unwrap().push(Arrival { socket, message, at: Instant::now() });
                }
                if let Some(seq) = frame_seq(&text).filter(|_| ack && acked_at.elapsed().as_secs() >= 1) {
                    let _ = stream.send(Message::Text(format!(r#"{{"type":"ack","seq":{seq}}}"#).into())).await;
                    acked_at = Instant::now();
                }
            }
        }));
    }
    Sockets { arrivals, readers }
}
