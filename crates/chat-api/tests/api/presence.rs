//! Presence: online while a socket is open on any server process, offline (with a last-seen time)
//! once the last one closes or its process is killed, shown only to users who share a chat, and
//! hidden by choice.

use crate::support::{ServerProcess, TestApp, TestUser, WsClient, expect_json, expect_problem};
use chat_domain::{ControlFrame, ErrorCode, PresenceStatus, ServerFrame, Timestamp};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// The next `presence.updated` about `user` on `socket`, within 5 s.
async fn next_presence(socket: &mut WsClient, user: &TestUser) -> Value {
    loop {
        let frame = socket.next_presence_within(Duration::from_secs(5)).await.expect("no presence within 5 s");
        if frame["user_id"] == user.id {
            return frame;
        }
    }
}

/// When the newest server process (a `ServerProcess` started after the app) last beat, read
/// straight from the database before the sweep deletes its row.
async fn newest_process_beat(app: &TestApp) -> Timestamp {
    #[derive(diesel::QueryableByName)]
    struct Beat {
        #[diesel(sql_type = diesel::sql_types::Timestamptz)]
        beat_at: time::OffsetDateTime,
    }
    let mut conn = AsyncPgConnection::establish(app.database_url()).await.unwrap();
    let query = diesel::sql_query("SELECT beat_at FROM server_processes ORDER BY id DESC LIMIT 1");
    Timestamp(query.get_result::<Beat>(&mut conn).await.unwrap().beat_at)
}

async fn presence_of(app: &TestApp, viewer: &TestUser, user: &TestUser) -> Value {
    app.get_ok(viewer, &format!("/api/v1/users/{}", user.id)).await["presence"].clone()
}

#[tokio::test]
async fn members_see_each_other_come_online_and_go_offline_and_strangers_see_nothing() {
    let app = TestApp::spawn().await;
    let (ann, bob, eve) = (app.register("ann").await, app.register("bob").await, app.register("eve").await);
    let chat = app.group(&ann, &[&bob]).await;
    let (mut anns_socket, _) = app.ws(&ann, None).await;
    let (mut eves_socket, _) = app.ws(&eve, None).await;
    assert_eq!(presence_of(&app, &ann, &bob).await["status"], "offline");

    let (bobs_socket, _) = app.ws(&bob, None).await;
    let online = next_presence(&mut anns_socket, &bob).await;
    assert_eq!(online["status"], "online");
    let decoded: ServerFrame = serde_json::from_value(online.clone()).unwrap();
    let ServerFrame::Control(ControlFrame::PresenceUpdated { user_id, status, .. }) = decoded else {
        panic!("{online} is not a presence frame of chat-domain's");
    };
    assert_eq!((user_id.0, status), (bob.id, PresenceStatus::Online));
    assert_eq!(presence_of(&app, &ann, &bob).await["status"], "online");
    let members = app.get_ok(&ann, &format!("/api/v1/chats/{chat}/members")).await;
    let bobs = members["members"].as_array().unwrap().iter().find(|m| m["user_id"] == bob.id).unwrap().clone();
    assert_eq!(bobs["presence"]["status"], "online");
    assert!(presence_of(&app, &eve, &bob).await.is_null(), "eve shares no chat with bob");

    drop(bobs_socket);
    let offline = next_presence(&mut anns_socket, &bob).await;
    assert_eq!(offline["status"], "offline");
    assert!(offline["last_seen_at"].is_string());
    assert_eq!(presence_of(&app, &ann, &bob).await["last_seen_at"], offline["last_seen_at"]);
    assert_eq!(eves_socket.next_presence_within(Duration::from_millis(300)).await, None, "nothing to a stranger");
}

#[tokio::test]
async fn a_reconnect_within_the_grace_period_does_not_flicker() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    app.group(&ann, &[&bob]).await;
    let (mut anns_socket, _) = app.ws(&ann, None).await;
    let (first, _) = app.ws(&bob, None).await;
    assert_eq!(next_presence(&mut anns_socket, &bob).await["status"], "online");
    drop(first);
    let (_second, _) = app.ws(&bob, None).await;
    assert_eq!(anns_socket.next_presence_within(Duration::from_millis(600)).await, None, "no flicker");
    assert_eq!(presence_of(&app, &ann, &bob).await["status"], "online");
}

