//! A webhook receiver in a few lines: a plain TCP listener that reads each delivery, checks its
//! signature with `chat_client::verify_webhook_signature`, drops redeliveries by
//! `Chat-Webhook-Id`, and answers 200 (or 401 for a bad signature). A slash command is answered
//! with `{"content": ...}`, which the server posts into the chat as the bot.
//!
//! Run: `WEBHOOK_SECRET=whsec_... cargo run -p chat-client --example webhook_receiver`, then
//! register `http://<this host>:8080/` as an outgoing webhook (the server refuses private
//! addresses unless `CHAT_WEBHOOK_ALLOWED_HOSTS` names this host). A real service would use its
//! HTTP framework instead of the hand-rolled parsing below; the check is the same call.

use chat_domain::{CommandCall, ServerFrame};
use std::collections::HashSet;
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let secret = std::env::var("WEBHOOK_SECRET").unwrap_or_default();
    let listener = TcpListener::bind("0.0.0.0:8080").await?;
    let mut seen = HashSet::new();
    loop {
        let (mut stream, _) = listener.accept().await?;
        let Some((headers, body)) = read_request(&mut stream).await else { continue };
        let header = |name: &str| headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map_or("", |(_, v)| v);
        let (id, timestamp) = (header("chat-webhook-id"), header("chat-webhook-timestamp"));
        let signature = header("chat-webhook-signature");
        let verified =
            chat_client::verify_webhook_signature(&secret, id, timestamp, &body, signature, Duration::from_secs(300));
        let (status, answer) = match verified {
            Err(error) => (401, format!(r#"{{"error":"{error}"}}"#)),
            // A redelivery (our 200 was lost): already handled.
            Ok(()) if !seen.insert(id.to_owned()) => (200, "{}".to_owned()),
            Ok(()) => (200, handle(&body)),
        };
        let response = format!(
            "HTTP/1.1 {status} OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
            answer.len()
        );
        stream.write_all(response.as_bytes()).await?;
    }
}

/// What to do with a genuine delivery; the answer's body.
fn handle(body: &[u8]) -> String {
    if let Ok(call) = serde_json::from_slice::<CommandCall>(body) {
        let reply = format!("{} asked {} {}: noted", call.caller.display_name, call.command, call.arguments);
        return serde_json::json!({ "content": reply }).to_string();
    }
    if let Ok(ServerFrame::Event(event)) = serde_json::from_slice::<ServerFrame>(body) {
        println!("#{} {} in chat {}", event.seq, event.event.kind().as_str(), event.chat_id);
    }
    "{}".to_owned()
}

/// The request's headers and body (`Content-Length` bytes).
async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<(Vec<(String, String)>, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 8192];
    let head_end = loop {
        let read = stream.read(&mut chunk).await.ok().filter(|read| *read > 0)?;
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let headers: Vec<(String, String)> = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':').map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned())))
        .collect();
    let length = headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let read = stream.read(&mut chunk).await.ok().filter(|read| *read > 0)?;
        buffer.extend_from_slice(&chunk[..read]);
    }
    Some((headers, buffer[head_end..head_end + length].to_vec()))
}
