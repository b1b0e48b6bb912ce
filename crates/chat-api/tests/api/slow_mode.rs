//! Slow mode (issue 25): a group's owners and admins let each plain member post once every so
//! many seconds; a post sooner is answered 429 `rate_limited` with `Retry-After`, stores nothing,
//! and a retry of a message that went through is still answered as itself.

use crate::support::{TestApp, TestUser, expect_json, expect_problem};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

async fn set_slow_mode(app: &TestApp, actor: &TestUser, chat: i64, body: &Value) -> reqwest::Response {
    app.call_json(actor, Method::PUT, &format!("/api/v1/chats/{chat}/slow_mode"), body).await
}

async fn post(app: &TestApp, author: &TestUser, chat: i64, content: &str, key: &str) -> reqwest::Response {
    app.post_keyed(author, chat, content, key).await
}

#[tokio::test]
async fn a_member_posts_once_per_period_and_owners_and_admins_are_not_held() {
    let app = TestApp::spawn().await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let chat = app.group(&ann, &[&bob, &carol]).await;
    app.set_role(&ann, chat, &carol, "admin").await;
    let (mut bobs_socket, _) = app.ws(&bob, None).await;

    let set = expect_json(set_slow_mode(&app, &carol, chat, &json!({ "seconds": 2 })).await, StatusCode::OK).await;
    assert_eq!(set["slow_mode_secs"], 2);
    let frame = bobs_socket.next_event_of("chat.updated").await;
    assert_eq!(frame["data"]["slow_mode_secs"], 2);
    assert_eq!(app.get_ok(&bob, &format!("/api/v1/chats/{chat}")).await["slow_mode_secs"], 2);

    let first = expect_json(post(&app, &bob, chat, "one", "k1").await, StatusCode::OK).await;
    let held = post(&app, &bob, chat, "two", "k2").await;
    let retry_after: u64 = held.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "Retry-After {retry_after}");
    expect_problem(held, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;
    let replay = post(&app, &bob, chat, "one", "k1").await;
    assert_eq!(replay.headers()["idempotent-replayed"], "true", "a retry of the first is answered as itself");
    assert_eq!(expect_json(replay, StatusCode::OK).await["id"], first["id"]);
    for (owner_or_admin, n) in [(&ann, 1), (&ann, 2), (&carol, 1), (&carol, 2)] {
        expect_json(
            post(&app, owner_or_admin, chat, "not held", &format!("{n}-{}", owner_or_admin.id)).await,
            StatusCode::OK,
        )
        .await;
    }
    let page = app.get_ok(&bob, &format!("/api/v1/chats/{chat}/messages")).await;
    let bobs: Vec<&Value> = page["messages"].as_array().unwrap().iter().filter(|m| m["author_id"] == bob.id).collect();
    assert_eq!(bobs.len(), 1, "the held post stored nothing");

    // Someone who joins a chat in slow mode is held as well.
    let dave = app.register("dave").await;
    let path = format!("/api/v1/chats/{chat}/members");
    expect_json(app.call_json(&ann, Method::POST, &path, &json!({ "user_id": dave.id })).await, StatusCode::CREATED)
        .await;
    expect_json(post(&app, &dave, chat, "hello", "d1").await, StatusCode::OK).await;
    expect_problem(post(&app, &dave, chat, "again", "d2").await, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited)
        .await;

    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    expect_json(post(&app, &bob, chat, "two", "k3").await, StatusCode::OK).await;
    // Turned off, nothing holds.
    expect_json(set_slow_mode(&app, &ann, chat, &json!({ "seconds": 0 })).await, StatusCode::OK).await;
    expect_json(post(&app, &bob, chat, "three", "k4").await, StatusCode::OK).await;
    expect_json(post(&app, &bob, chat, "four", "k5").await, StatusCode::OK).await;
}

#[tokio::test]
async fn only_owners_and_admins_set_it_and_bad_values_change_nothing() {
    let app = TestApp::spawn().await;
    let (ann, bob, eve) = (app.register("ann").await, app.register("bob").await, app.register("eve").await);
    let chat = app.group(&ann, &[&bob]).await;
    let direct = app.direct(&ann, &bob).await;

    let by_member = set_slow_mode(&app, &bob, chat, &json!({ "seconds": 30 })).await;
    expect_problem(by_member, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let by_stranger = set_slow_mode(&app, &eve, chat, &json!({ "seconds": 30 })).await;
    expect_problem(by_stranger, StatusCode::NOT_FOUND, ErrorCode::ChatNotFound).await;
    for bad in [json!({ "seconds": 86_401 }), json!({ "seconds": -1 }), json!({ "seconds": "10" }), json!({})] {
        let refused = set_slow_mode(&app, &ann, chat, &bad).await;
        expect_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    }
    let in_direct = set_slow_mode(&app, &ann, direct, &json!({ "seconds": 30 })).await;
    expect_problem(in_direct, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    let not_json =
        app.as_user(&ann, Method::PUT, &format!("/api/v1/chats/{chat}/slow_mode")).body("30").send().await.unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);

    assert_eq!(app.get_ok(&ann, &format!("/api/v1/chats/{chat}")).await["slow_mode_secs"], 0, "nothing changed");
    expect_json(post(&app, &bob, chat, "one", "k1").await, StatusCode::OK).await;
    expect_json(post(&app, &bob, chat, "two", "k2").await, StatusCode::OK).await;
}
