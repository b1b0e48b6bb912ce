//! The newest page a process keeps (`history_cache.rs`): answered again only while the database
//! says the chat has not changed, whichever process changed it.

use crate::support::{TestApp, TestUser, expect_json, expect_problem, reaction_path};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// The newest page, which a process keeps.
fn newest(chat: i64) -> String {
    format!("/api/v1/chats/{chat}/messages?limit=10")
}

/// The same page read through a cursor, which no process keeps.
fn uncached(chat: i64) -> String {
    format!("/api/v1/chats/{chat}/messages?limit=10&before={}", i64::MAX)
}

/// `reader`'s newest page from `server` is the page as the database has it now. The uncached read
/// comes first too: a member's read moves their delivery marker (which the page shows), once.
async fn assert_current(server: &TestApp, truth: &TestApp, reader: &TestUser, chat: i64, step: &str) {
    truth.get_ok(reader, &uncached(chat)).await;
    let answered = server.get_ok(reader, &newest(chat)).await;
    let now = truth.get_ok(reader, &uncached(chat)).await;
    assert_eq!(answered, now, "after {step}: the newest page is the chat as it is");
}

#[tokio::test]
async fn a_kept_page_is_never_answered_once_the_chat_changed_whichever_process_changed_it() {
    let app = TestApp::spawn().await;
    let sibling = app.spawn_sibling().await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let chat = app.group(&ann, &[&bob, &carol]).await;
    // Each change is checked once its event is published: a page kept before it must be refused
    // for the event's seq, not only while the event awaits one.
    let (mut socket, _) = sibling.ws(&bob, None).await;
    let first = app.text(&ann, chat, "first").await["id"].as_i64().unwrap();
    let mut check = async |kind: &str, step: &str| {
        socket.next_event_of(kind).await;
        // Both processes keep the page; each is checked against a change made through either.
        assert_current(&sibling, &app, &bob, chat, step).await;
        assert_current(&app, &sibling, &bob, chat, step).await;
    };
    check("message.created", "the first message").await;

    let second = sibling.text(&carol, chat, "second").await["id"].as_i64().unwrap();
    check("message.created", "a post through the other process").await;
    let edit = json!({ "content": "second, edited" });
    let edited = app.call_json(&carol, Method::PATCH, &format!("/api/v1/messages/{second}"), &edit).await;
    expect_json(edited, StatusCode::OK).await;
    check("message.updated", "an edit").await;
    let reacted = sibling.call(&ann, Method::PUT, &reaction_path(first, "👍")).await;
    assert!(reacted.status().is_success());
    check("reaction.added", "a reaction").await;
    let unreacted = app.call(&ann, Method::DELETE, &reaction_path(first, "👍")).await;
    assert!(unreacted.status().is_success());
    check("reaction.removed", "a reaction taken back").await;
    let reply = json!({ "chat_id": chat, "content": "in a thread", "thread_root_id": first });
    let reply = expect_json(sibling.post_message(&carol, &reply).await, StatusCode::OK).await;
    check("thread.updated", "a reply in a thread (the root's summary)").await;
    let read = json!({ "message_id": reply["id"] });
    let marked = app.call_json(&carol, Method::POST, &format!("/api/v1/chats/{chat}/read"), &read).await;
    assert!(marked.status().is_success());
    check("read.updated", "a read marker moved (the messages' status)").await;
    let deleted = sibling.call(&carol, Method::DELETE, &format!("/api/v1/messages/{}", reply["id"])).await;
    assert!(deleted.status().is_success());
    check("message.deleted", "a delete by the author").await;
    let removal = format!("/api/v1/messages/{second}?reason=off%20topic");
    assert!(app.call(&ann, Method::DELETE, &removal).await.status().is_success());
    check("message.deleted", "a delete by the chat's owner, with a reason").await;

    // A member who is no longer in the chat is refused, a kept page or not.
    sibling.get_ok(&carol, &newest(chat)).await;
    let removed = app.call(&ann, Method::DELETE, &format!("/api/v1/chats/{chat}/members/{}", carol.id)).await;
    assert!(removed.status().is_success());
    expect_problem(
        sibling.call(&carol, Method::GET, &newest(chat)).await,
        StatusCode::NOT_FOUND,
        ErrorCode::ChatNotFound,
    )
    .await;
    check("member.removed", "a member removed (the markers that count)").await;
}

/// `server`'s counts of newest pages answered as kept and read anew.
async fn page_counts(server: &TestApp) -> (u64, u64) {
    (server.metric("chat_history_pages_kept_answered").await, server.metric("chat_history_pages_read").await)
}

#[tokio::test]
async fn a_page_read_again_unchanged_is_answered_as_kept_and_a_change_reads_it_anew() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    app.texts(&ann, chat, 3).await;

    // Reading moves the reader's delivery marker (the page's `delivery`), which marks the chat's
    // receipts for the receipt publisher (at most a second); until it has been round, the page is
    // read anew.
    let before_delivery = app.get_ok(&bob, &newest(chat)).await;
    let page = app.get_ok(&bob, &newest(chat)).await;
    assert_ne!(before_delivery, page, "bob's read made the messages delivered");
    assert_eq!(page, app.get_ok(&bob, &uncached(chat)).await, "the page kept before that is not answered");
    let mut kept = false;
    for _ in 0..50 {
        let before = page_counts(&app).await;
        let again = app.get_ok(&bob, &newest(chat)).await;
        assert_eq!(again, page, "nothing changed");
        if page_counts(&app).await.0 > before.0 {
            kept = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(kept, "an unchanged page is answered as kept once its receipts are settled");

    let before = page_counts(&app).await;
    let posted = app.text(&ann, chat, "news").await;
    let after_post = app.get_ok(&bob, &newest(chat)).await;
    assert_eq!(after_post["messages"].as_array().unwrap().last().unwrap()["id"], posted["id"]);
    let counts = page_counts(&app).await;
    assert_eq!((counts.0, counts.1), (before.0, before.1 + 1), "a change has the page read anew");
}

#[tokio::test]
async fn a_server_that_keeps_no_pages_answers_the_same_page() {
    let app = TestApp::spawn_with(|config| config.history_cache_bytes = 0).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    app.texts(&ann, chat, 3).await;
    app.get_ok(&bob, &newest(chat)).await; // moves bob's delivery marker
    let page: Value = app.get_ok(&bob, &newest(chat)).await;
    assert_eq!(page["messages"].as_array().unwrap().len(), 3);
    assert_eq!(page, app.get_ok(&bob, &uncached(chat)).await);
    assert_eq!(page_counts(&app).await, (0, 0), "nothing kept, nothing counted");
}
