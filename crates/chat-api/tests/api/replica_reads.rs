//! Reads from a replica never go back in time for their reader. The replica here applies every
//! commit 2 s after the primary made it (scripts/delayed-replica.sh), so each check first shows,
//! straight on the replica, that the data is not there yet: a read the replica served without the
//! rule would have missed it.

use crate::support::{TestApp, TestUser, connect_to_replica, expect_json, expect_problem};
use chat_domain::ErrorCode;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// What a client keeps: the largest `Chat-Position` it got, the newest event seq it received.
#[derive(Clone, Copy, Debug, Default)]
struct Shown {
    position: Option<i64>,
    seq: Option<i64>,
}

impl Shown {
    fn send(&self, request: RequestBuilder) -> RequestBuilder {
        let request = match self.position {
            Some(position) => request.header("Chat-Position", position),
            None => request,
        };
        match self.seq {
            Some(seq) => request.header("Chat-Seq", seq),
            None => request,
        }
    }

    /// Keeps the answer's position; with replicas configured every success carries one.
    fn keep(&mut self, response: &Response) {
        let header = response.headers().get("chat-position").expect("an answer with its position");
        let position: i64 = header.to_str().unwrap().parse().unwrap();
        self.position = Some(self.position.map_or(position, |known| known.max(position)));
    }
}

async fn read(app: &TestApp, user: &TestUser, shown: &mut Shown, path: &str) -> Value {
    let response = shown.send(app.as_user(user, Method::GET, path)).send().await.unwrap();
    shown.keep(&response);
    expect_json(response, StatusCode::OK).await
}

async fn write(app: &TestApp, user: &TestUser, shown: &mut Shown, method: Method, path: &str, body: &Value) -> Value {
    let response = app.as_user(user, method, path).json(body).send().await.unwrap();
    shown.keep(&response);
    let status = response.status();
    assert!(status.is_success(), "{status}");
    response.json().await.unwrap()
}

