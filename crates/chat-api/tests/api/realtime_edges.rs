//! Edges of the event stream: leaving while away, a `since` from the future, a revoked token.

use crate::support::{TestApp, expect_json};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_member_removed_while_away_still_gets_what_happened_before_the_removal() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let (bob_ws, _) = app.ws(&bob, None).await;
    drop(bob_ws);
    let polled =
        expect_json(app.as_user(&bob, Method::GET, "/api/v1/events?since=0").send().await.unwrap(), StatusCode::OK)
            .await;
    let seen = polled["next_since"].as_i64().unwrap();

    app.post_message(&ann, &json!({ "chat_id": chat, "content": "while bob was away" })).await;
    let remove = app.as_user(&ann, Method::DELETE, &format!("/api/v1/chats/{chat}/members/{}", bob.id));
    assert_eq!(remove.send().await.unwrap().status(), StatusCode::NO_CONTENT);
    app.post_message(&ann, &json!({ "chat_id": chat, "content": "after bob left" })).await;

    let (mut bob_ws, _) = app.ws(&bob, Some(seen)).await;
    let missed = bob_ws.next_event().await;
    assert_eq!(
        (missed["type"].as_str(), missed["data"]["content"].as_str()),
        (Some("message.created"), Some("while bob was away"))
    );
    assert_eq!(bob_ws.next_event().await["type"], "member.removed");
    bob_ws.expect_quiet(Duration::from_millis(400)).await;

    let feed = expect_json(
        app.as_user(&bob, Method::GET, &format!("/api/v1/events?since={seen}")).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    // (chat.created may be published after `seen` was read; that is correct and beside the point.)
    let kinds: Vec<&str> = feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .filter(|k| *k != "chat.created")
        .collect();
    assert_eq!(kinds, ["message.created", "member.removed"], "the HTTP feed agrees");
}

#[tokio::test]
async fn a_since_from_the_future_asks_for_a_resync_then_goes_live() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let (mut bob_ws, _) = app.ws(&bob, Some(1_000_000)).await;
    assert_eq!(bob_ws.next_json().await, json!({ "type": "resync_required" }));
    app.post_message(&ann, &json!({ "chat_id": chat, "content": "live" })).await;
    assert_eq!(bob_ws.next_event().await["data"]["content"], "live");
}

#[tokio::test]
async fn logging_out_closes_the_open_sockets_of_that_token() {
    let app = TestApp::spawn_with(|config| config.realtime.ping_interval = Duration::from_millis(50)).await;
    let ann = app.register("ann").await;
    let (mut socket, _) = app.ws(&ann, None).await;
    let logout = app.as_user(&ann, Method::POST, "/api/v1/auth/logout").send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(socket.close_code().await.0, Some(4001));
}

#[tokio::test]
async fn deleting_a_message_redacts_it_from_the_events_kept_for_resuming() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let posted =
        expect_json(app.post_message(&ann, &json!({ "chat_id": chat, "content": "secret v1" })).await, StatusCode::OK)
            .await;
    let id = posted["id"].as_i64().unwrap();
    let edit =
        app.as_user(&ann, Method::PATCH, &format!("/api/v1/messages/{id}")).json(&json!({ "content": "secret v2" }));
    assert_eq!(edit.send().await.unwrap().status(), StatusCode::OK);
    let react = app.as_user(&bob, Method::PUT, &format!("/api/v1/messages/{id}/reactions/%F0%9F%91%8D"));
    assert_eq!(react.send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        app.as_user(&ann, Method::DELETE, &format!("/api/v1/messages/{id}")).send().await.unwrap().status(),
        StatusCode::OK
    );

    let (mut late_reader, _) = app.ws(&bob, Some(0)).await;
    let mut kinds = Vec::new();
    while let Some(frame) = late_reader.next_json_within(Duration::from_millis(400)).await {
        assert!(!frame.to_string().contains("secret"), "deleted content leaked: {frame}");
        kinds.push(frame["type"].as_str().unwrap().to_owned());
    }
    assert!(
        kinds.contains(&"message.created".to_owned()) && kinds.contains(&"message.deleted".to_owned()),
        "{kinds:?}"
    );
    let feed = app.as_user(&bob, Method::GET, "/api/v1/events?since=0").send().await.unwrap().text().await.unwrap();
    assert!(!feed.contains("secret"), "{feed}");
}
