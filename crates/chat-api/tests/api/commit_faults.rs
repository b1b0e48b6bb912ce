//! A write is acknowledged only once its commit is confirmed: the backend dies during the commit
//! (made to wait by a deferred trigger on this test's database only), and the client must get a
//! 503, not a 2xx for a change that rolled back. A statement the database cancels (a statement
//! timeout, `pg_cancel_backend`) rolled back too, and answers a 503.

use crate::support::{TestApp, TestUser, expect_json, expect_problem, reaction_path};
use chat_domain::ErrorCode;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// Sends `request` and, once its commit sleeps in the trigger, terminates that backend.
async fn killed_in_commit(app: &TestApp, request: reqwest::RequestBuilder) -> Response {
    let pending = tokio::spawn(request.send());
    let killed = app.kill_sleeping_commit(|| pending.is_finished()).await;
    if killed == 0 && pending.is_finished() {
        let answer = pending.await.unwrap().unwrap();
        panic!("answered before its commit: {} {}", answer.status(), answer.text().await.unwrap());
    }
    assert_eq!(killed, 1, "the write never reached its commit");
    pending.await.unwrap().unwrap()
}

#[tokio::test]
async fn a_message_whose_commit_dies_is_not_acknowledged_and_its_retry_creates_it_once() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let chat = app.group(&alice, &[]).await;
    let body = json!({ "chat_id": chat, "content": "only once" });
    let post = || app.as_user(&alice, Method::POST, "/api/v1/messages").header("Idempotency-Key", "k-1").json(&body);

    app.slow_commits(30).await;
    let answer = killed_in_commit(&app, post()).await;
    assert_eq!(answer.headers()["retry-after"], "1");
    expect_problem(answer, StatusCode::SERVICE_UNAVAILABLE, ErrorCode::DatabaseUnavailable).await;
    app.normal_commits().await;
    assert_eq!(app.count("messages").await, 0, "the message rolled back");

    app.wait_for_database(&alice).await;
    let retry = post().send().await.unwrap();
    assert!(retry.headers().get("idempotent-replayed").is_none(), "nothing committed to replay");
    expect_json(retry, StatusCode::OK).await;
    assert_eq!(app.count("messages").await, 1);
}

/// Every other acknowledged write: the same fault gives a 503 and leaves no trace.
#[tokio::test]
async fn no_write_is_acknowledged_before_its_commit() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    let chat = app.group(&alice, &[&bob]).await;
    let mine = app.text(&alice, chat, "mine").await["id"].as_i64().unwrap();
    let theirs = app.text(&bob, chat, "theirs").await["id"].as_i64().unwrap();
    let reacted = app.call(&alice, Method::PUT, &reaction_path(mine, "🎉")).await;
    expect_json(reacted, StatusCode::OK).await;
    let writes: Vec<(&TestUser, Method, String, Option<Value>)> = vec![
        (&alice, Method::POST, format!("/api/v1/chats/{chat}/read"), Some(json!({ "message_id": theirs }))),
        (&alice, Method::PUT, reaction_path(theirs, "👍"), None),
        (&alice, Method::DELETE, reaction_path(mine, "🎉"), None),
        (&alice, Method::PATCH, format!("/api/v1/messages/{mine}"), Some(json!({ "content": "edited" }))),
        (&alice, Method::DELETE, format!("/api/v1/messages/{mine}"), None),
        (&alice, Method::PATCH, format!("/api/v1/chats/{chat}"), Some(json!({ "title": "Renamed" }))),
        (&alice, Method::POST, format!("/api/v1/chats/{chat}/members"), Some(json!({ "user_id": carol.id }))),
        (&alice, Method::PATCH, format!("/api/v1/chats/{chat}/members/{}", bob.id), Some(json!({ "role": "admin" }))),
        (&alice, Method::DELETE, format!("/api/v1/chats/{chat}/members/{}", bob.id), None),
        (
            &alice,
            Method::POST,
            "/api/v1/chats".into(),
            Some(json!({ "kind": "group", "title": "New", "member_ids": [] })),
        ),
    ];
    let events = app.count("events").await;

    app.slow_commits(30).await;
    for (user, method, path, body) in writes {
        app.wait_for_database(user).await;
        let mut request = app.as_user(user, method.clone(), &path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = killed_in_commit(&app, request).await;
        assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE, "{method} {path}");
    }
    app.normal_commits().await;
    assert_eq!(app.count("events").await, events, "no change committed");
    let message = app.get_ok(&alice, &format!("/api/v1/messages/{mine}")).await;
    assert_eq!((message["content"].as_str(), message["is_deleted"].as_bool()), (Some("mine"), Some(false)));
}

/// An upload whose recording dies in its commit is not acknowledged, and its bytes are erased.
#[tokio::test]
async fn an_upload_whose_commit_dies_is_not_acknowledged_and_keeps_no_bytes() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let upload = app
        .as_user(&alice, Method::POST, "/api/v1/uploads?filename=notes.txt")
        .header("Content-Type", "text/plain")
        .body("remember the milk");
    // The claim (an insert) commits; the record of the stored bytes (an update) dies.
    app.slow_commits_after(30, "UPDATE ON uploads").await;
    let answer = killed_in_commit(&app, upload).await;
    expect_problem(answer, StatusCode::SERVICE_UNAVAILABLE, ErrorCode::DatabaseUnavailable).await;
    app.normal_commits_of("uploads").await;
    assert_eq!(app.count("uploads WHERE state = 'ready'").await, 0, "nothing finished");
    assert_eq!(app.media().object_count().await.unwrap(), 0, "the bytes were erased");
}