async fn on_replica(replica: &mut AsyncPgConnection, sql: &str, id: i64) -> bool {
    diesel::sql_query(sql).bind::<BigInt, _>(id).execute(replica).await.unwrap() > 0
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array().unwrap().iter().map(|item| item["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn a_reader_never_misses_their_own_writes() {
    let app = TestApp::spawn_with_delayed_replica(|_| {}).await;
    let mut replica = connect_to_replica(app.database_name()).await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let mut ann_shown = Shown::default();
    let chat = write(
        &app,
        &ann,
        &mut ann_shown,
        Method::POST,
        "/api/v1/chats",
        &json!({
            "kind": "group", "title": "Team", "member_ids": [bob.id]
        }),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    assert!(!on_replica(&mut replica, "SELECT 1 FROM chats WHERE id = $1", chat).await, "the replica is not behind");
    let chats = read(&app, &ann, &mut ann_shown, "/api/v1/chats").await;
    assert_eq!(ids(&chats["chats"]), [chat], "the chat list misses the chat its reader just created");

    for round in 0..4 {
        // Ann reads her own message back at once.
        let body = json!({ "chat_id": chat, "content": format!("round {round}") });
        let message = write(&app, &ann, &mut ann_shown, Method::POST, "/api/v1/messages", &body).await;
        let id = message["id"].as_i64().unwrap();
        assert!(!on_replica(&mut replica, "SELECT 1 FROM messages WHERE id = $1", id).await);
        let history = read(&app, &ann, &mut ann_shown, &format!("/api/v1/chats/{chat}/messages")).await;
        assert!(ids(&history["messages"]).contains(&id), "round {round}: history misses its reader's own write");

        let thread = read(&app, &ann, &mut ann_shown, &format!("/api/v1/messages/{id}/thread")).await;
        assert_eq!(thread["root"]["id"].as_i64(), Some(id));
    }

    // A member added is in the list the adder reads next.
    let added = json!({ "user_id": carol.id, "role": "member" });
    write(&app, &ann, &mut ann_shown, Method::POST, &format!("/api/v1/chats/{chat}/members"), &added).await;
    let members = read(&app, &ann, &mut ann_shown, &format!("/api/v1/chats/{chat}/members")).await;
    let member_ids: Vec<i64> =
        members["members"].as_array().unwrap().iter().map(|m| m["user_id"].as_i64().unwrap()).collect();
    assert!(member_ids.contains(&carol.id), "the member list misses the member its reader just added");
}

#[tokio::test]
async fn a_reader_never_misses_what_an_event_they_received_told_them() {
    let app = TestApp::spawn_with_delayed_replica(|_| {}).await;
    let mut replica = connect_to_replica(app.database_name()).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let (mut bob_ws, _) = app.ws(&bob, None).await;
    let mut bob_shown = Shown::default();
    read(&app, &bob, &mut bob_shown, &format!("/api/v1/chats/{chat}/messages")).await;
    for round in 0..2 {
        // By now the replica has replayed everything Bob was shown: his position alone would let
        // it serve him. Only the event's seq says it must not yet.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let id = app.text(&ann, chat, &format!("round {round}")).await["id"].as_i64().unwrap();
        let event = loop {
            let event = bob_ws.next_event().await;
            if event["type"] == "message.created" {
                break event;
            }
        };
        assert_eq!(event["data"]["id"].as_i64(), Some(id));
        bob_shown.seq = event["seq"].as_i64();
        assert!(
            !on_replica(&mut replica, "SELECT 1 FROM messages WHERE id = $1", id).await,
            "the replica is not behind"
        );
        let history = read(&app, &bob, &mut bob_shown, &format!("/api/v1/chats/{chat}/messages")).await;
        assert!(ids(&history["messages"]).contains(&id), "round {round}: history misses an event its reader got");
    }
}

#[tokio::test]
async fn a_replica_serves_the_reads_it_has_caught_up_with() {
    let app = TestApp::spawn_with_delayed_replica(|_| {}).await;
    let ann = app.register("ann").await;
    let chat = app.group(&ann, &[]).await;
    let mut shown = Shown::default();
    let first =
        write(&app, &ann, &mut shown, Method::POST, "/api/v1/messages", &json!({ "chat_id": chat, "content": "hi" }))
            .await;
    let served_before = app.metric("chat_db_replica_reads").await;
    // The first read waits the replica out on the primary; once the replica has applied the
    // message (2 s later), a read of what the reader has seen is the replica's to answer.
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let history = read(&app, &ann, &mut shown, &format!("/api/v1/chats/{chat}/messages")).await;
    assert_eq!(ids(&history["messages"]), [first["id"].as_i64().unwrap()]);
    assert!(app.metric("chat_db_replica_reads").await > served_before, "the replica served nothing");
}

#[tokio::test]
async fn a_reader_who_says_nothing_is_read_from_the_primary() {
    let app = TestApp::spawn_with_delayed_replica(|_| {}).await;
    let ann = app.register("ann").await;
    let chat = app.group(&ann, &[]).await;
    let served_before = app.metric("chat_db_replica_reads").await;
    let message = app.text(&ann, chat, "hello").await;
    let history = app.get_ok(&ann, &format!("/api/v1/chats/{chat}/messages")).await;
    assert_eq!(ids(&history["messages"]), [message["id"].as_i64().unwrap()]);
    assert_eq!(app.metric("chat_db_replica_reads").await, served_before);
}

#[tokio::test]
async fn a_replica_that_is_down_only_sends_reads_to_the_primary() {
    // Nothing listens on port 9 (discard) here: a refused connection.
    let app =
        TestApp::spawn_with(|config| config.replicas.urls = vec!["postgres://postgres@127.0.0.1:9/chat".into()]).await;
    let ann = app.register("ann").await;
    let chat = app.group(&ann, &[]).await;
    let mut shown = Shown::default();
    for round in 0..3 {
        let body = json!({ "chat_id": chat, "content": format!("round {round}") });
        let id = write(&app, &ann, &mut shown, Method::POST, "/api/v1/messages", &body).await["id"].as_i64().unwrap();
        let history = read(&app, &ann, &mut shown, &format!("/api/v1/chats/{chat}/messages")).await;
        assert!(ids(&history["messages"]).contains(&id));
    }
    assert_eq!(app.metric("chat_db_replica_reads").await, 0);
}

#[tokio::test]
async fn a_malformed_position_is_refused() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    for (header, value) in [("Chat-Position", "abc"), ("Chat-Position", "-1"), ("Chat-Seq", "1.5"), ("Chat-Seq", "")] {
        let response = app.as_user(&ann, Method::GET, "/api/v1/chats").header(header, value).send().await.unwrap();
        expect_problem(response, StatusCode::BAD_REQUEST, ErrorCode::InvalidReadPosition).await;
    }
    // A server without replicas neither needs nor gives positions, and takes them all the same.
    let response = app.as_user(&ann, Method::GET, "/api/v1/chats").header("Chat-Position", "12").send().await.unwrap();
    assert!(response.headers().get("chat-position").is_none());
    expect_json(response, StatusCode::OK).await;
}

#[tokio::test]
async fn reading_from_replicas_needs_a_token() {
    let app = TestApp::spawn_with_delayed_replica(|_| {}).await;
    let response = app.request(Method::GET, "/api/v1/chats").header("Chat-Position", "1").send().await.unwrap();
    expect_problem(response, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}

#[tokio::test]
async fn refusals_carry_a_position_and_probes_none() {
    let app = TestApp::spawn_with_delayed_replica(|_| {}).await;
    let ann = app.register("ann").await;
    let response = app.call(&ann, Method::GET, "/api/v1/chats/999999").await;
    assert!(response.headers().get("chat-position").is_some(), "a 404 shows something too");
    expect_problem(response, StatusCode::NOT_FOUND, ErrorCode::ChatNotFound).await;
    // Unstamped, so they never wait on the database for a position.
    for probe in ["/healthz", "/metrics", "/api/v1/openapi.json"] {
        let response = app.request(Method::GET, probe).send().await.unwrap();
        assert!(response.headers().get("chat-position").is_none(), "{probe}");
    }
}
