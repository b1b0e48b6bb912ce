//! Push notifications (issue 20) end to end: a local push endpoint that checks the VAPID JWT and
//! decrypts the RFC 8291 body with the subscriber's own keys, and the rules for who gets pushed.

use crate::support::push::{PushEndpoint, Received, Reply, Subscriber};
use crate::support::{ServerProcess, TestApp, TestUser, expect_json, expect_problem, field_errors};
use chat_api::Config;
use chat_domain::{ErrorCode, FieldCode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Push settings the tests can wait on: the local endpoint allowed, short hold and retries.
fn fast_push(config: &mut Config) {
    let ms = Duration::from_millis;
    let push = &mut config.push;
    push.allowed_hosts = vec!["127.0.0.1".into()];
    push.hold = ms(200);
    push.poll = ms(50);
    push.lease = ms(2000);
    push.timeout = ms(1000);
    push.retry_first = ms(50);
    push.retry_longest = ms(200);
    push.max_attempts = 4;
}

async fn spawn() -> TestApp {
    TestApp::spawn_with(fast_push).await
}

async fn vapid_key(app: &TestApp) -> String {
    let body =
        expect_json(app.request(Method::GET, "/api/v1/push/vapid-key").send().await.unwrap(), StatusCode::OK).await;
    body["public_key"].as_str().unwrap().to_owned()
}

/// Registers a Web Push subscription on `endpoint` for `user`; the subscriber and the pusher id.
async fn subscribe(app: &TestApp, user: &TestUser, endpoint: &PushEndpoint, path: &str) -> (Subscriber, i64) {
    let subscriber = Subscriber::new(endpoint.url(path));
    let response = app.call_json(user, Method::POST, "/api/v1/push/subscriptions", &subscriber.subscription()).await;
    let id = expect_json(response, StatusCode::CREATED).await["id"].as_i64().unwrap();
    (subscriber, id)
}

/// The payloads of the requests on `path`, opened by `subscriber`.
fn payloads(received: &[Received], path: &str, subscriber: &Subscriber, vapid: &str) -> Vec<Value> {
    received.iter().filter(|request| request.path == path).map(|request| subscriber.open(request, vapid)).collect()
}

/// The messages the outbox holds deliveries for, in planning order, read straight from the
/// database. Planning follows the log, so once a later message's push arrived, every earlier
/// message has been planned: what is not here was never going to be sent.
async fn planned_messages(app: &TestApp) -> Vec<i64> {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Planned {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        message_id: i64,
    }
    let mut conn = AsyncPgConnection::establish(app.database_url()).await.unwrap();
    let query = diesel::sql_query("SELECT message_id FROM push_deliveries WHERE kind = 'message' ORDER BY id");
    query.load::<Planned>(&mut conn).await.unwrap().into_iter().map(|row| row.message_id).collect()
}

async fn wait_for_metric(app: &TestApp, name: &str, at_least: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let metrics = app.request(Method::GET, "/metrics").send().await.unwrap().text().await.unwrap();
        let value = metrics
            .lines()
            .find(|line| line.split_whitespace().next() == Some(name))
            .and_then(|line| line.split_whitespace().nth(1)?.parse::<u64>().ok())
            .unwrap_or(0);
        if value >= at_least {
            return;
        }
        assert!(Instant::now() < deadline, "{name} stayed at {value}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_direct_message_to_a_user_with_no_socket_is_pushed_once_signed_and_encrypted() {
    let app = spawn().await;
    let vapid = vapid_key(&app).await;
    let endpoint = PushEndpoint::start(Vec::new()).await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let (subscriber, _) = subscribe(&app, &bob, &endpoint, "/bob").await;
    let chat = app.direct(&alice, &bob).await;
    let message = app.text(&alice, chat, &"x".repeat(300)).await;

    let received = endpoint.wait_for(1).await;
    let payload = subscriber.open(&received[0], &vapid);
    assert_eq!(payload["type"], "message");
    assert_eq!(payload["chat_id"], chat);
    assert_eq!(payload["message_id"], message["id"]);
    assert_eq!(payload["sender_name"], "alice");
    assert_eq!(payload["preview"].as_str().unwrap().chars().count(), 200);
    assert_eq!(payload["unread"], 1);
    let headers = &received[0].headers;
    assert_eq!(headers["topic"], format!("m{}", message["id"]));
    assert_eq!(headers["urgency"], "high");
    assert!(headers["ttl"].parse::<u64>().unwrap() > 0);

    // A later message is pushed too, and the first never again.
    let second = app.text(&alice, chat, "again").await;
    let received = endpoint.wait_for(2).await;
    let ids: Vec<Value> =
        payloads(&received, "/bob", &subscriber, &vapid).iter().map(|p| p["message_id"].clone()).collect();
    assert_eq!(ids, [message["id"].clone(), second["id"].clone()]);
    wait_for_metric(&app, "chat_push_deliveries_total{outcome=\"sent\"}", 2).await;
}

#[tokio::test]
async fn a_user_reading_on_a_socket_is_not_pushed() {
    // Long enough a hold for the socket's acknowledgement (recorded at most once a second).
    let app = TestApp::spawn_with(|config| {
        fast_push(config);
        config.push.hold = Duration::from_millis(2500);
    })
    .await;
    let endpoint = PushEndpoint::start(Vec::new()).await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    subscribe(&app, &bob, &endpoint, "/bob").await;
    let chat = app.direct(&alice, &bob).await;
    let (mut socket, _) = app.ws(&bob, None).await;
    app.text(&alice, chat, "are you there?").await;
    let frame = socket.next_event().await;
    socket.ack(&frame).await;

    wait_for_metric(&app, "chat_push_deliveries_total{outcome=\"skipped\"}", 1).await;
    assert!(endpoint.received().is_empty());
}

#[tokio::test]
async fn muted_chats_and_group_messages_without_a_mention_push_nothing_and_a_mention_does() {
    let app = spawn().await;
    let vapid = vapid_key(&app).await;
    let endpoint = PushEndpoint::start(Vec::new()).await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let (subscriber, _) = subscribe(&app, &bob, &endpoint, "/bob").await;
    let group = app.group(&alice, &[&bob]).await;
    let direct = app.direct(&alice, &bob).await;
    let muted = json!({ "level": "all", "muted_until": "2999-01-01T00:00:00Z" });
    let response = app.call_json(&bob, Method::PUT, &format!("/api/v1/chats/{direct}/notifications"), &muted).await;
    let muted_until = expect_json(response, StatusCode::OK).await["muted_until"].clone();
    assert!(muted_until.as_str().unwrap().starts_with("2999-01-01T00:00:00"), "{muted_until}");

    app.text(&alice, group, "a group message for everyone").await;
    app.text(&alice, direct, "a direct message, muted").await;
    let mention = app.text(&alice, group, "@bob have a look").await;

    let received = endpoint.wait_for(1).await;
    let opened = payloads(&received, "/bob", &subscriber, &vapid);
    assert_eq!(opened[0]["message_id"], mention["id"]);
    assert_eq!(planned_messages(&app).await, [mention["id"].as_i64().unwrap()]);

    // A group set to `none` pushes not even a mention; a direct chat unmuted pushes again.
    let none = json!({ "level": "none", "muted_until": null });
    let response = app.call_json(&bob, Method::PUT, &format!("/api/v1/chats/{group}/notifications"), &none).await;
    expect_json(response, StatusCode::OK).await;
    let unmuted = json!({ "level": "all", "muted_until": null });
    let response = app.call_json(&bob, Method::PUT, &format!("/api/v1/chats/{direct}/notifications"), &unmuted).await;
    expect_json(response, StatusCode::OK).await;
    app.text(&alice, group, "@bob again").await;
    let last = app.text(&alice, direct, "unmuted").await;
    let received = endpoint.wait_for(2).await;
    let opened = payloads(&received, "/bob", &subscriber, &vapid);
    assert_eq!(opened[1]["message_id"], last["id"]);
    let expected: Vec<i64> = [&mention, &last].iter().map(|message| message["id"].as_i64().unwrap()).collect();
    assert_eq!(planned_messages(&app).await, expected);
    assert_eq!(endpoint.received().len(), 2);
}

#[tokio::test]
async fn nobody_is_pushed_the_messages_of_someone_they_block() {
    let app = spawn().await;
    let vapid = vapid_key(&app).await;
    let endpoint = PushEndpoint::start(Vec::new()).await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    let (subscriber, _) = subscribe(&app, &bob, &endpoint, "/bob").await;
    let group = app.group(&carol, &[&alice, &bob]).await;
    let all = json!({ "level": "all", "muted_until": null });
    let response = app.call_json(&bob, Method::PUT, &format!("/api/v1/chats/{group}/notifications"), &all).await;
    expect_json(response, StatusCode::OK).await;
    let path = format!("/api/v1/users/me/blocks/{}", alice.id);
    expect_json(app.call(&bob, Method::PUT, &path).await, StatusCode::OK).await;

    app.text(&alice, group, "from alice").await;
    app.text(&alice, group, "@bob from alice").await;
    let carols = app.text(&carol, group, "from carol").await;

    let received = endpoint.wait_for(1).await;
    let opened = payloads(&received, "/bob", &subscriber, &vapid);
    assert_eq!(opened[0]["message_id"], carols["id"]);
    assert_eq!(planned_messages(&app).await, [carols["id"].as_i64().unwrap()], "Alice's were never planned");
}

#[tokio::test]
async fn reading_the_chat_sends_a_clear() {
    let app = spawn().await;
    let vapid = vapid_key(&app).await;
    let endpoint = PushEndpoint::start(Vec::new()).await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let (subscriber, _) = subscribe(&app, &bob, &endpoint, "/bob").await;
    let chat = app.direct(&alice, &bob).await;
    let message = app.text(&alice, chat, "hello").await;
    endpoint.wait_for(1).await;
    let read = json!({ "message_id": message["id"] });
    expect_json(app.call_json(&bob, Method::POST, &format!("/api/v1/chats/{chat}/read"), &read).await, StatusCode::OK)
        .await;
    let received = endpoint.wait_for(2).await;
    let clear = subscriber.open(&received[1], &vapid);
    assert_eq!(clear["type"], "clear");
    assert_eq!(clear["chat_id"], chat);
    assert_eq!(clear["message_id"], message["id"]);
    assert_eq!(clear["unread"], 0);
    assert!(clear.get("preview").is_none());
}

#[tokio::test]
async fn without_content_a_push_carries_ids_only() {
    let app = TestApp::spawn_with(|config| {
        fast_push(config);
        config.push.content = chat_api::config::PushContent::None;
    })
    .await;
    let vapid = vapid_key(&app).await;
    let endpoint = PushEndpoint::start(Vec::new()).await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let (subscriber, _) = subscribe(&app, &bob, &endpoint, "/bob").await;
    let chat = app.direct(&alice, &bob).await;
    app.text(&alice, chat, "a secret").await;
    let payload = subscriber.open(&endpoint.wait_for(1).await[0], &vapid);
    assert_eq!(payload["type"], "message");
    assert!(payload.get("sender_name").is_none() && payload.get("preview").is_none(), "{payload}");
    assert_eq!(payload["unread"], 1);
}

#[tokio::test]
async fn an_endpoint_answering_410_loses_its_subscription() {
    let app = spawn().await;
    let endpoint = PushEndpoint::start(vec![Reply::Status(410)]).await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    subscribe(&app, &bob, &endpoint, "/gone").await;
    let chat = app.direct(&alice, &bob).await;
    app.text(&alice, chat, "hello").await;
    endpoint.wait_for(1).await;
    wait_for_metric(&app, "chat_push_deliveries_total{outcome=\"gone\"}", 1).await;
    let list = app.get_ok(&bob, "/api/v1/push/subscriptions").await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn a_500_is_retried_and_then_sent_once() {
    let app = spawn().await;
    let vapid = vapid_key(&app).await;
    let retry_after = vec![("retry-after", "0".to_owned())];
    let endpoint = PushEndpoint::start(vec![Reply::Status(500), Reply::Full(503, retry_after, String::new())]).await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let (subscriber, _) = subscribe(&app, &bob, &endpoint, "/flaky").await;
    let chat = app.direct(&alice, &bob).await;
    let message = app.text(&alice, chat, "hello").await;
    let received = endpoint.wait_for(3).await;
    for request in &received {
        assert_eq!(subscriber.open(request, &vapid)["message_id"], message["id"]);
    }
    wait_for_metric(&app, "chat_push_deliveries_total{outcome=\"sent\"}", 1).await;
    assert_eq!(app.metric("chat_push_deliveries_total{outcome=\"retried\"}").await, 2);
    // Sent once: a later message is the next request.
    let second = app.text(&alice, chat, "again").await;
    let received = endpoint.wait_for(4).await;
    assert_eq!(received.len(), 4);
    assert_eq!(subscriber.open(&received[3], &vapid)["message_id"], second["id"]);
}

#[tokio::test]
async fn an_endpoint_that_keeps_failing_is_given_up_after_the_last_attempt() {
    let app = spawn().await;
    let endpoint = PushEndpoint::start(vec![Reply::Status(500); 10]).await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    subscribe(&app, &bob, &endpoint, "/down").await;
    let chat = app.direct(&alice, &bob).await;
    app.text(&alice, chat, "hello").await;
    wait_for_metric(&app, "chat_push_deliveries_total{outcome=\"failed\"}", 1).await;
    assert_eq!(endpoint.received().len(), 4, "max_attempts tries");
    // The subscription stays: the endpoint may come back.
    let list = app.get_ok(&bob, "/api/v1/push/subscriptions").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn two_server_processes_push_each_message_once() {
    let app = spawn().await;
    let sibling = app.spawn_sibling().await;
    let vapid = vapid_key(&app).await;
    assert_eq!(vapid_key(&sibling).await, vapid, "one VAPID key for every process");
    let endpoint = PushEndpoint::start(Vec::new()).await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let (subscriber, _) = subscribe(&app, &bob, &endpoint, "/bob").await;
    let chat = app.direct(&alice, &bob).await;
    let mut expected = Vec::new();
    for i in 0..6 {
        let server = if i % 2 == 0 { &app } else { &sibling };
        expected.push(server.text(&alice, chat, &format!("message {i}")).await["id"].clone());
    }
    endpoint.wait_for(6).await;
    // A last message, pushed after the others were planned: by then no duplicate is pending.
    expected.push(app.text(&alice, chat, "last").await["id"].clone());
    let received = endpoint.wait_for(7).await;
    let mut ids: Vec<Value> =
        payloads(&received, "/bob", &subscriber, &vapid).iter().map(|p| p["message_id"].clone()).collect();
    ids.sort_by_key(|id| id.as_i64());
    assert_eq!(ids, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_while_pushing_loses_nothing_and_the_repeat_carries_the_same_topic() {
    let db = chat_test_db::TestDatabase::new().await;
    // The first push is held unanswered: the server is killed with it in flight.
    let endpoint = PushEndpoint::start(vec![Reply::Hold]).await;
    let first = ServerProcess::start_with(db.url(), 0, fast_push).await;
    let client = reqwest::Client::new();
    let call = |address: &str, token: Option<&str>, path: &str, body: Value| {
        let mut request = client.post(format!("{address}/api/v1{path}")).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let mut users = Vec::new();
    for name in ["alice", "bob"] {
        let body = json!({ "username": name, "password": "correct horse battery" });
        let session =
            expect_json(call(&first.address, None, "/auth/register", body).await.unwrap(), StatusCode::CREATED).await;
        users.push((session["user"]["id"].as_i64().unwrap(), session["token"].as_str().unwrap().to_owned()));
    }
    let ((_, alice), (bob_id, bob)) = (users[0].clone(), users[1].clone());
    let subscriber = Subscriber::new(endpoint.url("/bob"));
    let response = call(&first.address, Some(&bob), "/push/subscriptions", subscriber.subscription()).await.unwrap();
    expect_json(response, StatusCode::CREATED).await;
    let chat = json!({ "kind": "direct", "member_ids": [bob_id] });
    let chat =
        expect_json(call(&first.address, Some(&alice), "/chats", chat).await.unwrap(), StatusCode::CREATED).await;
    let message = json!({ "chat_id": chat["id"], "content": "in flight" });
    let message =
        expect_json(call(&first.address, Some(&alice), "/messages", message).await.unwrap(), StatusCode::OK).await;
    endpoint.wait_for(1).await;
    assert!(!first.stop("KILL").await);

    // Another process takes the delivery over once the dead one's lease has run out.
    let second = ServerProcess::start_with(db.url(), 0, fast_push).await;
    let vapid = expect_json(
        client.get(format!("{}/api/v1/push/vapid-key", second.address)).send().await.unwrap(),
        StatusCode::OK,
    )
    .await["public_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let received = endpoint.wait_for(2).await;
    for request in &received[..2] {
        assert_eq!(subscriber.open(request, &vapid)["message_id"], message["id"]);
        assert_eq!(request.headers["topic"], format!("m{}", message["id"]));
    }
    // Recorded as sent this time: the next message is the next request, and nothing repeats.
    let next = json!({ "chat_id": chat["id"], "content": "after" });
    let next = expect_json(call(&second.address, Some(&alice), "/messages", next).await.unwrap(), StatusCode::OK).await;
    let received = endpoint.wait_for(3).await;
    assert_eq!(received.len(), 3);
    assert_eq!(subscriber.open(&received[2], &vapid)["message_id"], next["id"]);
}

#[tokio::test]
async fn a_gateway_pusher_gets_a_matrix_shaped_notification() {
    let app = spawn().await;
    let endpoint = PushEndpoint::start(vec![Reply::Status(200)]).await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let gateway = json!({ "kind": "http", "url": endpoint.url("/_matrix/push/v1/notify"), "pushkey": "device-1" });
    let response = app.call_json(&bob, Method::POST, "/api/v1/push/subscriptions", &gateway).await;
    expect_json(response, StatusCode::CREATED).await;
    let chat = app.direct(&alice, &bob).await;
    let message = app.text(&alice, chat, "hi there").await;
    let received = endpoint.wait_for(1).await;
    assert_eq!(received[0].path, "/_matrix/push/v1/notify");
    assert_eq!(received[0].headers["content-type"], "application/json");
    let body: Value = serde_json::from_slice(&received[0].body).unwrap();
    let notification = &body["notification"];
    assert_eq!(notification["event_id"], message["id"].to_string());
    assert_eq!(notification["room_id"], chat.to_string());
    assert_eq!(notification["sender_display_name"], "alice");
    assert_eq!(notification["content"]["body"], "hi there");
    assert_eq!(notification["counts"]["unread"], 1);
    assert_eq!(notification["devices"][0]["pushkey"], "device-1");

    // A gateway that rejects the pushkey loses the pusher.
    let rejected = Reply::Full(200, Vec::new(), r#"{"rejected":["device-1"]}"#.into());
    let endpoint = PushEndpoint::start(vec![rejected]).await;
    let gateway = json!({ "kind": "http", "url": endpoint.url("/notify"), "pushkey": "device-1" });
    expect_json(app.call_json(&bob, Method::POST, "/api/v1/push/subscriptions", &gateway).await, StatusCode::CREATED)
        .await;
    app.text(&alice, chat, "again").await;
    endpoint.wait_for(1).await;
    wait_for_metric(&app, "chat_push_deliveries_total{outcome=\"gone\"}", 1).await;
    let list = app.get_ok(&bob, "/api/v1/push/subscriptions").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_private_address_is_refused_unless_allow_listed() {
    let app = TestApp::spawn().await;
    let bob = app.register("bob").await;
    for url in ["http://127.0.0.1:9/push", "http://10.0.0.1/push", "http://[::1]/push", "http://169.254.169.254/latest"]
    {
        let subscriber = Subscriber::new(url.into());
        let response =
            app.call_json(&bob, Method::POST, "/api/v1/push/subscriptions", &subscriber.subscription()).await;
        let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
        assert_eq!(field_errors(&problem), [("endpoint", FieldCode::NotAllowed)], "{url}");
        let gateway = json!({ "kind": "http", "url": url, "pushkey": "k" });
        let response = app.call_json(&bob, Method::POST, "/api/v1/push/subscriptions", &gateway).await;
        let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
        assert_eq!(field_errors(&problem), [("url", FieldCode::NotAllowed)], "{url}");
    }
    assert_eq!(app.get_ok(&bob, "/api/v1/push/subscriptions").await["items"], json!([]));

    let allowing = spawn().await;
    let bob = allowing.register("bob").await;
    let subscriber = Subscriber::new("http://127.0.0.1:9/push".into());
    let response =
        allowing.call_json(&bob, Method::POST, "/api/v1/push/subscriptions", &subscriber.subscription()).await;
    expect_json(response, StatusCode::CREATED).await;
}

#[tokio::test]
async fn registering_again_updates_listing_shows_origins_and_logout_deletes_the_sessions_pushers() {
    let app = spawn().await;
    let endpoint = PushEndpoint::start(Vec::new()).await;
    let bob = app.register("bob").await;
    let (subscriber, id) = subscribe(&app, &bob, &endpoint, "/bob").await;
    let again = app.call_json(&bob, Method::POST, "/api/v1/push/subscriptions", &subscriber.subscription()).await;
    assert_eq!(expect_json(again, StatusCode::OK).await["id"], id);

    // A second session of Bob's registers a gateway pusher.
    let login = json!({ "username": "bob", "password": "correct horse battery" });
    let session =
        expect_json(app.request(Method::POST, "/api/v1/auth/login").json(&login).send().await.unwrap(), StatusCode::OK)
            .await;
    let phone = TestUser { id: bob.id, token: session["token"].as_str().unwrap().to_owned() };
    let gateway = json!({ "kind": "http", "url": endpoint.url("/notify"), "pushkey": "phone" });
    expect_json(app.call_json(&phone, Method::POST, "/api/v1/push/subscriptions", &gateway).await, StatusCode::CREATED)
        .await;

    let list = app.get_ok(&bob, "/api/v1/push/subscriptions").await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], id);
    assert_eq!(items[0]["kind"], "webpush");
    assert_eq!(items[0]["origin"], endpoint.origin);
    assert_eq!(items[0]["this_session"], true);
    assert_eq!(items[1]["kind"], "http");
    assert_eq!(items[1]["this_session"], false);
    assert!(!list.to_string().contains("/bob"), "URLs are not shown back: {list}");

    assert_eq!(app.call(&phone, Method::POST, "/api/v1/auth/logout").await.status(), StatusCode::NO_CONTENT);
    let list = app.get_ok(&bob, "/api/v1/push/subscriptions").await;
    assert_eq!(crate::support::ids(&list["items"]), [id]);

    // Deleting: only one's own, once.
    let alice = app.register("alice").await;
    let path = format!("/api/v1/push/subscriptions/{id}");
    expect_problem(app.call(&alice, Method::DELETE, &path).await, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    assert_eq!(app.call(&bob, Method::DELETE, &path).await.status(), StatusCode::NO_CONTENT);
    expect_problem(app.call(&bob, Method::DELETE, &path).await, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
}

#[tokio::test]
async fn bad_registrations_are_refused_field_by_field_and_nothing_is_stored() {
    let app = spawn().await;
    let bob = app.register("bob").await;
    let endpoint = "http://127.0.0.1:9/push";
    let good = Subscriber::new(endpoint.into()).subscription();
    let cases = [
        (json!({}), vec![("endpoint", FieldCode::Required), ("keys", FieldCode::Required)]),
        (
            json!({ "endpoint": endpoint, "keys": { "p256dh": "AAAA", "auth": good["keys"]["auth"] } }),
            vec![("keys.p256dh", FieldCode::Invalid)],
        ),
        (
            json!({ "endpoint": endpoint, "keys": { "p256dh": good["keys"]["p256dh"], "auth": "AAAA" } }),
            vec![("keys.auth", FieldCode::Invalid)],
        ),
        (json!({ "endpoint": "not a url", "keys": good["keys"] }), vec![("endpoint", FieldCode::Invalid)]),
        (json!({ "endpoint": "ftp://127.0.0.1/x", "keys": good["keys"] }), vec![("endpoint", FieldCode::Invalid)]),
        (json!({ "kind": "http", "url": endpoint }), vec![("pushkey", FieldCode::Required)]),
        (
            json!({ "kind": "http", "url": endpoint, "pushkey": "k", "keys": good["keys"] }),
            vec![("keys", FieldCode::NotAllowed)],
        ),
    ];
    for (body, expected) in cases {
        let response = app.call_json(&bob, Method::POST, "/api/v1/push/subscriptions", &body).await;
        let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
        assert_eq!(field_errors(&problem), expected, "{body}");
    }
    let response =
        app.call_json(&bob, Method::POST, "/api/v1/push/subscriptions", &json!({ "kind": "carrier pigeon" })).await;
    assert!(response.status().is_client_error());
    assert_eq!(app.get_ok(&bob, "/api/v1/push/subscriptions").await["items"], json!([]));

    // No token, no pusher.
    let response = app.request(Method::POST, "/api/v1/push/subscriptions").json(&good).send().await.unwrap();
    expect_problem(response, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    let response = app.request(Method::GET, "/api/v1/push/subscriptions").send().await.unwrap();
    expect_problem(response, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;

    // At most 20 per user.
    for i in 0..20 {
        let gateway = json!({ "kind": "http", "url": endpoint, "pushkey": format!("device-{i}") });
        let response = app.call_json(&bob, Method::POST, "/api/v1/push/subscriptions", &gateway).await;
        expect_json(response, StatusCode::CREATED).await;
    }
    let response = app.call_json(&bob, Method::POST, "/api/v1/push/subscriptions", &good).await;
    let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    assert_eq!(field_errors(&problem), [("endpoint", FieldCode::TooMany)]);
}

#[tokio::test]
async fn notification_settings_default_by_chat_kind_and_are_for_members_only() {
    let app = spawn().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    let direct = app.direct(&alice, &bob).await;
    let group = app.group(&alice, &[&bob]).await;
    let setting = |chat: i64| format!("/api/v1/chats/{chat}/notifications");
    assert_eq!(app.get_ok(&bob, &setting(direct)).await, json!({ "level": "all", "muted_until": null }));
    assert_eq!(app.get_ok(&bob, &setting(group)).await, json!({ "level": "mentions", "muted_until": null }));

    let none = json!({ "level": "none", "muted_until": null });
    assert_eq!(expect_json(app.call_json(&bob, Method::PUT, &setting(group), &none).await, StatusCode::OK).await, none);
    assert_eq!(app.get_ok(&bob, &setting(group)).await, none);
    assert_eq!(app.get_ok(&alice, &setting(group)).await["level"], "mentions", "one member's choice only");

    expect_problem(
        app.call_json(&carol, Method::PUT, &setting(group), &none).await,
        StatusCode::NOT_FOUND,
        ErrorCode::ChatNotFound,
    )
    .await;
    expect_problem(
        app.call(&carol, Method::GET, &setting(group)).await,
        StatusCode::NOT_FOUND,
        ErrorCode::ChatNotFound,
    )
    .await;
    for bad in
        [json!({ "level": "loud" }), json!({ "level": "all", "muted_until": "soon" }), json!({ "muted_until": null })]
    {
        let response = app.call_json(&bob, Method::PUT, &setting(group), &bad).await;
        assert!(response.status().is_client_error(), "{bad}");
    }
    assert_eq!(app.get_ok(&bob, &setting(group)).await, none, "nothing stored from the bad ones");
    let response = app.request(Method::PUT, &setting(group)).json(&none).send().await.unwrap();
    expect_problem(response, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}
