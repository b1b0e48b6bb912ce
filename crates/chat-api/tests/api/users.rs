//! Finding people: by username prefix page by page, by id, and a display name of one's own.

use crate::support::{TestApp, expect_json, expect_problem};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn usernames(page: &Value) -> Vec<&str> {
    page["users"].as_array().unwrap().iter().map(|user| user["username"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn users_are_found_by_username_prefix_page_by_page_with_public_fields_only() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    for name in ["anna", "ann.b", "bob", "amy"] {
        app.register(name).await;
    }
    let first = app.get_ok(&ann, "/api/v1/users?q=ANN&limit=2").await;
    assert_eq!(usernames(&first), ["ann", "ann.b"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = app.get_ok(&ann, &format!("/api/v1/users?q=ann&limit=2&cursor={cursor}")).await;
    assert_eq!(usernames(&rest), ["anna"]);
    assert!(rest["next_cursor"].is_null());
    let keys: Vec<&str> = first["users"][0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["created_at", "display_name", "id", "is_bot", "username"]);
    assert_eq!(usernames(&app.get_ok(&ann, "/api/v1/users?q=zed").await), Vec::<&str>::new());
    assert_eq!(usernames(&app.get_ok(&ann, "/api/v1/users").await).len(), 5);
}

#[tokio::test]
async fn bad_searches_are_refused_and_strangers_cannot_search() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let long = "a".repeat(33);
    for query in ["limit=0", "limit=51", "limit=x", &format!("q={long}")] {
        let response = app.call(&ann, Method::GET, &format!("/api/v1/users?{query}")).await;
        expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    }
    let anonymous = app.request(Method::GET, "/api/v1/users?q=a").send().await.unwrap();
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}

#[tokio::test]
async fn searching_too_often_gets_429_with_when_to_retry() {
    let app = TestApp::spawn_with(|config| config.user_searches_per_minute = 3).await;
    let ann = app.register("ann").await;
    for _ in 0..3 {
        app.get_ok(&ann, "/api/v1/users?q=a").await;
    }
    let refused = app.call(&ann, Method::GET, "/api/v1/users?q=a").await;
    assert!(refused.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    expect_problem(refused, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;
    // Walking the ids is held to the same limit.
    let by_id = app.call(&ann, Method::GET, &format!("/api/v1/users/{}", ann.id)).await;
    expect_problem(by_id, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;
}

#[tokio::test]
async fn a_user_is_read_by_id() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let found = app.get_ok(&ann, &format!("/api/v1/users/{}", bob.id)).await;
    assert_eq!(found["username"], "bob");
    assert!(found.get("password_hash").is_none());
    let missing = app.call(&ann, Method::GET, "/api/v1/users/999999").await;
    expect_problem(missing, StatusCode::NOT_FOUND, ErrorCode::UserNotFound).await;
    let garbled = app.call(&ann, Method::GET, "/api/v1/users/abc").await;
    expect_problem(garbled, StatusCode::BAD_REQUEST, ErrorCode::InvalidPath).await;
    let anonymous = app.request(Method::GET, &format!("/api/v1/users/{}", bob.id)).send().await.unwrap();
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}

#[tokio::test]
async fn a_display_name_is_changed_and_shown_in_member_lists() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat = app.group(&ann, &[]).await;
    let renamed =
        app.call_json(&ann, Method::PATCH, "/api/v1/users/me", &json!({ "display_name": "  Ann K.  " })).await;
    assert_eq!(expect_json(renamed, StatusCode::OK).await["display_name"], "Ann K.");
    assert_eq!(app.get_ok(&ann, "/api/v1/users/me").await["display_name"], "Ann K.");
    let members = app.get_ok(&ann, &format!("/api/v1/chats/{chat}/members")).await;
    assert_eq!(members["members"][0]["display_name"], "Ann K.");

    for body in [
        json!({ "display_name": "   " }),
        json!({ "display_name": "x".repeat(101) }),
        json!({ "name": "x" }),
        json!({}),
    ] {
        let refused = app.call_json(&ann, Method::PATCH, "/api/v1/users/me", &body).await;
        expect_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    }
    assert_eq!(app.get_ok(&ann, "/api/v1/users/me").await["display_name"], "Ann K.", "nothing changed");
    let anonymous =
        app.request(Method::PATCH, "/api/v1/users/me").json(&json!({ "display_name": "x" })).send().await.unwrap();
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}

/// Every chat of a user who renames hears of it as of a role change, so members who show the
/// name (beside messages, in member lists, as a direct chat's title) update it live; a refused
/// rename tells no one.
#[tokio::test]
async fn a_new_display_name_reaches_every_chat_of_its_user_as_member_updated() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let (group, direct) = (app.group(&ann, &[&bob]).await, app.direct(&ann, &bob).await);
    let (mut socket, ready) = app.ws(&ann, None).await;

    let refused = app.call_json(&bob, Method::PATCH, "/api/v1/users/me", &json!({ "display_name": " " })).await;
    expect_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    let renamed = app.call_json(&bob, Method::PATCH, "/api/v1/users/me", &json!({ "display_name": "Bob B." })).await;
    expect_json(renamed, StatusCode::OK).await;

    let mut heard = Vec::new();
    while heard.len() < 2 {
        let frame = socket.next_event().await;
        assert_eq!(frame["type"], "member.updated", "the refused rename sent nothing first: {frame}");
        let members = frame["data"]["members"].as_array().unwrap();
        assert_eq!((members.len(), &members[0]["user_id"]), (1, &json!(bob.id)), "{frame}");
        assert_eq!(members[0]["display_name"], "Bob B.");
        assert_eq!(frame["data"]["chat"]["id"], frame["chat_id"]);
        heard.push(frame["chat_id"].as_i64().unwrap());
    }
    heard.sort_unstable();
    let mut chats = vec![group, direct];
    chats.sort_unstable();
    assert_eq!(heard, chats);
    let since = ready["seq"].as_i64().unwrap();
    let feed = app.get_ok(&ann, &format!("/api/v1/events?since={since}")).await;
    // (The direct chat's chat.created may be published after the socket's ready.)
    let kinds = feed["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap());
    let updates: Vec<&str> = kinds.filter(|kind| *kind != "chat.created").collect();
    assert_eq!(updates, ["member.updated", "member.updated"], "{feed}");
}
