//! Outgoing webhooks: delivered once, signed, with the WebSocket's event JSON; retried on 5xx,
//! 429 and timeouts, in order, across a killed server and between two processes; registration's
//! checks and who may register, list, revoke and read deliveries.

use crate::client::signed_up;
use crate::support::{Receiver, Reply, ServerProcess, TestApp, TestUser, expect_json, expect_problem, field_errors};
use chat_domain::{ChatDraft, ChatKind, ErrorCode, FieldCode, WebhookDraft, WebhookKind};
use chat_test_db::TestDatabase;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Registers an outgoing webhook to `receiver` in `chat` as `admin`; the receiver checks
/// signatures with its secret. Answers the webhook's id.
async fn hook(app: &TestApp, admin: &TestUser, chat: i64, receiver: &Receiver) -> i64 {
    let body = json!({ "kind": "outgoing", "url": receiver.url });
    let path = format!("/api/v1/chats/{chat}/webhooks");
    let created = expect_json(app.call_json(admin, Method::POST, &path, &body).await, StatusCode::CREATED).await;
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{created}");
    receiver.set_secret(secret);
    created["webhook"]["id"].as_i64().unwrap()
}

/// Polls the webhook's deliveries until `done` holds of them (10 s at most).
async fn deliveries_until(app: &TestApp, user: &TestUser, webhook: i64, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let list = app.get_ok(user, &format!("/api/v1/webhooks/{webhook}/deliveries")).await;
        let deliveries = list["deliveries"].as_array().unwrap().clone();
        if done(&deliveries) {
            return deliveries;
        }
        assert!(Instant::now() < deadline, "deliveries never got there: {deliveries:?}");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

fn all_delivered(count: usize) -> impl Fn(&[Value]) -> bool {
    move |deliveries| deliveries.len() == count && deliveries.iter().all(|delivery| delivery["state"] == "delivered")
}

#[tokio::test]
async fn a_message_is_delivered_once_signed_with_the_websockets_event_json() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let receiver = Receiver::start().await;
    let webhook = hook(&app, &ann, chat, &receiver).await;
    let (mut socket, _) = app.ws(&bob, None).await;

    let message = app.text(&bob, chat, "deploy done").await;
    let frame = socket.next_event().await;
    let received = receiver.wait_for(1).await;
    let deliveries = deliveries_until(&app, &ann, webhook, all_delivered(1)).await;

    assert_eq!(received.len(), 1, "delivered once");
    let delivery = &received[0];
    assert!(delivery.genuine, "the signature verifies with the secret");
    assert!(delivery.signature.starts_with("v1="), "{}", delivery.signature);
    let mut without_token = frame.clone();
    without_token.as_object_mut().unwrap().remove("resume");
    assert_eq!(delivery.json(), without_token, "the body is the WebSocket's frame, without its resume token");
    assert_eq!(delivery.json()["data"]["id"], message["id"]);
    assert_eq!(delivery.id, deliveries[0]["id"].to_string(), "Chat-Webhook-Id is the delivery's id");
    let age = time::OffsetDateTime::now_utc().unix_timestamp() - delivery.timestamp.parse::<i64>().unwrap();
    assert!((0..60).contains(&age), "Chat-Webhook-Timestamp is now: {age}");
    assert_eq!(deliveries[0]["attempts"], 1);
    assert_eq!(deliveries[0]["last_status"], 200);
    assert_eq!(deliveries[0]["seq"], frame["seq"]);
    // Other event kinds are not wanted by default (the member list's changes, edits).
    app.set_role(&ann, chat, &bob, "admin").await;
    app.text(&bob, chat, "second").await;
    receiver.wait_for(2).await;
    let received = receiver.received();
    assert!(received.iter().all(|delivery| delivery.json()["type"] == "message.created"), "{received:?}");
}

