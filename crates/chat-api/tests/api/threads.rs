//! Threads: replies name their root, the root carries the thread's summary everywhere it is shown,
//! a thread pages like history, history can leave replies out, and events keep the root current.

use crate::support::{TestApp, TestUser, expect_json, expect_problem, field_errors, ids};
use chat_domain::{ErrorCode, FieldCode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Posts `content` as `author`'s reply in the thread under `root`; answers the reply.
async fn reply(app: &TestApp, author: &TestUser, chat: i64, root: i64, content: &str) -> Value {
    let body = json!({ "chat_id": chat, "content": content, "thread_root_id": root });
    expect_json(app.post_message(author, &body).await, StatusCode::OK).await
}

fn id(message: &Value) -> i64 {
    message["id"].as_i64().unwrap()
}

#[tokio::test]
async fn replies_open_a_thread_that_the_root_summarises() {
    let app = TestApp::spawn().await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let chat = app.group(&ann, &[&bob, &carol]).await;
    let root = id(&app.text(&ann, chat, "Lunch on Friday?").await);
    let first = reply(&app, &bob, chat, root, "yes").await;
    assert_eq!(first["thread_root_id"], root);
    assert!(first.get("thread").is_none(), "a reply has no thread of its own");
    reply(&app, &carol, chat, root, "only after two").await;
    app.text(&bob, chat, "meanwhile, in the chat").await;
    let last = reply(&app, &ann, chat, root, "two it is").await;

    let summary = app.get_ok(&bob, &format!("/api/v1/messages/{root}")).await["thread"].clone();
    assert_eq!(summary["reply_count"], 3);
    assert_eq!(summary["last_reply_at"], last["ts"]);
    assert_eq!(summary["participant_ids"], json!([ann.id, carol.id, bob.id]), "latest repliers first");

    let everything = app.get_ok(&bob, &format!("/api/v1/chats/{chat}/messages")).await;
    assert_eq!(everything["messages"].as_array().unwrap().len(), 5);
    let chat_only = app.get_ok(&bob, &format!("/api/v1/chats/{chat}/messages?threads=exclude")).await;
    let contents: Vec<&str> =
        chat_only["messages"].as_array().unwrap().iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(contents, ["Lunch on Friday?", "meanwhile, in the chat"]);
    assert_eq!(chat_only["messages"][0]["thread"], summary, "history shows the same summary");
    let listed = app.get_ok(&bob, "/api/v1/chats").await["chats"][0]["last_message"].clone();
    assert_eq!(listed["thread_root_id"], root, "the chat list's last message is the latest reply");
}

#[tokio::test]
async fn a_thread_pages_like_history_from_its_root_or_any_reply() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let root = id(&app.text(&ann, chat, "root").await);
    let mut replies = Vec::new();
    for n in 0..5 {
        replies.push(id(&reply(&app, if n % 2 == 0 { &bob } else { &ann }, chat, root, &format!("reply {n}")).await));
        app.text(&ann, chat, "noise between replies").await;
    }

    let newest = app.get_ok(&bob, &format!("/api/v1/messages/{root}/thread?limit=2")).await;
    assert_eq!(id(&newest["root"]), root);
    assert_eq!(newest["root"]["thread"]["reply_count"], 5);
    assert_eq!(ids(&newest["messages"]), replies[3..]);
    assert_eq!((newest["has_older"].as_bool(), newest["has_newer"].as_bool()), (Some(true), Some(false)));
    let older = app.get_ok(&bob, &format!("/api/v1/messages/{root}/thread?limit=2&before={}", replies[3])).await;
    assert_eq!(ids(&older["messages"]), replies[1..3]);
    let after = app.get_ok(&bob, &format!("/api/v1/messages/{root}/thread?after={}", replies[1])).await;
    assert_eq!(ids(&after["messages"]), replies[2..]);
    let around = app.get_ok(&bob, &format!("/api/v1/messages/{root}/thread?limit=3&around={}", replies[2])).await;
    assert_eq!(ids(&around["messages"]), replies[1..4]);

    let from_a_reply = app.get_ok(&ann, &format!("/api/v1/messages/{}/thread", replies[4])).await;
    assert_eq!((id(&from_a_reply["root"]), ids(&from_a_reply["messages"])), (root, replies.clone()));
    let lonely = id(&app.text(&ann, chat, "nobody answers").await);
    let empty = app.get_ok(&ann, &format!("/api/v1/messages/{lonely}/thread")).await;
    assert!(empty["root"].get("thread").is_none() && ids(&empty["messages"]).is_empty());
}

