//! Blocking and who may start a direct chat (issue 25): a blocked user can neither start a direct
//! chat with the blocker nor post in the one they share, refused as the setting refuses
//! (`direct_chat_refused`, nothing stored); groups are untouched; each user chooses who may start
//! a direct chat with them.

use crate::support::{TestApp, TestUser, expect_json, expect_problem};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn block(app: &TestApp, blocker: &TestUser, blocked: &TestUser) -> Value {
    let path = format!("/api/v1/users/me/blocks/{}", blocked.id);
    expect_json(app.call(blocker, Method::PUT, &path).await, StatusCode::OK).await
}

async fn start_direct(app: &TestApp, user: &TestUser, other: &TestUser) -> reqwest::Response {
    app.call_json(user, Method::POST, "/api/v1/chats", &json!({ "kind": "direct", "member_ids": [other.id] })).await
}

async fn post(app: &TestApp, author: &TestUser, chat: i64, text: &str) -> reqwest::Response {
    app.post_message(author, &json!({ "chat_id": chat, "content": text })).await
}

async fn chat_count(app: &TestApp, user: &TestUser) -> usize {
    app.get_ok(user, "/api/v1/chats").await["chats"].as_array().unwrap().len()
}

async fn history_len(app: &TestApp, user: &TestUser, chat: i64) -> usize {
    app.get_ok(user, &format!("/api/v1/chats/{chat}/messages")).await["messages"].as_array().unwrap().len()
}

async fn set_direct_chats(app: &TestApp, user: &TestUser, setting: &str) -> reqwest::Response {
    app.call_json(user, Method::PUT, "/api/v1/users/me/privacy", &json!({ "direct_chats": setting })).await
}