/// Pooled connections whose backends the database ended (a restart, an administrator) are never
/// handed out again: the next request gets a fresh connection, not a 500.
#[tokio::test]
async fn connections_the_database_closed_are_replaced_not_used() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let chat = app.group(&alice, &[]).await;
    app.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()").await;
    // The server's side of each connection reads the termination notice in the background.
    tokio::time::sleep(Duration::from_millis(200)).await;
    for i in 0..8 {
        app.text(&alice, chat, &format!("after the restart {i}")).await;
    }
    expect_json(app.call(&alice, Method::GET, "/readyz").await, StatusCode::OK).await;
}

/// While the database refuses connections every request answers 503 without waiting the full
/// acquire timeout each, and service resumes by itself once the database is back.
#[tokio::test]
async fn an_outage_answers_503_promptly_and_recovery_needs_no_restart() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let chat = app.group(&alice, &[]).await;
    let database = app.database_name();
    app.sql_as_admin(&format!("ALTER DATABASE {database} ALLOW_CONNECTIONS false")).await;
    let terminate = format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'");
    app.sql_as_admin(&terminate).await;

    let started = std::time::Instant::now();
    for _ in 0..10 {
        let answer = app.post_message(&alice, &json!({ "chat_id": chat, "content": "during" })).await;
        assert_eq!(answer.headers()["retry-after"], "1");
        expect_problem(answer, StatusCode::SERVICE_UNAVAILABLE, ErrorCode::DatabaseUnavailable).await;
    }
    // At the full 5 s acquire timeout each, ten requests would take 50 s.
    assert!(started.elapsed() < Duration::from_secs(5), "503s took {:?}", started.elapsed());

    app.sql_as_admin(&format!("ALTER DATABASE {database} ALLOW_CONNECTIONS true")).await;
    let mut answer = app.post_message(&alice, &json!({ "chat_id": chat, "content": "after" })).await;
    for _ in 0..50 {
        if answer.status() == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        answer = app.post_message(&alice, &json!({ "chat_id": chat, "content": "after" })).await;
    }
    expect_json(answer, StatusCode::OK).await;
}

/// Sends `request` and, once its commit sleeps in the trigger, has the database cancel it
/// (`pg_cancel_backend`).
async fn cancelled_in_commit(app: &TestApp, request: reqwest::RequestBuilder) -> Response {
    app.sql("CREATE TABLE cancelled (pid integer)").await;
    // Materialised first, so the cancel runs for the sleeping backend only, whatever order the
    // planner would test the conditions in.
    let cancel = "WITH sleeping AS MATERIALIZED (SELECT pid FROM pg_stat_activity \
                  WHERE datname = current_database() AND wait_event = 'PgSleep') \
                  INSERT INTO cancelled SELECT pid FROM sleeping WHERE pg_cancel_backend(pid)";
    let pending = tokio::spawn(request.send());
    for _ in 0..500 {
        if app.sql(cancel).await > 0 || pending.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(app.count("cancelled").await, 1, "the write never reached its commit");
    pending.await.unwrap().unwrap()
}

/// A cancelled statement rolled back and, retried, may succeed: 503 with `Retry-After`, not a 500.
#[tokio::test]
async fn a_statement_the_database_cancels_answers_503_and_its_retry_succeeds() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let chat = app.group(&alice, &[]).await;
    let post = app.as_user(&alice, Method::POST, "/api/v1/messages").json(&json!({ "chat_id": chat, "content": "no" }));

    app.slow_commits(30).await;
    let answer = cancelled_in_commit(&app, post).await;
    assert_eq!(answer.headers()["retry-after"], "1");
    expect_problem(answer, StatusCode::SERVICE_UNAVAILABLE, ErrorCode::DatabaseUnavailable).await;
    app.normal_commits().await;
    assert_eq!(app.count("messages").await, 0, "the message rolled back");
    app.text(&alice, chat, "after").await;
}

/// A statement timeout (set for the database, so a new server's connections have it) cancels a
/// write whose statement sleeps in a trigger: 503 with `Retry-After`, and service goes on.
#[tokio::test]
async fn a_statement_timeout_answers_503() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let chat = app.group(&alice, &[]).await;
    app.sql("CREATE FUNCTION slow_statement() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$").await;
    app.sql("CREATE TRIGGER slow_statement AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION slow_statement()")
        .await;
    app.sql(&format!("ALTER DATABASE {} SET statement_timeout = '200ms'", app.database_name())).await;
    let timing_out = app.spawn_sibling().await;

    let started = std::time::Instant::now();
    let answer = timing_out.post_message(&alice, &json!({ "chat_id": chat, "content": "timed out" })).await;
    assert!(started.elapsed() < Duration::from_secs(5), "not cancelled: {:?}", started.elapsed());
    assert_eq!(answer.headers()["retry-after"], "1");
    expect_problem(answer, StatusCode::SERVICE_UNAVAILABLE, ErrorCode::DatabaseUnavailable).await;

    app.sql("DROP TRIGGER slow_statement ON events").await;
    assert_eq!(app.count("messages").await, 0, "the message rolled back");
    timing_out.text(&alice, chat, "after").await;
}
