//! `PUT/DELETE /messages/{id}/reactions/{emoji}`: the caller's reactions, idempotent, each answering
//! the whole message.

use crate::support::{TestApp, TestUser, error_fields, expect_json, expect_problem, field_errors, reaction_path};
use chat_domain::{ErrorCode, FieldCode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn react(app: &TestApp, user: &TestUser, message_id: i64, emoji: &str) -> Value {
    expect_json(app.call(user, Method::PUT, &reaction_path(message_id, emoji)).await, StatusCode::OK).await
}

async fn unreact(app: &TestApp, user: &TestUser, message_id: i64, emoji: &str) -> Value {
    expect_json(app.call(user, Method::DELETE, &reaction_path(message_id, emoji)).await, StatusCode::OK).await
}

/// A chat of ann, bob and cat with one message by ann; returns its id.
async fn setup(app: &TestApp) -> (TestUser, TestUser, TestUser, i64) {
    let (ann, bob, cat) = (app.register("ann").await, app.register("bob").await, app.register("cat").await);
    let chat_id = app.group(&ann, &[&bob, &cat]).await;
    let message_id = app.text(&ann, chat_id, "react to me").await["id"].as_i64().unwrap();
    (ann, bob, cat, message_id)
}

#[tokio::test]
async fn reactions_are_grouped_by_emoji_in_order_of_first_use() {
    let app = TestApp::spawn().await;
    let (ann, bob, cat, id) = setup(&app).await;

    react(&app, &bob, id, "👍").await;
    react(&app, &cat, id, "🎉").await;
    let message = react(&app, &ann, id, "👍").await;
    assert_eq!(
        message["reactions"],
        json!([
            { "emoji": "👍", "count": 2, "user_ids": [bob.id, ann.id] },
            { "emoji": "🎉", "count": 1, "user_ids": [cat.id] },
        ])
    );
    assert_eq!(message["content"], "react to me");
    assert_eq!(app.get_ok(&cat, &format!("/api/v1/messages/{id}")).await, message);
    let history = app.get_ok(&cat, &format!("/api/v1/chats/{}/messages", message["chat_id"])).await;
    assert_eq!(history["messages"][0], message);
}

#[tokio::test]
async fn adding_or_removing_twice_changes_nothing_more() {
    let app = TestApp::spawn().await;
    let (_, bob, _, id) = setup(&app).await;

    let once = react(&app, &bob, id, "👍").await;
    let events = app.count("events").await;
    assert_eq!(react(&app, &bob, id, "👍").await, once);
    assert_eq!(once["reactions"], json!([{ "emoji": "👍", "count": 1, "user_ids": [bob.id] }]));
    assert_eq!(app.count("reactions").await, 1);
    assert_eq!(app.count("events").await, events);

    assert_eq!(unreact(&app, &bob, id, "👍").await["reactions"], json!([]));
    assert_eq!(unreact(&app, &bob, id, "👍").await["reactions"], json!([]));
    assert_eq!(unreact(&app, &bob, id, "🎉").await["reactions"], json!([]));
    assert_eq!(app.count("reactions").await, 0);
    assert_eq!(app.count("events").await, events + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_identical_reactions_make_one() {
    let app = TestApp::spawn().await;
    let (_, bob, _, id) = setup(&app).await;
    let events = app.count("events").await;

    let path = reaction_path(id, "👍");
    let requests = (0..20).map(|_| app.call(&bob, Method::PUT, &path));
    for response in futures_util::future::join_all(requests).await {
        let message = expect_json(response, StatusCode::OK).await;
        assert_eq!(message["reactions"], json!([{ "emoji": "👍", "count": 1, "user_ids": [bob.id] }]));
    }
    assert_eq!(app.count("reactions").await, 1);
    assert_eq!(app.count("events").await, events + 1, "one reaction.added event");
}

#[tokio::test]
async fn invalid_emoji_are_refused() {
    let app = TestApp::spawn().await;
    let (ann, _, _, id) = setup(&app).await;

    let paths = [
        format!("/api/v1/messages/{id}/reactions/a%20b"),
        format!("/api/v1/messages/{id}/reactions/a%07"),
        reaction_path(id, &"x".repeat(65)),
        // Half an emoji: not UTF-8, so not to be stored as a replacement character.
        format!("/api/v1/messages/{id}/reactions/%F0%9F"),
        format!("/api/v1/messages/{id}/reactions/%F0%9F%ZZ"),
    ];
    for path in paths {
        for method in [Method::PUT, Method::DELETE] {
            let response = app.call(&ann, method, &path).await;
            let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
            assert_eq!(error_fields(&problem), ["emoji"], "{path}");
        }
    }
    assert_eq!(app.count("reactions").await, 0);
    assert_eq!(react(&app, &ann, id, &"x".repeat(64)).await["reactions"][0]["count"], 1);
}

#[tokio::test]
async fn a_message_holds_at_most_fifty_distinct_emoji() {
    let app = TestApp::spawn().await;
    let (ann, bob, _, id) = setup(&app).await;
    for i in 0..50 {
        react(&app, &ann, id, &format!(":e{i}:")).await;
    }

    let response = app.call(&ann, Method::PUT, &reaction_path(id, ":one-too-many:")).await;
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    assert_eq!(field_errors(&problem)[0].1, FieldCode::TooManyReactions);
    assert_eq!(app.count("reactions").await, 50);
    // Joining an emoji already there is still fine.
    let message = react(&app, &bob, id, ":e0:").await;
    assert_eq!(message["reactions"].as_array().unwrap().len(), 50);
    assert_eq!(message["reactions"][0], json!({ "emoji": ":e0:", "count": 2, "user_ids": [ann.id, bob.id] }));
}

#[tokio::test]
async fn outsiders_can_neither_react_nor_unreact() {
    let app = TestApp::spawn().await;
    let (ann, _, _, id) = setup(&app).await;
    let eve = app.register("eve").await;
    react(&app, &ann, id, "👍").await;

    for method in [Method::PUT, Method::DELETE] {
        let response = app.call(&eve, method.clone(), &reaction_path(id, "👍")).await;
        expect_problem(response, StatusCode::NOT_FOUND, ErrorCode::MessageNotFound).await;
        let missing = app.call(&ann, method, &reaction_path(987654, "👍")).await;
        expect_problem(missing, StatusCode::NOT_FOUND, ErrorCode::MessageNotFound).await;
    }
    assert_eq!(app.count("reactions").await, 1);
}