#[tokio::test]
async fn events_keep_the_root_current_and_deletes_recount_it() {
    let app = TestApp::spawn().await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let chat = app.group(&ann, &[&bob, &carol]).await;
    let root = id(&app.text(&ann, chat, "root").await);
    let (mut anns_socket, _) = app.ws(&ann, None).await;
    let bobs = id(&reply(&app, &bob, chat, root, "bob's").await);
    let carols = reply(&app, &carol, chat, root, "carol's").await;

    let mut seen = Vec::new();
    while seen.len() < 4 {
        let frame = anns_socket.next_event().await;
        if frame["data"]["id"] != root {
            // (The root's own message.created may still be on its way when the socket opens.)
            seen.push((frame["type"].as_str().unwrap().to_owned(), frame["data"].clone()));
        }
    }
    let created: Vec<&Value> = seen.iter().filter(|(kind, _)| kind == "message.created").map(|(_, d)| d).collect();
    assert_eq!(created.iter().map(|data| data["thread_root_id"].as_i64()).collect::<Vec<_>>(), [Some(root); 2]);
    let updates: Vec<&Value> = seen.iter().filter(|(kind, _)| kind == "thread.updated").map(|(_, d)| d).collect();
    assert_eq!(updates.len(), 2);
    let newest = updates.iter().max_by_key(|data| data["thread"]["reply_count"].as_i64()).unwrap();
    assert_eq!(newest["message_id"], root);
    assert_eq!(
        newest["thread"],
        json!({ "reply_count": 2, "last_reply_at": carols["ts"], "participant_ids": [carol.id, bob.id] })
    );

    app.call(&carol, Method::DELETE, &format!("/api/v1/messages/{}", id(&carols))).await;
    let recounted = loop {
        let frame = anns_socket.next_event().await;
        if frame["type"] == "thread.updated" {
            break frame["data"]["thread"].clone();
        }
    };
    let bobs_ts = app.get_ok(&ann, &format!("/api/v1/messages/{bobs}")).await["ts"].clone();
    assert_eq!(recounted, json!({ "reply_count": 1, "last_reply_at": bobs_ts, "participant_ids": [bob.id] }));
    assert_eq!(app.get_ok(&ann, &format!("/api/v1/messages/{root}")).await["thread"], recounted);

    app.call(&bob, Method::DELETE, &format!("/api/v1/messages/{bobs}")).await;
    let root_now = app.get_ok(&ann, &format!("/api/v1/messages/{root}")).await;
    assert!(root_now.get("thread").is_none(), "no reply left: no summary");
    let tombstones = app.get_ok(&ann, &format!("/api/v1/messages/{root}/thread")).await;
    assert_eq!(tombstones["messages"].as_array().unwrap().len(), 2, "deleted replies keep their place");
    assert!(tombstones["messages"].as_array().unwrap().iter().all(|m| m["is_deleted"] == true));
}

#[tokio::test]
async fn retried_and_concurrent_replies_are_counted_once_each() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let root = id(&app.text(&ann, chat, "count us").await);
    let body = json!({ "chat_id": chat, "content": "once", "thread_root_id": root });
    for _ in 0..3 {
        let retry = app.as_user(&bob, Method::POST, "/api/v1/messages").header("Idempotency-Key", "k-1").json(&body);
        expect_json(retry.send().await.unwrap(), StatusCode::OK).await;
    }
    let posts = (0..12).map(|n| {
        let author = if n % 2 == 0 { &ann } else { &bob };
        let body = json!({ "chat_id": chat, "content": format!("at once {n}"), "thread_root_id": root });
        app.as_user(author, Method::POST, "/api/v1/messages").json(&body).send()
    });
    for response in futures_util::future::join_all(posts).await {
        expect_json(response.unwrap(), StatusCode::OK).await;
    }
    let thread = app.get_ok(&ann, &format!("/api/v1/messages/{root}")).await["thread"].clone();
    assert_eq!(thread["reply_count"], 13);
    let mut participants: Vec<i64> = serde_json::from_value(thread["participant_ids"].clone()).unwrap();
    participants.sort_unstable();
    assert_eq!(participants, [ann.id, bob.id]);
}

#[tokio::test]
async fn bad_thread_requests_are_refused_and_store_nothing() {
    let app = TestApp::spawn().await;
    let (ann, bob, outsider) = (app.register("ann").await, app.register("bob").await, app.register("eve").await);
    let chat = app.group(&ann, &[&bob]).await;
    let elsewhere = app.group(&outsider, &[]).await;
    let foreign = id(&app.text(&outsider, elsewhere, "not yours").await);
    let root = id(&app.text(&ann, chat, "root").await);
    let in_thread = id(&reply(&app, &bob, chat, root, "reply").await);
    let messages_before = app.count("messages").await;
    let events_before = app.count("events").await;

    for (thread_root_id, code) in [
        (json!(foreign), FieldCode::NotInChat),
        (json!(999_999), FieldCode::NotInChat),
        (json!(in_thread), FieldCode::NestedThread),
    ] {
        let body = json!({ "chat_id": chat, "content": "x", "thread_root_id": thread_root_id });
        let problem = expect_problem(
            app.post_message(&bob, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
        )
        .await;
        assert_eq!(field_errors(&problem)[0], ("thread_root_id", code));
    }
    let wrong_type = json!({ "chat_id": chat, "content": "x", "thread_root_id": "root" });
    expect_problem(
        app.post_message(&bob, &wrong_type).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!((app.count("messages").await, app.count("events").await), (messages_before, events_before));
    assert_eq!(app.get_ok(&ann, &format!("/api/v1/messages/{root}")).await["thread"]["reply_count"], 1);

    for path in [
        format!("/api/v1/messages/{root}/thread"),
        format!("/api/v1/messages/{in_thread}/thread"),
        "/api/v1/messages/999999/thread".into(),
    ] {
        expect_problem(
            app.call(&outsider, Method::GET, &path).await,
            StatusCode::NOT_FOUND,
            ErrorCode::MessageNotFound,
        )
        .await;
    }
    for query in ["limit=0", "limit=201", "before=0", "before=1&after=2", "after=x"] {
        let response = app.call(&ann, Method::GET, &format!("/api/v1/messages/{root}/thread?{query}")).await;
        expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    }
    let response = app.call(&ann, Method::GET, &format!("/api/v1/chats/{chat}/messages?threads=only")).await;
    expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    let anonymous = app.request(Method::GET, &format!("/api/v1/messages/{root}/thread")).send().await.unwrap();
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}