#[tokio::test]
async fn a_blocked_user_can_neither_start_a_direct_chat_nor_post_in_theirs() {
    let app = TestApp::spawn().await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let direct = app.direct(&bob, &ann).await;
    let group = app.group(&ann, &[&bob]).await;
    app.text(&bob, direct, "hi ann").await;

    let blocked = block(&app, &ann, &bob).await;
    assert_eq!((blocked["user"]["id"].as_i64(), blocked["user"]["username"].as_str()), (Some(bob.id), Some("bob")));
    assert!(blocked["blocked_at"].is_string());
    block(&app, &ann, &carol).await;

    // In the direct chat they share: refused, and nothing stored. Ann may still write.
    expect_problem(post(&app, &bob, direct, "hello?").await, StatusCode::FORBIDDEN, ErrorCode::DirectChatRefused).await;
    assert_eq!(history_len(&app, &ann, direct).await, 1);
    app.text(&ann, direct, "I read you").await;
    // A group is not theirs alone: a block changes nothing there.
    app.text(&bob, group, "in the group").await;
    // Carol, who had no direct chat with Ann, cannot start one; nothing is created.
    expect_problem(start_direct(&app, &carol, &ann).await, StatusCode::FORBIDDEN, ErrorCode::DirectChatRefused).await;
    assert_eq!(chat_count(&app, &carol).await, 0);

    let list = app.get_ok(&ann, "/api/v1/users/me/blocks").await;
    let ids: Vec<i64> = list["blocks"].as_array().unwrap().iter().map(|b| b["user"]["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [carol.id, bob.id], "newest first");
    assert_eq!(app.get_ok(&bob, "/api/v1/users/me/blocks").await["blocks"], json!([]), "Bob's own list is his");

    // Unblocked: Bob writes again; Carol may start a chat.
    let path = format!("/api/v1/users/me/blocks/{}", bob.id);
    assert_eq!(app.call(&ann, Method::DELETE, &path).await.status(), StatusCode::NO_CONTENT);
    app.text(&bob, direct, "back").await;
    assert_eq!(app.call(&ann, Method::DELETE, &path).await.status(), StatusCode::NO_CONTENT, "again: no change");
}

#[tokio::test]
async fn a_direct_chat_the_blocker_starts_still_refuses_the_blocked_users_posts() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    block(&app, &ann, &bob).await;
    let direct = app.direct(&ann, &bob).await;
    app.text(&ann, direct, "a word from me").await;
    expect_problem(post(&app, &bob, direct, "reply").await, StatusCode::FORBIDDEN, ErrorCode::DirectChatRefused).await;
}

#[tokio::test]
async fn who_may_start_a_direct_chat_is_each_users_choice() {
    let app = TestApp::spawn().await;
    let (ann, bob, dave, erin) =
        (app.register("ann").await, app.register("bob").await, app.register("dave").await, app.register("erin").await);
    assert_eq!(app.get_ok(&ann, "/api/v1/users/me/privacy").await, json!({ "direct_chats": "everyone" }));
    app.group(&bob, &[&ann]).await;

    let shared = expect_json(set_direct_chats(&app, &ann, "shared").await, StatusCode::OK).await;
    assert_eq!(shared, json!({ "direct_chats": "shared" }));
    expect_problem(start_direct(&app, &dave, &ann).await, StatusCode::FORBIDDEN, ErrorCode::DirectChatRefused).await;
    let with_bob = app.direct(&bob, &ann).await;

    expect_json(set_direct_chats(&app, &ann, "nobody").await, StatusCode::OK).await;
    expect_problem(start_direct(&app, &erin, &ann).await, StatusCode::FORBIDDEN, ErrorCode::DirectChatRefused).await;
    // The direct chats Ann has stay, and asking for one again answers it.
    app.text(&bob, with_bob, "still here").await;
    let again = expect_json(start_direct(&app, &bob, &ann).await, StatusCode::OK).await;
    assert_eq!(again["id"].as_i64(), Some(with_bob));
    // Ann may still start chats herself.
    app.direct(&ann, &erin).await;
}

#[tokio::test]
async fn bad_requests_change_nothing_and_need_a_caller() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let own = format!("/api/v1/users/me/blocks/{}", ann.id);
    expect_problem(
        app.call(&ann, Method::PUT, &own).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    let nobody = app.call(&ann, Method::PUT, "/api/v1/users/me/blocks/999999").await;
    expect_problem(nobody, StatusCode::NOT_FOUND, ErrorCode::UserNotFound).await;
    let word = app.call(&ann, Method::PUT, "/api/v1/users/me/blocks/bob").await;
    expect_problem(word, StatusCode::BAD_REQUEST, ErrorCode::InvalidPath).await;
    assert_eq!(app.get_ok(&ann, "/api/v1/users/me/blocks").await["blocks"], json!([]));

    for body in [json!({ "direct_chats": "friends" }), json!({ "direct_chats": "nobody", "extra": 1 }), json!({})] {
        let response = app.call_json(&ann, Method::PUT, "/api/v1/users/me/privacy", &body).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    assert_eq!(app.get_ok(&ann, "/api/v1/users/me/privacy").await["direct_chats"], "everyone");

    for (method, path) in [
        (Method::GET, "/api/v1/users/me/blocks"),
        (Method::PUT, "/api/v1/users/me/blocks/1"),
        (Method::DELETE, "/api/v1/users/me/blocks/1"),
        (Method::GET, "/api/v1/users/me/privacy"),
        (Method::PUT, "/api/v1/users/me/privacy"),
    ] {
        let response = app.request(method.clone(), path).send().await.unwrap();
        expect_problem(response, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    }
}

#[tokio::test]
async fn in_a_shared_group_the_blocked_users_messages_are_shown_but_not_counted_for_the_blocker() {
    let app = TestApp::spawn().await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let group = app.group(&carol, &[&ann, &bob]).await;
    block(&app, &ann, &bob).await;
    app.text(&bob, group, "one").await;
    app.text(&bob, group, "@ann two").await;
    app.text(&carol, group, "@ann three").await;

    let list = app.get_ok(&ann, "/api/v1/chats").await;
    let summary = &list["chats"][0];
    assert_eq!(
        (summary["unread_count"].as_i64(), summary["unread_mentions"].as_i64()),
        (Some(1), Some(1)),
        "{summary}"
    );
    let mentions = app.get_ok(&ann, "/api/v1/mentions").await;
    let texts: Vec<&str> =
        mentions["messages"].as_array().unwrap().iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(texts, ["@ann three"]);
    assert_eq!(history_len(&app, &ann, group).await, 3, "history shows them all");
    let bobs = app.get_ok(&bob, "/api/v1/chats").await;
    assert_eq!(bobs["chats"][0]["unread_count"].as_i64(), Some(1), "Bob counts Carol's message");
}
