//! The WebSocket: who receives what, every event type, membership on live connections, typing.

use crate::support::{TestApp, error_code, expect_json};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(400);

#[tokio::test]
async fn members_receive_new_messages_on_every_connection_and_outsiders_nothing() {
    let app = TestApp::spawn().await;
    let (ann, bob, eve) = (app.register("ann").await, app.register("bob").await, app.register("eve").await);
    let chat = app.group(&ann, &[&bob]).await;
    let (mut bob_phone, _) = app.ws(&bob, None).await;
    let (mut bob_laptop, _) = app.ws(&bob, None).await;
    let (mut outsider, _) = app.ws(&eve, None).await;

    let posted =
        expect_json(app.post_message(&ann, &json!({ "chat_id": chat, "content": "hi" })).await, StatusCode::OK).await;
    for connection in [&mut bob_phone, &mut bob_laptop] {
        let frame = connection.next_event().await;
        assert_eq!(frame["type"], "message.created");
        assert_eq!(frame["chat_id"], chat);
        assert!(frame["seq"].as_i64().unwrap() > 0);
        assert_eq!(frame["data"], posted, "the event carries the whole aggregate");
    }
    outsider.expect_quiet(QUIET).await;
}

#[tokio::test]
async fn every_change_arrives_as_its_event_in_order() {
    let app = TestApp::spawn().await;
    let (ann, bob, cyd) = (app.register("ann").await, app.register("bob").await, app.register("cyd").await);
    let (mut bob_ws, _) = app.ws(&bob, None).await;
    let chat = app.group(&ann, &[&bob]).await;
    let posted =
        expect_json(app.post_message(&ann, &json!({ "chat_id": chat, "content": "v1" })).await, StatusCode::OK).await;
    let id = posted["id"].as_i64().unwrap();
    let call = |method: Method, path: String, body: Option<serde_json::Value>| {
        let mut request = app.as_user(&ann, method, &path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move { assert!(request.send().await.unwrap().status().is_success()) }
    };
    call(Method::PATCH, format!("/api/v1/messages/{id}"), Some(json!({ "content": "v2" }))).await;
    call(Method::PUT, format!("/api/v1/messages/{id}/reactions/%F0%9F%91%8D"), None).await;
    call(Method::DELETE, format!("/api/v1/messages/{id}/reactions/%F0%9F%91%8D"), None).await;
    call(Method::POST, format!("/api/v1/chats/{chat}/read"), Some(json!({ "message_id": id }))).await;
    call(Method::PATCH, format!("/api/v1/chats/{chat}"), Some(json!({ "title": "Renamed" }))).await;
    call(Method::POST, format!("/api/v1/chats/{chat}/members"), Some(json!({ "user_id": cyd.id }))).await;
    call(Method::PATCH, format!("/api/v1/chats/{chat}/members/{}", cyd.id), Some(json!({ "role": "admin" }))).await;
    call(Method::DELETE, format!("/api/v1/chats/{chat}/members/{}", cyd.id), None).await;
    call(Method::DELETE, format!("/api/v1/messages/{id}"), None).await;

    let expected = [
        "chat.created",
        "message.created",
        "message.updated",
        "reaction.added",
        "reaction.removed",
        "read.updated",
        "chat.updated",
        "member.added",
        "member.updated",
        "member.removed",
        "message.deleted",
    ];
    let mut last_seq = 0;
    for kind in expected {
        let frame = bob_ws.next_json().await;
        assert_eq!(frame["type"], kind, "{frame}");
        assert_eq!(frame["chat_id"], chat);
        let seq = frame["seq"].as_i64().unwrap();
        assert!(seq > last_seq, "seqs increase");
        last_seq = seq;
        match kind {
            "message.updated" => assert_eq!(frame["data"]["content"], "v2"),
            "reaction.added" => {
                assert_eq!(frame["data"]["reactions"][0]["emoji"], "👍");
                assert_eq!(frame["data"]["message"]["reactions"][0]["count"], 1);
            }
            "reaction.removed" => assert_eq!(frame["data"]["reactions"], json!([])),
            "read.updated" => assert_eq!(frame["data"]["last_read_message_id"], id),
            "chat.updated" => assert_eq!(frame["data"]["title"], "Renamed"),
            "member.added" => assert_eq!(frame["data"]["members"][0]["user_id"], cyd.id),
            "member.removed" => assert_eq!(frame["data"]["user_id"], cyd.id),
            "message.deleted" => assert_eq!(frame["data"]["is_deleted"], true),
            _ => {}
        }
    }
    bob_ws.expect_quiet(QUIET).await;
}

#[tokio::test]
async fn membership_changes_take_effect_on_live_connections() {
    let app = TestApp::spawn().await;
    let (ann, cyd) = (app.register("ann").await, app.register("cyd").await);
    let chat = app.group(&ann, &[]).await;
    let (mut cyd_ws, _) = app.ws(&cyd, None).await;

    app.post_message(&ann, &json!({ "chat_id": chat, "content": "before cyd joins" })).await;
    cyd_ws.expect_quiet(QUIET).await;
    let add =
        app.as_user(&ann, Method::POST, &format!("/api/v1/chats/{chat}/members")).json(&json!({ "user_id": cyd.id }));
    assert_eq!(add.send().await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(cyd_ws.next_json().await["type"], "member.added");
    app.post_message(&ann, &json!({ "chat_id": chat, "content": "welcome" })).await;
    assert_eq!(cyd_ws.next_json().await["data"]["content"], "welcome");

    let remove = app.as_user(&ann, Method::DELETE, &format!("/api/v1/chats/{chat}/members/{}", cyd.id));
    assert_eq!(remove.send().await.unwrap().status(), StatusCode::NO_CONTENT);
    let removal = cyd_ws.next_json().await;
    assert_eq!((removal["type"].as_str(), removal["data"]["user_id"].as_i64()), (Some("member.removed"), Some(cyd.id)));
    app.post_message(&ann, &json!({ "chat_id": chat, "content": "after cyd left" })).await;
    cyd_ws.expect_quiet(QUIET).await;
}

#[tokio::test]
async fn an_idempotent_replay_writes_no_second_event() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let (mut bob_ws, _) = app.ws(&bob, None).await;
    let body = json!({ "chat_id": chat, "content": "once" });
    for _ in 0..2 {
        let request = app.as_user(&ann, Method::POST, "/api/v1/messages").header("Idempotency-Key", "k-1").json(&body);
        assert_eq!(request.send().await.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(bob_ws.next_event().await["type"], "message.created");
    bob_ws.expect_quiet(QUIET).await;
}

#[tokio::test]
async fn typing_goes_to_the_other_members_and_is_never_stored() {
    let app = TestApp::spawn().await;
    let (ann, bob, eve) = (app.register("ann").await, app.register("bob").await, app.register("eve").await);
    let chat = app.group(&ann, &[&bob]).await;
    let (mut ann_ws, _) = app.ws(&ann, None).await;
    let (mut bob_ws, _) = app.ws(&bob, None).await;
    let (mut eve_ws, _) = app.ws(&eve, None).await;
    let events_before = app.count("events").await;

    ann_ws.send_json(&json!({ "type": "typing", "chat_id": chat })).await;
    let typing = bob_ws.next_event().await;
    assert_eq!(typing, json!({ "type": "typing", "chat_id": chat, "user_id": ann.id }));
    ann_ws.expect_quiet(QUIET).await;
    eve_ws.expect_quiet(QUIET).await;
    eve_ws.send_json(&json!({ "type": "typing", "chat_id": chat })).await;
    assert_eq!(error_code(&eve_ws.next_json().await), ErrorCode::ChatNotFound);
    bob_ws.expect_quiet(QUIET).await;
    assert_eq!(app.count("events").await, events_before);
}

#[tokio::test]
async fn bad_tokens_and_foreign_origins_are_refused_before_the_upgrade() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    assert_eq!(app.try_ws("", &[]).await.err(), Some(401));
    assert_eq!(app.try_ws("access_token=nonsense", &[]).await.err(), Some(401));
    let origin = [("Origin", "https://evil.example")];
    assert_eq!(app.try_ws(&format!("access_token={}", ann.token), &origin).await.err(), Some(403));

    let mut browser = app.try_ws(&format!("access_token={}", ann.token), &[]).await.ok().unwrap();
    assert_eq!(browser.next_json().await["type"], "ready");
    app.as_user(&ann, Method::POST, "/api/v1/auth/logout").send().await.unwrap();
    assert_eq!(app.try_ws(&format!("access_token={}", ann.token), &[]).await.err(), Some(401));
}

#[tokio::test]
async fn a_silent_peer_is_closed() {
    let app = TestApp::spawn_with(|config| {
        config.realtime.ping_interval = Duration::from_millis(100);
        config.realtime.idle_timeout = Duration::from_millis(300);
    })
    .await;
    let ann = app.register("ann").await;
    let (mut silent, _) = app.ws(&ann, None).await;
    // The client neither reads nor answers pings for a while.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(silent.close_code().await.0, Some(4000));
}
