//! The real binary under SIGTERM: WebSockets are told "going away", the process exits cleanly.

use crate::support::WsClient;
use chat_test_db::TestDatabase;
use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[tokio::test]
async fn sigterm_closes_websockets_with_going_away_and_exits_cleanly() {
    let db = TestDatabase::new().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let address = format!("http://127.0.0.1:{port}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_chat-api"))
        .env("DATABASE_URL", db.url())
        .env("CHAT_ADDR", format!("127.0.0.1:{port}"))
        .env("CHAT_LOG", "warn")
        .env("CHAT_ARGON2_MEMORY_KIB", "1024")
        .env("CHAT_ARGON2_ITERATIONS", "1")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let started = Instant::now();
    while client.get(format!("{address}/healthz")).send().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let register = client.post(format!("{address}/api/v1/auth/register"));
    let session: Value = register
        .json(&json!({ "username": "ann", "password": "correct horse battery" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap();
    let mut socket = WsClient::connect(&address, &format!("access_token={token}"), &[]).await.unwrap();
    assert_eq!(socket.next_json().await["type"], "ready");

    let sent = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(sent.success());
    assert_eq!(socket.close_code().await.0, Some(1001));
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status}");
}
