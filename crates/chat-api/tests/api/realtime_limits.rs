//! What a WebSocket client cannot make the server hold: an oversized message, or a socket full of
//! frames it never reads.

use crate::support::TestApp;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt as _;

#[tokio::test]
async fn a_message_over_64_kib_is_closed_with_1009() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let (mut ws, _) = app.ws(&ann, None).await;
    ws.send_json(&json!({ "type": "typing", "padding": "x".repeat(70 * 1024) })).await;
    assert_eq!(ws.close_code().await.0, Some(1009));
}

/// A client that never reads is cut off by the hub; its connection must then end at the socket
/// too, not keep a descriptor and megabytes of kernel buffers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_loses_its_socket_not_just_its_queue() {
    let app = TestApp::spawn_with(|config| config.realtime.queue_capacity = 8).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stalled = socket.connect(app.address.trim_start_matches("http://").parse().unwrap()).await.unwrap();
    let upgrade = format!(
        "GET /api/v1/ws HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Authorization: Bearer {}\r\n\r\n",
        bob.token
    );
    stalled.write_all(upgrade.as_bytes()).await.unwrap();

    // Big frames fill the socket buffers until the queue overflows and the hub cuts the client
    // off, which takes its connection out of the gauge. Bounded by count, not by time: how many
    // posts that takes depends on the buffers, how long on the machine's load. No reading: a read
    // would let the server flush and finish by itself.
    let connections = async || app.metric("chat_websocket_connections").await;
    let opened = Instant::now();
    while connections().await == 0 {
        assert!(opened.elapsed() < Duration::from_secs(30), "the WebSocket never opened");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let payload = json!({ "blob": "x".repeat(15 * 1024) });
    let mut posted = 0;
    while connections().await > 0 {
        assert!(posted < 5_000, "the hub still serves a client that has read nothing of {posted} messages");
        for _ in 0..20 {
            let body = json!({ "chat_id": chat, "type": "file", "content": format!("{posted}"), "payload": payload });
            assert_eq!(app.post_message(&ann, &body).await.status(), StatusCode::OK);
            posted += 1;
        }
    }

    // Cut off, its connection must be reset after the grace (2 s), not left to hold its buffers.
    let cut_off = Instant::now();
    let reset = loop {
        if let Some(error) = stalled.take_error().unwrap() {
            break Some(error.kind());
        }
        if cut_off.elapsed() > Duration::from_secs(30) {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(reset, Some(std::io::ErrorKind::ConnectionReset), "the server still holds the connection");
}
