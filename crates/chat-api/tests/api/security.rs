//! Every endpoint, every kind of caller who is not allowed: no token, a revoked token, someone
//! outside the chat, a member without the needed role. Nothing leaks and nothing changes.

use crate::support::{TestApp, TestUser, expect_json};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// One endpoint: who outside the chat gets what, and whether a plain member is refused too.
struct Case {
    method: Method,
    path: String,
    body: Option<Value>,
    outsider: Option<u16>,
    plain_member_refused: bool,
}

fn case(method: Method, path: String, body: Option<Value>, outsider: Option<u16>, plain_member_refused: bool) -> Case {
    Case { method, path, body, outsider, plain_member_refused }
}

const TITLE: &str = "Secret project Zebra";
const CONTENT: &str = "the launch code is 0000";

async fn call(app: &TestApp, user: Option<&TestUser>, case: &Case) -> (StatusCode, String) {
    let mut request = app.request(case.method.clone(), &case.path);
    if let Some(user) = user {
        request = request.bearer_auth(&user.token);
    }
    if let Some(body) = &case.body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn every_endpoint_refuses_callers_who_are_not_allowed() {
    let app = TestApp::spawn().await;
    let (ann, bob, eve, cy) =
        (app.register("ann").await, app.register("bob").await, app.register("eve").await, app.register("cyd").await);
    let revoked = app.register("rev").await;
    app.as_user(&revoked, Method::POST, "/api/v1/auth/logout").send().await.unwrap();

    let create = app
        .as_user(&ann, Method::POST, "/api/v1/chats")
        .json(&json!({ "kind": "group", "title": TITLE, "member_ids": [bob.id, cy.id] }));
    let chat = expect_json(create.send().await.unwrap(), StatusCode::CREATED).await["id"].as_i64().unwrap();
    let posted = app.post_message(&ann, &json!({ "chat_id": chat, "content": CONTENT })).await;
    let msg = expect_json(posted, StatusCode::OK).await["id"].as_i64().unwrap();
    let (c, m, cy_id) = (chat, msg, cy.id);

    use Method as M;
    let cases = [
        case(M::GET, "/api/v1/users/me".into(), None, None, false),
        case(M::POST, "/api/v1/auth/logout".into(), None, None, false),
        case(M::GET, "/api/v1/chats".into(), None, None, false),
        case(M::POST, "/api/v1/chats".into(), Some(json!({ "kind": "group", "title": "x" })), None, false),
        case(M::GET, format!("/api/v1/chats/{c}"), None, Some(404), false),
        case(M::PATCH, format!("/api/v1/chats/{c}"), Some(json!({ "title": "renamed" })), Some(404), true),
        case(M::GET, format!("/api/v1/chats/{c}/members"), None, Some(404), false),
        case(M::POST, format!("/api/v1/chats/{c}/members"), Some(json!({ "user_id": eve.id })), Some(404), true),
        case(M::PATCH, format!("/api/v1/chats/{c}/members/{cy_id}"), Some(json!({ "role": "admin" })), Some(404), true),
        case(M::DELETE, format!("/api/v1/chats/{c}/members/{cy_id}"), None, Some(404), true),
        case(M::GET, format!("/api/v1/chats/{c}/messages"), None, Some(404), false),
        case(M::POST, format!("/api/v1/chats/{c}/read"), Some(json!({ "message_id": m })), Some(404), false),
        case(M::POST, "/api/v1/messages".into(), Some(json!({ "chat_id": c, "content": "hi" })), Some(403), false),
        case(M::GET, format!("/api/v1/messages/{m}"), None, Some(404), false),
        case(M::PATCH, format!("/api/v1/messages/{m}"), Some(json!({ "content": "edited" })), Some(404), true),
        case(M::DELETE, format!("/api/v1/messages/{m}"), None, Some(404), true),
        case(M::GET, format!("/api/v1/messages/{m}/edits"), None, Some(404), false),
        case(M::PUT, format!("/api/v1/messages/{m}/reactions/%F0%9F%91%8D"), None, Some(404), false),
        case(M::DELETE, format!("/api/v1/messages/{m}/reactions/%F0%9F%91%8D"), None, Some(404), false),
        // The event feed answers outsiders too, with nothing of this chat in it.
        case(M::GET, "/api/v1/events?since=0".into(), None, Some(200), false),
    ];
    let tables = ["users", "auth_tokens", "chats", "chat_members", "messages", "reactions", "message_edits", "events"];
    let mut before = Vec::new();
    for table in tables {
        before.push(app.count(table).await);
    }

    for case in &cases {
        let what = format!("{} {}", case.method, case.path);
        for caller in [None, Some(&revoked)] {
            let (status, body) = call(&app, caller, case).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{what} without a live token: {body}");
        }
        if let Some(expected) = case.outsider {
            let (status, body) = call(&app, Some(&eve), case).await;
            assert_eq!(status.as_u16(), expected, "{what} by an outsider: {body}");
            assert!(
                !body.contains(TITLE) && !body.contains(CONTENT) && !body.contains("\"cyd\""),
                "{what} leaks: {body}"
            );
        }
        if case.plain_member_refused {
            let (status, body) = call(&app, Some(&bob), case).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{what} by a plain member: {body}");
        }
    }
    // The only change allowed above is the outsider's own (refused) attempts: none.
    for (table, count) in tables.iter().zip(before) {
        if *table != "auth_tokens" {
            assert_eq!(app.count(table).await, count, "{table} changed");
        }
    }
}
