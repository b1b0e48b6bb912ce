//! Resume tokens (docs/EVENTS.md, "Resuming"): every frame names where a client resumes after
//! it, a token of another epoch (a restored database) answers `resync_required` instead of a gap,
//! a malformed one is refused, and the plain seq of a one-shard deployment keeps working.

use crate::support::{TestApp, expect_json, expect_problem, field_errors};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// What docs/OPERATIONS.md has an operator run after restoring a backup: an epoch other than
/// the one before.
const NEW_EPOCH: &str = "UPDATE event_head SET epoch = (epoch + floor(random() * 2147483646)::bigint) % 2147483647 + 1";

/// The `message.created` frames of a feed page: reading a page counts as delivery, so a
/// `receipt.updated` may come with the next one.
fn messages(feed: &Value) -> Vec<&Value> {
    feed["events"].as_array().unwrap().iter().filter(|frame| frame["type"] == "message.created").collect()
}

fn token(frame: &Value) -> String {
    frame["resume"].as_str().unwrap_or_else(|| panic!("a resume token in {frame}")).to_owned()
}

#[tokio::test]
async fn resuming_with_an_events_token_replays_exactly_what_came_after_it() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let (mut bob_ws, ready) = app.ws(&bob, None).await;
    assert!(!token(&ready).is_empty());
    app.text(&ann, chat, "one").await;
    let one = bob_ws.next_event_of("message.created").await;
    assert_eq!(one["data"]["content"], "one");
    drop(bob_ws);
    app.text(&ann, chat, "two").await;
    app.text(&ann, chat, "three").await;

    let (mut bob_ws, _) = app.ws_since(&bob, &token(&one)).await;
    let two = bob_ws.next_event_of("message.created").await;
    let three = bob_ws.next_event_of("message.created").await;
    assert_eq!((two["data"]["content"].clone(), three["data"]["content"].clone()), (json!("two"), json!("three")));
    let more = bob_ws.next_json_within(Duration::from_millis(300)).await;
    assert!(more.is_none_or(|frame| frame["type"] != "message.created"), "nothing twice");

    // The feed takes the same token and answers the same frames, with the token to go on from.
    let feed = expect_json(
        app.call(&bob, Method::GET, &format!("/api/v1/events?since={}", token(&one))).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(messages(&feed), [&two, &three], "the same frames as the socket's");
    let after = expect_json(
        app.call(&bob, Method::GET, &format!("/api/v1/events?since={}", token(&feed))).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(messages(&after), Vec::<&Value>::new());
    // A token and its plain seq mean the same in a deployment of one log.
    let by_seq =
        expect_json(app.call(&bob, Method::GET, &format!("/api/v1/events?since={}", one["seq"])).await, StatusCode::OK)
            .await;
    assert_eq!(messages(&by_seq), [&two, &three]);

    // A page reads the log's head once (it names the epoch of the page's token and bounds the
    // read), the caller's chats, the events, and records what it delivered. The counter also
    // counts the server's background statements, which only ever add: the fewest of a few tries.
    let mut fewest = u64::MAX;
    for _ in 0..5 {
        let before = app.metric("chat_db_statements").await;
        app.get_ok(&bob, &format!("/api/v1/events?since={}", token(&one))).await;
        fewest = fewest.min(app.metric("chat_db_statements").await - before);
    }
    assert_eq!(fewest, 4, "the head, the chats, the events, the delivery marks");
}

#[tokio::test]
async fn a_token_from_before_a_restore_answers_resync_required_never_a_gap() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let (mut bob_ws, _) = app.ws(&bob, None).await;
    app.text(&ann, chat, "before").await;
    let before = bob_ws.next_event_of("message.created").await;
    drop(bob_ws);
    // What restoring a backup does to the log (docs/OPERATIONS.md): its history is another one.
    assert_eq!(app.sql(NEW_EPOCH).await, 1);
    // The process that ran through it stops (its hub's position, its frames' tokens belong to the
    // history that is gone), for its supervisor to start it again; steady traffic, which wakes
    // its pump again and again, does not put that off.
    let traffic = async {
        loop {
            // Sent while the server stops, so whatever comes back (or nothing) is fine.
            let during = json!({ "chat_id": chat, "content": "during" });
            let _ = app.as_user(&ann, Method::POST, "/api/v1/messages").json(&during).send().await;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let reason = tokio::select! {
        reason = app.stopped() => reason,
        () = traffic => unreachable!(),
        () = tokio::time::sleep(Duration::from_secs(60)) => panic!("the process serves on over another history"),
    };
    assert!(reason.contains("epoch"), "{reason}");
    let app = app.spawn_sibling().await;
    let (mut ann_ws, _) = app.ws(&ann, None).await;
    app.text(&ann, chat, "after").await;
    let after = ann_ws.next_event_of("message.created").await;
    assert_eq!(after["data"]["content"], "after", "published before Bob comes back");

    let (mut bob_ws, ready) = app.ws_since(&bob, &token(&before)).await;
    assert_eq!(bob_ws.next_json().await, json!({ "type": "resync_required" }));
    assert_ne!(token(&ready), token(&before));
    app.text(&ann, chat, "live").await;
    let live = bob_ws.next_event_of("message.created").await;
    assert_eq!(live["data"]["content"], "live");
    // The new history's tokens resume as any do.
    let (mut again, _) = app.ws_since(&bob, &token(&live)).await;
    app.text(&ann, chat, "again").await;
    assert_eq!(again.next_event_of("message.created").await["data"]["content"], "again");

    let feed = expect_json(
        app.call(&bob, Method::GET, &format!("/api/v1/events?since={}", token(&before))).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(feed["resync_required"], true);
    assert_eq!(feed["events"], json!([{ "type": "resync_required" }]));
    // Going on from the answer's token: nothing is missed from there.
    app.text(&ann, chat, "next").await;
    assert_eq!(again.next_event_of("message.created").await["data"]["content"], "next", "published");
    let next = expect_json(
        app.call(&bob, Method::GET, &format!("/api/v1/events?since={}", token(&feed))).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(next["resync_required"], false);
    let contents: Vec<&Value> = messages(&next).into_iter().map(|frame| &frame["data"]["content"]).collect();
    assert_eq!(contents, [&json!("next")], "{next}");

    // A token naming a log this deployment does not have is not one of its positions either.
    let position = token(&feed).split('~').nth(1).unwrap().to_owned();
    let foreign = expect_json(
        app.call(&bob, Method::GET, &format!("/api/v1/events?since=1~{position}~5.1.3")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(foreign["resync_required"], true);
}

#[tokio::test]
async fn a_malformed_since_is_refused_and_a_stranger_is_not_served() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    for since in ["1~0.x.1", "2~0.5.1", "-3", "1~0.5", "1~0.5.01"] {
        let feed = app.call(&ann, Method::GET, &format!("/api/v1/events?since={since}")).await;
        let problem = expect_problem(feed, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
        assert_eq!(field_errors(&problem), [("since", chat_domain::FieldCode::Invalid)], "{since}");
        // The socket refuses it before the upgrade, with the same problem.
        let socket = app.call(&ann, Method::GET, &format!("/api/v1/ws?since={since}")).await;
        expect_problem(socket, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
        let upgrade =
            app.try_ws(&format!("since={since}"), &[("Authorization", &format!("Bearer {}", ann.token))]).await;
        assert_eq!(upgrade.err(), Some(422));
    }
    let stranger = app.request(Method::GET, "/api/v1/events?since=0").send().await.unwrap();
    expect_problem(stranger, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}
