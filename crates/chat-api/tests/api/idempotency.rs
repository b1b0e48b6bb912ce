//! `Idempotency-Key`: replays, reuse with another body, malformed keys, and a burst of retries.

use crate::support::{TestApp, TestUser, expect_json, expect_problem};
use chat_domain::ErrorCode;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

async fn post_with_key(app: &TestApp, user: &TestUser, key: &str, body: &Value) -> Response {
    let request = app.as_user(user, Method::POST, "/api/v1/messages").header("Idempotency-Key", key).json(body);
    request.send().await.unwrap()
}

#[tokio::test]
async fn the_same_key_and_body_replays_the_same_message() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat_id = app.group(&ann, &[]).await;
    let body = json!({ "chat_id": chat_id, "type": "text", "content": "once" });

    let first = post_with_key(&app, &ann, "key-1", &body).await;
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = expect_json(first, StatusCode::OK).await;
    let retry = post_with_key(&app, &ann, "key-1", &body).await;
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let retry = expect_json(retry, StatusCode::OK).await;
    assert_eq!(retry, first);
    assert_eq!(app.count("messages").await, 1);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_refused() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat_id = app.group(&ann, &[]).await;
    post_with_key(&app, &ann, "key-1", &json!({ "chat_id": chat_id, "content": "one" })).await;
    let reused = post_with_key(&app, &ann, "key-1", &json!({ "chat_id": chat_id, "content": "two" })).await;
    expect_problem(reused, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::IdempotencyKeyReused).await;
    assert_eq!(app.count("messages").await, 1);
}

#[tokio::test]
async fn keys_are_scoped_to_the_caller() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat_id = app.group(&ann, &[&bob]).await;
    let body = json!({ "chat_id": chat_id, "content": "same words" });
    let from_ann = expect_json(post_with_key(&app, &ann, "shared", &body).await, StatusCode::OK).await;
    let from_bob = expect_json(post_with_key(&app, &bob, "shared", &body).await, StatusCode::OK).await;
    assert_ne!(from_ann["id"], from_bob["id"]);
    assert_eq!(app.count("messages").await, 2);
}

