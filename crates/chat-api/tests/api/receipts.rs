//! Delivery and read receipts: a message goes from `sent` to `delivered` as every other member's
//! device gets it (an acked frame, a history page, a feed page) and to `read` as they read it; its
//! author (and admins) can list who got it when; `receipt.updated` keeps authors' devices current.

use crate::support::{TestApp, TestUser, error_code, expect_json, expect_problem};
use chat_domain::{ErrorCode, Event, ReceiptChange, ServerFrame};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

async fn delivery(app: &TestApp, viewer: &TestUser, message: i64) -> String {
    let message = app.get_ok(viewer, &format!("/api/v1/messages/{message}")).await;
    message["delivery"].as_str().unwrap().to_owned()
}

/// Waits (acks are recorded at most once a second) until `message` shows `wanted` to `viewer`.
async fn await_delivery(app: &TestApp, viewer: &TestUser, message: i64, wanted: &str) {
    for _ in 0..50 {
        if delivery(app, viewer, message).await == wanted {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("message {message} never became {wanted}: {}", delivery(app, viewer, message).await);
}

async fn receipts(app: &TestApp, viewer: &TestUser, message: i64) -> Vec<Value> {
    let list = app.get_ok(viewer, &format!("/api/v1/messages/{message}/receipts")).await;
    list["receipts"].as_array().unwrap().clone()
}

#[tokio::test]
async fn acks_pages_and_reads_move_a_message_from_sent_to_delivered_to_read() {
    let app = TestApp::spawn().await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let chat = app.group(&ann, &[&bob, &carol]).await;
    let (mut bobs_socket, _) = app.ws(&bob, None).await;
    let posted = app.text(&ann, chat, "did you get this?").await;
    let message = posted["id"].as_i64().unwrap();
    assert_eq!((posted["status"].as_str(), posted["delivery"].as_str()), (Some("delivered"), Some("sent")));

    let frame = bobs_socket.next_event().await;
    assert_eq!(frame["data"]["id"], message);
    bobs_socket.ack(&frame).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(delivery(&app, &ann, message).await, "sent", "carol's devices have not got it");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let bobs_receipt = loop {
        let found = receipts(&app, &ann, message).await;
        if !found[0]["delivered_at"].is_null() {
            break found[0].clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "the ack was never recorded: {found:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!((bobs_receipt["user_id"].as_i64(), bobs_receipt["read_at"].is_null()), (Some(bob.id), true));

    app.get_ok(&carol, &format!("/api/v1/chats/{chat}/messages")).await;
    await_delivery(&app, &ann, message, "delivered").await;
    assert_eq!(app.get_ok(&ann, &format!("/api/v1/messages/{message}")).await["status"], "delivered");

    for reader in [&bob, &carol] {
        let read = json!({ "message_id": message });
        app.call_json(reader, Method::POST, &format!("/api/v1/chats/{chat}/read"), &read).await;
    }
    await_delivery(&app, &ann, message, "read").await;
    let all = receipts(&app, &ann, message).await;
    assert_eq!(all.iter().map(|receipt| receipt["user_id"].as_i64().unwrap()).collect::<Vec<_>>(), [bob.id, carol.id]);
    assert!(all.iter().all(|receipt| !receipt["delivered_at"].is_null() && !receipt["read_at"].is_null()));
    assert_eq!(all[0]["delivered_at"], bobs_receipt["delivered_at"], "the first delivery's time stays");
}

#[tokio::test]
async fn a_feed_page_counts_as_delivery_and_a_direct_chat_shows_the_other_persons_state() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.direct(&ann, &bob).await;
    let message = app.text(&ann, chat, "ping").await["id"].as_i64().unwrap();
    let mine = app.text(&bob, chat, "pong").await["id"].as_i64().unwrap();
    assert_eq!(delivery(&app, &ann, message).await, "sent");
    app.get_ok(&bob, "/api/v1/events?since=0").await;
    assert_eq!(delivery(&app, &ann, message).await, "delivered");
    assert_eq!(delivery(&app, &ann, mine).await, "sent", "bob's own message waits for ann's devices");
}

#[tokio::test]
async fn receipt_events_report_the_chats_lowest_markers() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let message = app.text(&ann, chat, "tell me when").await["id"].as_i64().unwrap();
    let (mut anns_socket, _) = app.ws(&ann, None).await;
    app.get_ok(&bob, &format!("/api/v1/chats/{chat}/messages")).await;
    let marker = |change: &ReceiptChange, user: i64| {
        let delivered = change.delivered.iter().find(|marker| marker.user_id.0 == user).map(|m| m.message_id.0);
        let read = change.read.iter().find(|marker| marker.user_id.0 == user).map(|m| m.message_id.0);
        (delivered, read)
    };
    let delivered = next_receipt(&mut anns_socket).await;
    assert_eq!(delivered.chat_id.0, chat);
    assert_eq!(marker(&delivered, bob.id), (Some(message), Some(0)), "delivered by the page");
    app.call_json(&bob, Method::POST, &format!("/api/v1/chats/{chat}/read"), &json!({ "message_id": message })).await;
    assert_eq!(marker(&next_receipt(&mut anns_socket).await, bob.id), (Some(message), Some(message)), "then read");
}

#[tokio::test]
async fn many_moves_in_a_second_make_one_receipt_event() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let mut members = Vec::new();
    for n in 0..6 {
        members.push(app.register(&format!("member{n}")).await);
    }
    let chat = app.group(&ann, &members.iter().collect::<Vec<_>>()).await;
    let message = app.text(&ann, chat, "everyone fetch this").await["id"].as_i64().unwrap();
    let (mut anns_socket, _) = app.ws(&ann, None).await;
    let history = format!("/api/v1/chats/{chat}/messages");
    let fetches = members.iter().map(|member| app.call(member, Method::GET, &history));
    futures_util::future::join_all(fetches).await;
    let mut receipts = Vec::new();
    while let Some(frame) = anns_socket.next_receipt_within(Duration::from_millis(2500)).await {
        receipts.push(frame);
    }
    assert!((1..=2).contains(&receipts.len()), "six moves at once, {} events", receipts.len());
    let last = &receipts[receipts.len() - 1]["data"]["delivered"];
    assert_eq!(last[0], json!({ "user_id": ann.id, "message_id": 0 }), "ann herself never fetched");
    assert_eq!(last[1]["message_id"], message, "every other member has it");
    assert_eq!(delivery(&app, &ann, message).await, "delivered");
}

/// The next `receipt.updated` on `socket` (the publisher sends them within about a second).
async fn next_receipt(socket: &mut crate::support::WsClient) -> ReceiptChange {
    let frame = socket.next_receipt_within(Duration::from_secs(5)).await.expect("no receipt.updated within 5 s");
    match serde_json::from_value::<ServerFrame>(frame.clone()) {
        Ok(ServerFrame::Event(stored)) => match stored.event {
            Event::ReceiptUpdated(change) => change,
            other => panic!("not a receipt: {other:?}"),
        },
        other => panic!("not an event: {other:?} from {frame}"),
    }
}

#[tokio::test]
async fn only_the_author_and_admins_see_receipts_and_bad_acks_are_refused() {
    let app = TestApp::spawn().await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let outsider = app.register("eve").await;
    let chat = app.group(&ann, &[&bob, &carol]).await;
    let message = app.text(&bob, chat, "mine").await["id"].as_i64().unwrap();
    let path = format!("/api/v1/messages/{message}/receipts");
    assert_eq!(receipts(&app, &bob, message).await.len(), 2, "the author");
    assert_eq!(receipts(&app, &ann, message).await.len(), 2, "the owner");
    expect_problem(app.call(&carol, Method::GET, &path).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    expect_problem(app.call(&outsider, Method::GET, &path).await, StatusCode::NOT_FOUND, ErrorCode::MessageNotFound)
        .await;
    let missing = app.call(&ann, Method::GET, "/api/v1/messages/999999/receipts").await;
    expect_problem(missing, StatusCode::NOT_FOUND, ErrorCode::MessageNotFound).await;
    let anonymous = app.request(Method::GET, &path).send().await.unwrap();
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;

    let (mut socket, _) = app.ws(&carol, None).await;
    for bad in [json!({ "type": "ack" }), json!({ "type": "ack", "seq": "all" })] {
        socket.send_json(&bad).await;
        let reply = socket.next_event_of("error").await;
        assert_eq!((reply["type"].as_str(), error_code(&reply)), (Some("error"), ErrorCode::InvalidFrame), "{bad}");
    }
    socket.send_json(&json!({ "type": "ack", "seq": i64::MAX })).await;
    // Silence, but for Bob's message's own event: posted just before Carol connected, it may be
    // published just after, and is then hers live (it failed this check 1 in a full run under load).
    let deadline = tokio::time::Instant::now() + Duration::from_millis(300);
    while let Some(frame) = socket.next_json_within(deadline - tokio::time::Instant::now()).await {
        let late = frame["type"] == "message.created" && frame["data"]["id"] == message;
        assert!(late || frame["type"] == "chat.created", "expected silence, got {frame}");
    }
    assert_eq!(
        expect_json(app.call(&bob, Method::GET, &format!("/api/v1/messages/{message}")).await, StatusCode::OK).await["delivery"],
        "sent"
    );
}

#[tokio::test]
async fn acks_on_one_server_process_show_on_another() {
    let app = TestApp::spawn().await;
    let sibling = app.spawn_sibling().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let (mut bobs_socket, _) = sibling.ws(&bob, None).await;
    let (mut anns_socket, _) = app.ws(&ann, None).await;
    let message = app.text(&ann, chat, "across processes").await["id"].as_i64().unwrap();
    let frame = bobs_socket.next_event().await;
    assert_eq!(frame["data"]["id"], message);
    bobs_socket.ack(&frame).await;

    let change =
        anns_socket.next_receipt_within(Duration::from_secs(5)).await.expect("no receipt within 5 s")["data"].clone();
    assert!(change["delivered"].as_array().unwrap().contains(&json!({ "user_id": bob.id, "message_id": message })));
    assert_eq!(delivery(&app, &ann, message).await, "delivered");
    assert_eq!(delivery(&sibling, &ann, message).await, "delivered");
}

#[tokio::test]
async fn leaving_and_coming_back_moves_markers_again_and_membership_changes_update_receipts() {
    let app = TestApp::spawn().await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let chat = app.group(&ann, &[&bob]).await;
    let message = app.text(&ann, chat, "read me twice").await["id"].as_i64().unwrap();
    let (read, history) = (format!("/api/v1/chats/{chat}/read"), format!("/api/v1/chats/{chat}/messages"));
    expect_json(app.call_json(&bob, Method::POST, &read, &json!({ "message_id": message })).await, StatusCode::OK)
        .await;
    await_delivery(&app, &ann, message, "read").await;
    app.call(&bob, Method::DELETE, &format!("/api/v1/chats/{chat}/members/{}", bob.id)).await;
    let (mut anns_socket, _) = app.ws(&ann, None).await;
    let add = |user: &TestUser| json!({ "user_id": user.id });
    for user in [&bob, &carol] {
        let added = app.call_json(&ann, Method::POST, &format!("/api/v1/chats/{chat}/members"), &add(user)).await;
        expect_json(added, StatusCode::CREATED).await;
    }
    let change = next_receipt(&mut anns_socket).await;
    assert!(change.read.iter().all(|marker| marker.message_id.0 == 0), "the newcomers have read nothing: {change:?}");
    assert_eq!(delivery(&app, &ann, message).await, "sent");

    app.get_ok(&bob, &history).await;
    app.get_ok(&carol, &history).await;
    for reader in [&bob, &carol] {
        let again = app.call_json(reader, Method::POST, &read, &json!({ "message_id": message })).await;
        assert_eq!(expect_json(again, StatusCode::OK).await["last_read_message_id"], message);
    }
    await_delivery(&app, &ann, message, "read").await;
}