#[tokio::test]
async fn a_killed_process_takes_its_users_offline_and_a_new_one_brings_them_back() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    app.group(&ann, &[&bob]).await;
    let (mut anns_socket, _) = app.ws(&ann, None).await;
    let process = ServerProcess::start(app.database_url(), 0).await;
    let auth = format!("Bearer {}", bob.token);
    let _bobs_socket = WsClient::connect(&process.address, "", &[("Authorization", &auth)]).await.unwrap();
    assert_eq!(next_presence(&mut anns_socket, &bob).await["status"], "online");

    process.stop("KILL").await;
    let last_beat = newest_process_beat(&app).await;
    let offline = tokio::time::timeout(Duration::from_secs(5), next_presence(&mut anns_socket, &bob)).await;
    let offline = offline.expect("offline within the timeout and a beat");
    assert_eq!(offline["status"], "offline");
    let last_seen: Timestamp = serde_json::from_value(offline["last_seen_at"].clone()).expect("a last-seen time");
    assert_eq!(last_seen, last_beat, "last seen when the killed process last beat");
    assert!(last_seen <= Timestamp::now(), "not in the future");
    let read = presence_of(&app, &ann, &bob).await;
    assert_eq!((&read["status"], &read["last_seen_at"]), (&json!("offline"), &offline["last_seen_at"]));

    let sibling = app.spawn_sibling().await;
    let (_back, _) = sibling.ws(&bob, None).await;
    assert_eq!(next_presence(&mut anns_socket, &bob).await["status"], "online");
}

/// A process counts as dead once silent for the timeout, but the sweep that writes its users'
/// last-seen time comes at another process's next beat: reads between the two say the same.
#[tokio::test]
async fn a_killed_processs_users_read_as_last_seen_at_its_last_beat_before_the_sweep() {
    // This server sweeps when it starts and then not for a minute: no sweep during the test.
    let app = TestApp::spawn_with(|config| config.realtime.presence.beat = Duration::from_secs(60)).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    app.group(&ann, &[&bob]).await;
    let process = ServerProcess::start(app.database_url(), 0).await;
    let auth = format!("Bearer {}", bob.token);
    let _bobs_socket = WsClient::connect(&process.address, "", &[("Authorization", &auth)]).await.unwrap();
    let started = std::time::Instant::now();
    while presence_of(&app, &ann, &bob).await["status"] != "online" {
        assert!(started.elapsed() < Duration::from_secs(5), "bob did not come online");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    process.stop("KILL").await;
    let last_beat = newest_process_beat(&app).await;
    let offline = loop {
        let read = presence_of(&app, &ann, &bob).await;
        if read["status"] == "offline" {
            break read;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "bob did not go offline");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let last_seen: Timestamp = serde_json::from_value(offline["last_seen_at"].clone()).expect("a last-seen time");
    assert_eq!(last_seen, last_beat, "last seen when the killed process last beat");
    assert_eq!(app.count("presence_connections").await, 1, "not swept yet: the read alone says so");
}

#[tokio::test]
async fn a_user_can_appear_offline_and_bad_choices_are_refused() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    app.group(&ann, &[&bob]).await;
    let (mut anns_socket, _) = app.ws(&ann, None).await;
    let (_bobs_socket, _) = app.ws(&bob, None).await;
    assert_eq!(next_presence(&mut anns_socket, &bob).await["status"], "online");

    let hide = app.call_json(&bob, Method::PUT, "/api/v1/users/me/presence", &json!({ "appear_offline": true })).await;
    assert_eq!(expect_json(hide, StatusCode::OK).await["status"], "offline");
    assert_eq!(next_presence(&mut anns_socket, &bob).await["status"], "offline");
    assert_eq!(presence_of(&app, &ann, &bob).await["status"], "offline");
    let show = app.call_json(&bob, Method::PUT, "/api/v1/users/me/presence", &json!({ "appear_offline": false })).await;
    assert_eq!(expect_json(show, StatusCode::OK).await["status"], "online");
    assert_eq!(next_presence(&mut anns_socket, &bob).await["status"], "online");

    for bad in [json!({}), json!({ "appear_offline": "yes" }), json!({ "appear_offline": true, "x": 1 })] {
        let refused = app.call_json(&bob, Method::PUT, "/api/v1/users/me/presence", &bad).await;
        expect_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    }
    let anonymous = app.request(Method::PUT, "/api/v1/users/me/presence").json(&json!({ "appear_offline": true }));
    expect_problem(anonymous.send().await.unwrap(), StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    assert_eq!(presence_of(&app, &ann, &bob).await["status"], "online", "nothing changed");
}

#[tokio::test]
async fn a_process_that_lost_its_notices_a_moment_tells_its_sockets_to_read_presence_again() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    app.group(&ann, &[&bob]).await;
    let (mut anns_socket, _) = app.ws(&ann, None).await;

    // The process's LISTEN connection is cut: presence notices sent until it listens again are
    // lost (stored events are caught up), so once it listens again its sockets are told.
    let cut = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND query LIKE 'LISTEN%'";
    assert_eq!(app.sql(cut).await, 1, "one listener");
    let stale = anns_socket.next_event_of("presence.stale").await;
    let decoded: ServerFrame = serde_json::from_value(stale.clone()).unwrap();
    assert_eq!(decoded, ServerFrame::Control(ControlFrame::PresenceStale), "{stale}");

    // Presence read again is current, and live presence flows again.
    assert_eq!(presence_of(&app, &ann, &bob).await["status"], "offline");
    let (_bobs_socket, _) = app.ws(&bob, None).await;
    assert_eq!(next_presence(&mut anns_socket, &bob).await["status"], "online");
}