#[tokio::test]
async fn malformed_keys_are_a_400_and_store_nothing() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat_id = app.group(&ann, &[]).await;
    let body = json!({ "chat_id": chat_id, "content": "x" });
    for key in [String::new(), "k".repeat(256), "tab\there".to_owned()] {
        let response = post_with_key(&app, &ann, &key, &body).await;
        expect_problem(response, StatusCode::BAD_REQUEST, ErrorCode::InvalidIdempotencyKey).await;
    }
    assert_eq!(app.count("messages").await, 0);
    assert_eq!(app.count("idempotency_keys").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_concurrent_requests_with_one_key_create_exactly_one_message() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat_id = app.group(&ann, &[]).await;
    let body = json!({ "chat_id": chat_id, "content": "burst" });

    let requests = (0..30).map(|_| post_with_key(&app, &ann, "burst-key", &body));
    let responses = futures_util::future::join_all(requests).await;
    let mut ids = Vec::new();
    let mut replays = 0;
    for response in responses {
        replays += usize::from(response.headers().get("idempotent-replayed").is_some());
        ids.push(expect_json(response, StatusCode::OK).await["id"].as_i64().unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every answer names the same message");
    assert_eq!(replays, 29);
    assert_eq!(app.count("messages").await, 1);
    assert_eq!(app.count("idempotency_keys").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_a_group_chat_with_a_key_happens_once() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let body = json!({ "kind": "group", "title": "Retried", "member_ids": [bob.id] });
    let create = |key: &'static str, body: Value| {
        app.as_user(&ann, Method::POST, "/api/v1/chats").header("Idempotency-Key", key).json(&body).send()
    };
    let attempts = futures_util::future::join_all((0..10).map(|_| create("chat-key", body.clone()))).await;
    let mut ids = Vec::new();
    let mut replays = 0;
    for response in attempts {
        let response = response.unwrap();
        replays += usize::from(response.headers().get("idempotent-replayed").is_some());
        assert!([StatusCode::CREATED, StatusCode::OK].contains(&response.status()));
        ids.push(response.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one chat for every retry");
    assert_eq!(replays, 9);
    assert_eq!(app.count("chats").await, 1);

    let other = create("chat-key", json!({ "kind": "group", "title": "Another", "member_ids": [] })).await.unwrap();
    expect_problem(other, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::IdempotencyKeyReused).await;
    let chat_id = ids[0];
    let as_message = post_with_key(&app, &ann, "chat-key", &json!({ "chat_id": chat_id, "content": "x" })).await;
    expect_problem(as_message, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::IdempotencyKeyReused).await;
    assert_eq!(app.count("chats").await, 1);
    assert_eq!(app.count("messages").await, 0);
}

#[tokio::test]
async fn a_creator_who_left_gets_403_for_a_replayed_chat_as_for_a_replayed_message() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let body = json!({ "title": "fuzz", "kind": "group", "member_ids": [] });
    let create = |body: &Value| {
        app.as_user(&ann, Method::POST, "/api/v1/chats").header("Idempotency-Key", "chat-key").json(body).send()
    };
    let chat_id = expect_json(create(&body).await.unwrap(), StatusCode::CREATED).await["id"].as_i64().unwrap();
    let message = json!({ "chat_id": chat_id, "content": "before leaving" });
    let message_id = expect_json(post_with_key(&app, &ann, "message-key", &message).await, StatusCode::OK).await["id"]
        .as_i64()
        .unwrap();
    let members = format!("/api/v1/chats/{chat_id}/members");
    let added = app.call_json(&ann, Method::POST, &members, &json!({ "user_id": bob.id })).await;
    expect_json(added, StatusCode::CREATED).await;
    app.set_role(&ann, chat_id, &bob, "owner").await;
    let left = app.call(&ann, Method::DELETE, &format!("{members}/{}", ann.id)).await;
    assert_eq!(left.status(), StatusCode::NO_CONTENT);

    let replayed_chat = create(&body).await.unwrap();
    assert!(replayed_chat.headers().get("idempotent-replayed").is_none());
    expect_problem(replayed_chat, StatusCode::FORBIDDEN, ErrorCode::NotAMember).await;
    let replayed_message = post_with_key(&app, &ann, "message-key", &message).await;
    expect_problem(replayed_message, StatusCode::FORBIDDEN, ErrorCode::NotAMember).await;
    let other = create(&json!({ "title": "another", "kind": "group", "member_ids": [] })).await.unwrap();
    expect_problem(other, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::IdempotencyKeyReused).await;
    assert_eq!((app.count("chats").await, app.count("messages").await), (1, 1));

    // Back in the chat, the key answers it again, as it is now.
    let readded = app.call_json(&bob, Method::POST, &members, &json!({ "user_id": ann.id })).await;
    expect_json(readded, StatusCode::CREATED).await;
    let rename = json!({ "title": "Renamed" });
    let renamed = app.call_json(&bob, Method::PATCH, &format!("/api/v1/chats/{chat_id}"), &rename).await;
    expect_json(renamed, StatusCode::OK).await;
    let replayed_chat = create(&body).await.unwrap();
    assert_eq!(replayed_chat.headers()["idempotent-replayed"], "true");
    let replayed_chat = expect_json(replayed_chat, StatusCode::OK).await;
    assert_eq!((replayed_chat["id"].as_i64(), replayed_chat["title"].as_str()), (Some(chat_id), Some("Renamed")));
    let replayed_message = expect_json(post_with_key(&app, &ann, "message-key", &message).await, StatusCode::OK).await;
    assert_eq!(replayed_message["id"].as_i64(), Some(message_id));
    assert_eq!((app.count("chats").await, app.count("messages").await), (1, 1));
}
