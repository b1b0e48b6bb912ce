//! The real binary under SIGTERM: WebSockets are told "going away", the process exits cleanly.

use crate::support::{ServerProcess, WsClient};
use chat_test_db::TestDatabase;
use serde_json::{Value, json};

#[tokio::test]
async fn sigterm_closes_websockets_with_going_away_and_exits_cleanly() {
    let db = TestDatabase::new().await;
    let server = ServerProcess::start(db.url(), 0).await;
    let client = reqwest::Client::new();
    let register = client.post(format!("{}/api/v1/auth/register", server.address));
    let session: Value = register
        .json(&json!({ "username": "ann", "password": "correct horse battery" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap();
    let mut socket = WsClient::connect(&server.address, &format!("access_token={token}"), &[]).await.unwrap();
    assert_eq!(socket.next_json().await["type"], "ready");

    let exit = tokio::spawn(server.stop("TERM"));
    assert_eq!(socket.close_code().await.0, Some(1001));
    assert!(exit.await.unwrap(), "the server did not exit cleanly");
}
