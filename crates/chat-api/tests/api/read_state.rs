//! `POST /chats/{id}/read`: the caller's read marker, forward only, and what follows from it: unread
//! counts, and each message's `read` status.

use crate::support::{TestApp, TestUser, error_fields, expect_json, expect_problem};
use chat_domain::ErrorCode;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

async fn mark(app: &TestApp, user: &TestUser, chat_id: i64, message_id: &Value) -> Response {
    let body = json!({ "message_id": message_id });
    app.call_json(user, Method::POST, &format!("/api/v1/chats/{chat_id}/read"), &body).await
}

async fn unread(app: &TestApp, user: &TestUser, chat_id: i64) -> Value {
    let list = app.get_ok(user, "/api/v1/chats").await;
    let chats = list["chats"].as_array().unwrap();
    chats.iter().find(|chat| chat["id"] == chat_id).unwrap()["unread_count"].clone()
}

async fn status(app: &TestApp, user: &TestUser, message: &Value) -> Value {
    app.get_ok(user, &format!("/api/v1/messages/{}", message["id"])).await["status"].clone()
}

#[tokio::test]
async fn the_marker_moves_forward_only_and_the_unread_count_follows() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat_id = app.group(&ann, &[&bob]).await;
    let posted: Vec<Value> = app.texts(&ann, chat_id, 4).await.into_iter().map(Value::from).collect();
    assert_eq!(unread(&app, &bob, chat_id).await, 4);

    let state = expect_json(mark(&app, &bob, chat_id, &posted[1]).await, StatusCode::OK).await;
    assert_eq!(state, json!({ "chat_id": chat_id, "last_read_message_id": posted[1], "unread_count": 2 }));
    assert_eq!(unread(&app, &bob, chat_id).await, 2);
    let chat = app.get_ok(&bob, &format!("/api/v1/chats/{chat_id}")).await;
    assert_eq!(chat["last_read_message_id"], posted[1]);
    assert_eq!(chat["unread_count"], 2);

    // An older id leaves the marker where it is.
    let events = app.count("events").await;
    let back = expect_json(mark(&app, &bob, chat_id, &posted[0]).await, StatusCode::OK).await;
    assert_eq!(back, state);
    assert_eq!(app.count("events").await, events);
    let members = app.get_ok(&ann, &format!("/api/v1/chats/{chat_id}/members")).await;
    let bob_entry = members["members"].as_array().unwrap().iter().find(|m| m["user_id"] == bob.id).unwrap().clone();
    assert_eq!(bob_entry["last_read_message_id"], posted[1]);

    let state = expect_json(mark(&app, &bob, chat_id, &posted[3]).await, StatusCode::OK).await;
    assert_eq!(state["unread_count"], 0);
    app.text(&ann, chat_id, "one more").await;
    app.text(&bob, chat_id, "my own words are never unread to me").await;
    assert_eq!(unread(&app, &bob, chat_id).await, 1);
}

#[tokio::test]
async fn unread_counts_stop_at_the_badge_cap() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat_id = app.group(&ann, &[&bob]).await;
    let posted: Vec<Value> = app.texts(&ann, chat_id, 103).await.into_iter().map(Value::from).collect();
    assert_eq!(unread(&app, &bob, chat_id).await, 100, "103 unread show as the cap: \"99+\"");
    let chat = app.get_ok(&bob, &format!("/api/v1/chats/{chat_id}")).await;
    assert_eq!(chat["unread_count"], 100);

    let state = expect_json(mark(&app, &bob, chat_id, &posted[1]).await, StatusCode::OK).await;
    assert_eq!(state["unread_count"], 100, "101 still unread");
    let state = expect_json(mark(&app, &bob, chat_id, &posted[3]).await, StatusCode::OK).await;
    assert_eq!(state["unread_count"], 99, "below the cap the count is exact");
    assert_eq!(unread(&app, &bob, chat_id).await, 99);
}

#[tokio::test]
async fn a_marker_must_name_a_message_of_the_chat() {
    let app = TestApp::spawn().await;
    let (ann, eve) = (app.register("ann").await, app.register("eve").await);
    let (chat_id, elsewhere) = (app.group(&ann, &[]).await, app.group(&ann, &[]).await);
    let here = app.text(&ann, chat_id, "here").await;
    let there = app.text(&ann, elsewhere, "there").await;
    mark(&app, &ann, chat_id, &here["id"]).await;
    let events = app.count("events").await;

    for message_id in [there["id"].clone(), json!(987654)] {
        let response = mark(&app, &ann, chat_id, &message_id).await;
        let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
        assert_eq!(error_fields(&problem), ["message_id"]);
    }
    let not_a_number = mark(&app, &ann, chat_id, &json!("latest")).await;
    let problem = expect_problem(not_a_number, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    assert_eq!(error_fields(&problem), ["message_id"]);
    let outsider = mark(&app, &eve, chat_id, &here["id"]).await;
    expect_problem(outsider, StatusCode::NOT_FOUND, ErrorCode::ChatNotFound).await;

    assert_eq!(app.get_ok(&ann, &format!("/api/v1/chats/{chat_id}")).await["last_read_message_id"], here["id"]);
    assert_eq!(app.get_ok(&ann, &format!("/api/v1/chats/{elsewhere}")).await["last_read_message_id"], Value::Null);
    assert_eq!(app.count("events").await, events);
}

#[tokio::test]
async fn a_message_is_read_once_every_other_member_has_read_it() {
    let app = TestApp::spawn().await;
    let (ann, bob, cat) = (app.register("ann").await, app.register("bob").await, app.register("cat").await);
    let chat_id = app.group(&ann, &[&bob, &cat]).await;
    let (first, second) = (app.text(&ann, chat_id, "1").await, app.text(&ann, chat_id, "2").await);
    assert_eq!(first["status"], "delivered");

    mark(&app, &bob, chat_id, &second["id"]).await;
    assert_eq!(status(&app, &ann, &first).await, "delivered", "cat has not read it yet");
    mark(&app, &cat, chat_id, &first["id"]).await;
    assert_eq!(status(&app, &ann, &first).await, "read");
    assert_eq!(status(&app, &ann, &second).await, "delivered");
    let history = app.get_ok(&bob, &format!("/api/v1/chats/{chat_id}/messages")).await;
    let statuses: Vec<&Value> = history["messages"].as_array().unwrap().iter().map(|m| &m["status"]).collect();
    assert_eq!(statuses, [&json!("read"), &json!("delivered")]);

    // The author's own marker does not matter: bob's message is read once ann and cat have read it.
    let from_bob = app.text(&bob, chat_id, "3").await;
    mark(&app, &ann, chat_id, &from_bob["id"]).await;
    assert_eq!(status(&app, &cat, &from_bob).await, "delivered");
    mark(&app, &cat, chat_id, &from_bob["id"]).await;
    assert_eq!(status(&app, &cat, &from_bob).await, "read");
    assert_eq!(status(&app, &cat, &second).await, "read");
}
