//! Direct chats under concurrency: however many requests race, one pair has one chat.

use crate::support::{TestApp, expect_json};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_concurrent_requests_from_both_sides_create_exactly_one_direct_chat() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);

    let requests = (0..10).map(|i| {
        let (me, other) = if i % 2 == 0 { (&ann, &bob) } else { (&bob, &ann) };
        let body = json!({ "kind": "direct", "member_ids": [other.id] });
        app.as_user(me, Method::POST, "/api/v1/chats").json(&body).send()
    });
    let mut created = 0;
    let mut ids = Vec::new();
    for response in futures_util::future::join_all(requests).await {
        let response = response.unwrap();
        let status = response.status();
        assert!(status == StatusCode::CREATED || status == StatusCode::OK, "status {status}");
        created += usize::from(status == StatusCode::CREATED);
        let chat = expect_json(response, status).await;
        assert_eq!(chat["kind"], "direct");
        ids.push(chat["id"].as_i64().unwrap());
    }
    ids.dedup();
    assert_eq!(created, 1, "exactly one request creates the chat");
    assert_eq!(ids.len(), 1, "every answer names the same chat");
    assert_eq!(app.count("chats").await, 1);
    assert_eq!(app.count("chat_members").await, 2);
}