#[tokio::test]
async fn a_receiver_answering_500_twice_gets_three_attempts_and_accepts_once() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat = app.group(&ann, &[]).await;
    let receiver = Receiver::start().await;
    let webhook = hook(&app, &ann, chat, &receiver).await;
    receiver.script([Reply::status(500), Reply::status(500)]);

    app.text(&ann, chat, "alert").await;
    let deliveries = deliveries_until(&app, &ann, webhook, all_delivered(1)).await;
    let received = receiver.received();
    assert_eq!(received.len(), 3, "three attempts");
    assert!(received.iter().all(|attempt| attempt.id == received[0].id && attempt.genuine), "one delivery id");
    assert_eq!(received[0].body, received[2].body);
    assert_eq!(deliveries[0]["attempts"], 3);
    assert_eq!(deliveries[0]["last_status"], 200);
}

#[tokio::test]
async fn a_receiver_down_for_a_while_gets_everything_in_order_when_it_returns() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat = app.group(&ann, &[]).await;
    let receiver = Receiver::start().await;
    let webhook = hook(&app, &ann, chat, &receiver).await;
    // Down (503, then a 429 asking for a short wait) for four tries of the first message.
    let mut too_many = Reply::status(429);
    too_many.body = String::new();
    receiver.script([Reply::status(503), Reply::status(503), Reply::status(503), too_many]);

    let sent = app.texts(&ann, chat, 5).await;
    deliveries_until(&app, &ann, webhook, all_delivered(5)).await;
    let accepted: Vec<i64> =
        receiver.received()[4..].iter().map(|delivery| delivery.json()["data"]["id"].as_i64().unwrap()).collect();
    assert_eq!(accepted, sent, "after the outage, every message, in order, once");
    let attempted_ids: Vec<String> = receiver.received()[..5].iter().map(|delivery| delivery.id.clone()).collect();
    assert!(attempted_ids.iter().all(|id| *id == attempted_ids[0]), "nothing overtook the first: {attempted_ids:?}");
}

#[tokio::test]
async fn a_webhook_that_fails_the_whole_retry_window_is_marked_failing_until_enabled() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat = app.group(&ann, &[]).await;
    let receiver = Receiver::start().await;
    let webhook = hook(&app, &ann, chat, &receiver).await;
    receiver.script((0..5).map(|_| Reply::status(502)));

    app.texts(&ann, chat, 2).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let listed = app.get_ok(&ann, &format!("/api/v1/chats/{chat}/webhooks")).await;
        if listed["webhooks"][0]["state"] == "failing" {
            break;
        }
        assert!(Instant::now() < deadline, "never marked failing: {listed}");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert_eq!(receiver.received().len(), 5, "five tries (the configured maximum), then nothing");
    let path = format!("/api/v1/webhooks/{webhook}");
    let enabled = app.call_json(&ann, Method::PATCH, &path, &json!({ "enabled": true })).await;
    assert_eq!(expect_json(enabled, StatusCode::OK).await["state"], "active");
    deliveries_until(&app, &ann, webhook, all_delivered(2)).await;
    assert_eq!(receiver.received().len(), 7);
}

#[tokio::test]
async fn a_receiver_refusing_with_a_4xx_fails_that_delivery_and_gets_the_next() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat = app.group(&ann, &[]).await;
    let receiver = Receiver::start().await;
    let webhook = hook(&app, &ann, chat, &receiver).await;
    receiver.script([Reply::status(410)]);
    app.texts(&ann, chat, 2).await;
    let deliveries = deliveries_until(&app, &ann, webhook, |deliveries| {
        deliveries.len() == 2 && deliveries.iter().all(|delivery| delivery["state"] != "pending")
    })
    .await;
    // Newest first.
    assert_eq!((&deliveries[0]["state"], &deliveries[1]["state"]), (&json!("delivered"), &json!("failed")));
    assert_eq!(deliveries[1]["last_status"], 410);
    assert_eq!(receiver.received().len(), 2);
}

