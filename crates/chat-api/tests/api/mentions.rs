//! Mentions: `@username` and explicit lists mention members (only), count as unread until read,
//! are listed newest first, reach the chat as a `mention` event, and follow edits and deletes.

use crate::support::{TestApp, expect_json, expect_problem};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn contents(list: &Value) -> Vec<&str> {
    list["messages"].as_array().unwrap().iter().map(|message| message["content"].as_str().unwrap()).collect()
}

async fn unread_mentions(app: &TestApp, user: &crate::support::TestUser, chat: i64) -> i64 {
    app.get_ok(user, &format!("/api/v1/chats/{chat}")).await["unread_mentions"].as_i64().unwrap()
}

#[tokio::test]
async fn members_named_or_listed_are_mentioned_and_others_are_not() {
    let app = TestApp::spawn().await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let outsider = app.register("dave").await;
    let chat = app.group(&ann, &[&bob, &carol]).await;
    let (mut bobs_socket, _) = app.ws(&bob, None).await;
    app.text(&ann, chat, "@Bob, @dave and @ann: look (mail ann@example.com)").await;
    let listed = json!({ "chat_id": chat, "content": "for you", "mentions": [carol.id, outsider.id] });
    expect_json(app.post_message(&ann, &listed).await, StatusCode::OK).await;

    assert_eq!(
        contents(&app.get_ok(&bob, "/api/v1/mentions").await),
        ["@Bob, @dave and @ann: look (mail ann@example.com)"]
    );
    assert_eq!(contents(&app.get_ok(&carol, "/api/v1/mentions").await), ["for you"]);
    assert_eq!(contents(&app.get_ok(&ann, "/api/v1/mentions").await), Vec::<&str>::new(), "never the author");
    assert_eq!(contents(&app.get_ok(&outsider, "/api/v1/mentions").await), Vec::<&str>::new(), "not a member");
    assert_eq!(unread_mentions(&app, &bob, chat).await, 1);

    let mention = loop {
        let frame = bobs_socket.next_event().await;
        if frame["type"] == "mention" {
            break frame;
        }
    };
    assert_eq!(mention["data"]["user_ids"], json!([bob.id]));

    let newest = app.text(&carol, chat, "thanks").await["id"].as_i64().unwrap();
    app.call_json(&bob, Method::POST, &format!("/api/v1/chats/{chat}/read"), &json!({ "message_id": newest })).await;
    assert_eq!(unread_mentions(&app, &bob, chat).await, 0, "read, no longer unread");
    assert_eq!(contents(&app.get_ok(&bob, "/api/v1/mentions").await).len(), 1, "still listed");
}

#[tokio::test]
async fn edits_move_mentions_and_deletes_remove_them() {
    let app = TestApp::spawn().await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let chat = app.group(&ann, &[&bob, &carol]).await;
    let id = app.text(&ann, chat, "ping @bob").await["id"].as_i64().unwrap();
    let path = format!("/api/v1/messages/{id}");
    app.call_json(&ann, Method::PATCH, &path, &json!({ "content": "ping @carol instead" })).await;
    assert_eq!(contents(&app.get_ok(&bob, "/api/v1/mentions").await), Vec::<&str>::new());
    assert_eq!(contents(&app.get_ok(&carol, "/api/v1/mentions").await), ["ping @carol instead"]);
    app.call(&ann, Method::DELETE, &path).await;
    assert_eq!(contents(&app.get_ok(&carol, "/api/v1/mentions").await), Vec::<&str>::new());
    assert_eq!(unread_mentions(&app, &carol, chat).await, 0);
}

#[tokio::test]
async fn mentions_page_newest_first_and_follow_membership() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    for n in 0..3 {
        app.text(&ann, chat, &format!("@bob number {n}")).await;
    }
    let first = app.get_ok(&bob, "/api/v1/mentions?limit=2").await;
    assert_eq!(contents(&first), ["@bob number 2", "@bob number 1"]);
    let before = first["next_before"].as_i64().unwrap();
    let rest = app.get_ok(&bob, &format!("/api/v1/mentions?limit=2&before={before}")).await;
    assert_eq!(contents(&rest), ["@bob number 0"]);
    assert!(rest["next_before"].is_null());
    app.call(&bob, Method::DELETE, &format!("/api/v1/chats/{chat}/members/{}", bob.id)).await;
    assert_eq!(contents(&app.get_ok(&bob, "/api/v1/mentions").await), Vec::<&str>::new(), "a chat left is not shown");
}

#[tokio::test]
async fn bad_mention_requests_are_refused_and_store_nothing() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat = app.group(&ann, &[]).await;
    let too_many: Vec<i64> = (1..=51).collect();
    let body = json!({ "chat_id": chat, "content": "crowd", "mentions": too_many });
    expect_problem(app.post_message(&ann, &body).await, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed)
        .await;
    let wrong_type = json!({ "chat_id": chat, "content": "x", "mentions": ["bob"] });
    expect_problem(
        app.post_message(&ann, &wrong_type).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(app.count("messages").await, 0);
    for query in ["limit=0", "limit=51", "before=0", "before=x"] {
        let response = app.call(&ann, Method::GET, &format!("/api/v1/mentions?{query}")).await;
        expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    }
    let anonymous = app.request(Method::GET, "/api/v1/mentions").send().await.unwrap();
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}