#[tokio::test]
async fn two_server_processes_deliver_each_event_once() {
    let app = TestApp::spawn().await;
    let sibling = app.spawn_sibling().await;
    let ann = app.register("ann").await;
    let chat = app.group(&ann, &[]).await;
    let receiver = Receiver::start().await;
    let webhook = hook(&app, &ann, chat, &receiver).await;
    let mut sent = Vec::new();
    for n in 0..12 {
        let server = if n % 2 == 0 { &app } else { &sibling };
        sent.push(server.text(&ann, chat, &format!("n{n}")).await["id"].as_i64().unwrap());
    }
    deliveries_until(&app, &ann, webhook, all_delivered(12)).await;
    let delivered: Vec<i64> =
        receiver.received().iter().map(|delivery| delivery.json()["data"]["id"].as_i64().unwrap()).collect();
    assert_eq!(delivered, sent, "each once, in order");
}

#[tokio::test]
async fn a_server_killed_mid_delivery_redelivers_and_loses_nothing() {
    let db = TestDatabase::new().await;
    let server = ServerProcess::start(db.url(), 0).await;
    let (port, address) = (server.port, server.address.clone());
    let ann = signed_up(&address, "ann").await;
    let chat = ann
        .create_chat(&ChatDraft { kind: ChatKind::Group, title: Some("Ops".into()), member_ids: vec![] })
        .await
        .unwrap()
        .chat;
    let receiver = Receiver::start().await;
    let draft = WebhookDraft {
        kind: WebhookKind::Outgoing,
        url: Some(receiver.url.clone()),
        events: None,
        bot_id: None,
        mentions_only: false,
        commands_only: false,
        name: Some("ops".into()),
    };
    let created = ann.create_webhook(chat.id, &draft).await.unwrap();
    receiver.set_secret(created.secret.as_deref().unwrap());
    // The first request is held until the server is gone.
    receiver.script([Reply { status: 200, body: String::new(), delay: Duration::from_secs(3) }]);
    let first = ann.post_text(chat.id, "first").await.unwrap();
    receiver.wait_for(1).await;
    server.stop("KILL").await;
    let server = ServerProcess::start(db.url(), port).await;
    let second = ann.post_text(chat.id, "second").await.unwrap();

    let received = receiver.wait_for(3).await;
    let ids: Vec<i64> = received.iter().map(|delivery| delivery.json()["data"]["id"].as_i64().unwrap()).collect();
    assert_eq!(ids[..3], [first.id.0, first.id.0, second.id.0], "the first again, then the second");
    assert_eq!(received[0].id, received[1].id, "a redelivery carries the same Chat-Webhook-Id");
    assert!(received.iter().all(|delivery| delivery.genuine));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let deliveries = ann.webhook_deliveries(created.webhook.id).await.unwrap().deliveries;
        if deliveries.len() == 2
            && deliveries.iter().all(|delivery| delivery.state == chat_domain::DeliveryState::Delivered)
        {
            break;
        }
        assert!(Instant::now() < deadline, "{deliveries:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(server);
}

#[tokio::test]
async fn a_private_address_is_refused_unless_allow_listed() {
    let strict = TestApp::spawn_with(|config| config.webhooks.allowed_hosts = Vec::new()).await;
    let ann = strict.register("ann").await;
    let chat = strict.group(&ann, &[]).await;
    let path = format!("/api/v1/chats/{chat}/webhooks");
    for url in ["http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://169.254.169.254/latest", "http://[::1]/x"] {
        let response = strict.call_json(&ann, Method::POST, &path, &json!({ "kind": "outgoing", "url": url })).await;
        let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
        assert_eq!(field_errors(&problem), vec![("url", FieldCode::NotAllowed)], "{url}");
    }
    let response =
        strict.call_json(&ann, Method::POST, &path, &json!({ "kind": "outgoing", "url": "ftp://example.com/x" })).await;
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    assert_eq!(field_errors(&problem), vec![("url", FieldCode::Invalid)]);
    assert_eq!(strict.count("webhooks").await, 0);
    // The tests' own servers allow-list 127.0.0.1.
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat = app.group(&ann, &[]).await;
    let body = json!({ "kind": "outgoing", "url": "http://127.0.0.1:9/hook" });
    let response = app.call_json(&ann, Method::POST, &format!("/api/v1/chats/{chat}/webhooks"), &body).await;
    expect_json(response, StatusCode::CREATED).await;
}

#[tokio::test]
async fn registering_refuses_bad_inputs_and_callers_who_are_not_admins() {
    let app = TestApp::spawn().await;
    let (ann, bob, eve) = (app.register("ann").await, app.register("bob").await, app.register("eve").await);
    let chat = app.group(&ann, &[&bob]).await;
    let path = format!("/api/v1/chats/{chat}/webhooks");
    let url = "http://127.0.0.1:9/hook";
    let refused = [
        (json!({ "kind": "outgoing" }), vec![("url", FieldCode::Required)]),
        (
            json!({ "kind": "outgoing", "url": url, "events": ["message.created", "nope"] }),
            vec![("events[1]", FieldCode::Invalid)],
        ),
        (json!({ "kind": "outgoing", "url": url, "events": [] }), vec![("events", FieldCode::TooShort)]),
        (
            json!({ "kind": "outgoing", "url": url, "mentions_only": true }),
            vec![("mentions_only", FieldCode::Required)],
        ),
        (json!({ "kind": "incoming", "url": url }), vec![("url", FieldCode::NotAllowed)]),
        (json!({ "kind": "sideways", "url": url }), vec![("kind", FieldCode::InvalidType)]),
        (json!({ "kind": "outgoing", "url": url, "secret": "mine" }), vec![("secret", FieldCode::UnknownField)]),
    ];
    for (body, fields) in refused {
        let response = app.call_json(&ann, Method::POST, &path, &body).await;
        let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
        assert_eq!(field_errors(&problem), fields, "{body}");
    }
    let body = json!({ "kind": "outgoing", "url": url });
    expect_problem(app.call_json(&bob, Method::POST, &path, &body).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden)
        .await;
    expect_problem(
        app.call_json(&eve, Method::POST, &path, &body).await,
        StatusCode::NOT_FOUND,
        ErrorCode::ChatNotFound,
    )
    .await;
    let unauthenticated = app.request(Method::POST, &path).json(&body).send().await.unwrap();
    expect_problem(unauthenticated, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    assert_eq!(app.count("webhooks").await, 0, "nothing stored");

    // Listing: admins only; no secret in it.
    let webhook = expect_json(app.call_json(&ann, Method::POST, &path, &body).await, StatusCode::CREATED).await;
    let id = webhook["webhook"]["id"].as_i64().unwrap();
    let listed = app.get_ok(&ann, &path).await;
    assert_eq!(listed["webhooks"].as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains("whsec_"), "{listed}");
    expect_problem(app.call(&bob, Method::GET, &path).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    expect_problem(app.call(&eve, Method::GET, &path).await, StatusCode::NOT_FOUND, ErrorCode::ChatNotFound).await;

    // Deliveries, enabling and revoking: 404 for whoever may not manage it.
    let hook_path = format!("/api/v1/webhooks/{id}");
    for user in [&bob, &eve] {
        let deliveries = app.call(user, Method::GET, &format!("{hook_path}/deliveries")).await;
        expect_problem(deliveries, StatusCode::NOT_FOUND, ErrorCode::WebhookNotFound).await;
        let patch = app.call_json(user, Method::PATCH, &hook_path, &json!({ "enabled": true })).await;
        expect_problem(patch, StatusCode::NOT_FOUND, ErrorCode::WebhookNotFound).await;
        let revoke = app.call(user, Method::DELETE, &hook_path).await;
        expect_problem(revoke, StatusCode::NOT_FOUND, ErrorCode::WebhookNotFound).await;
    }
    let patch = app.call_json(&ann, Method::PATCH, &hook_path, &json!({ "enabled": "yes" })).await;
    expect_problem(patch, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    assert_eq!(app.call(&ann, Method::DELETE, &hook_path).await.status(), StatusCode::NO_CONTENT);
    expect_problem(app.call(&ann, Method::DELETE, &hook_path).await, StatusCode::NOT_FOUND, ErrorCode::WebhookNotFound)
        .await;
    assert_eq!(app.get_ok(&ann, &path).await["webhooks"], json!([]));
    let bad = app.call(&ann, Method::DELETE, "/api/v1/webhooks/abc").await;
    expect_problem(bad, StatusCode::BAD_REQUEST, ErrorCode::InvalidPath).await;
}

#[tokio::test]
async fn a_revoked_webhook_is_sent_nothing_more() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat = app.group(&ann, &[]).await;
    let receiver = Receiver::start().await;
    let webhook = hook(&app, &ann, chat, &receiver).await;
    app.text(&ann, chat, "one").await;
    receiver.wait_for(1).await;
    assert_eq!(
        app.call(&ann, Method::DELETE, &format!("/api/v1/webhooks/{webhook}")).await.status(),
        StatusCode::NO_CONTENT
    );
    app.text(&ann, chat, "two").await;
    // Another webhook registered after it gets "three"; by then "two" would have reached the first.
    let second = Receiver::start().await;
    hook(&app, &ann, chat, &second).await;
    app.text(&ann, chat, "three").await;
    second.wait_for(1).await;
    assert_eq!(receiver.received().len(), 1);
}

#[tokio::test]
async fn finished_deliveries_and_a_revoked_webhooks_are_pruned_after_they_are_kept() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let receiver = Receiver::start().await;
    let (kept, revoked) = (hook(&app, &ann, chat, &receiver).await, hook(&app, &ann, chat, &receiver).await);
    app.text(&bob, chat, "one").await;
    deliveries_until(&app, &ann, kept, all_delivered(1)).await;
    deliveries_until(&app, &ann, revoked, all_delivered(1)).await;
    let store = app.store().await;

    assert_eq!(store.prune_webhook_deliveries(Duration::from_secs(3600)).await.unwrap(), 0, "all are recent");
    let response = app.call(&ann, Method::DELETE, &format!("/api/v1/webhooks/{revoked}")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        store.prune_webhook_deliveries(Duration::ZERO).await.unwrap(),
        2,
        "the finished one and the revoked one's"
    );
    assert!(deliveries_until(&app, &ann, kept, |list| list.is_empty()).await.is_empty());
}

#[tokio::test]
async fn a_bots_webhook_hears_nothing_once_its_bot_has_left_the_chat() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let (scout, _) = app.bot(&ann, "scout", None).await;
    app.add_member(&ann, chat, &scout).await;
    let (for_the_bot, sentinel) = (Receiver::start().await, Receiver::start().await);
    let body = json!({ "kind": "outgoing", "url": for_the_bot.url, "bot_id": scout.id });
    let path = format!("/api/v1/chats/{chat}/webhooks");
    let created = expect_json(app.call_json(&ann, Method::POST, &path, &body).await, StatusCode::CREATED).await;
    for_the_bot.set_secret(created["secret"].as_str().unwrap());
    hook(&app, &ann, chat, &sentinel).await;

    app.text(&bob, chat, "one").await;
    for_the_bot.wait_for(1).await;
    let removed = app.call(&ann, Method::DELETE, &format!("/api/v1/chats/{chat}/members/{}", scout.id)).await;
    assert!(removed.status().is_success(), "{}", removed.status());
    app.text(&bob, chat, "two").await;
    // The sentinel hears "two", so the log has been planned past it for every webhook.
    sentinel.wait_for(2).await;
    assert_eq!(for_the_bot.received().len(), 1, "a removed bot's webhook was sent a message of the chat");
}
