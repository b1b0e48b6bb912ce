//! Resuming without gaps or duplicates, several server processes, slow readers, and the HTTP feed.

use crate::support::{TestApp, expect_json};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::collections::BTreeSet;
use std::time::Duration;

#[tokio::test]
async fn events_missed_while_away_arrive_in_order_then_live_ones() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let (bob_ws, ready) = app.ws(&bob, None).await;
    let seen = ready["seq"].as_i64().unwrap();
    drop(bob_ws);

    for text in ["one", "two", "three"] {
        app.post_message(&ann, &json!({ "chat_id": chat, "content": text })).await;
    }
    let (mut bob_ws, _) = app.ws(&bob, Some(seen)).await;
    for text in ["one", "two", "three"] {
        assert_eq!(bob_ws.next_event().await["data"]["content"], text);
    }
    app.post_message(&ann, &json!({ "chat_id": chat, "content": "live" })).await;
    assert_eq!(bob_ws.next_json().await["data"]["content"], "live");
    bob_ws.expect_quiet(Duration::from_millis(300)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_resuming_under_concurrent_writers_misses_nothing_and_sees_nothing_twice() {
    // A queue that holds every event of the test: this is about resuming, and with the tests'
    // small queue a reader starved by the other tests running meanwhile was cut off as slow (4008).
    let app = TestApp::spawn_with(|config| {
        config.pool_size = 8;
        config.realtime.queue_capacity = 1024;
    })
    .await;
    let (ann, bob, reader) = (app.register("ann").await, app.register("bob").await, app.register("rdr").await);
    let chat = app.group(&ann, &[&bob, &reader]).await;
    let (first, ready) = app.ws(&reader, None).await;
    drop(first);

    let writers = (0..8).map(|writer| {
        let (app, author) = (&app, if writer % 2 == 0 { &ann } else { &bob });
        async move {
            let mut ids = Vec::new();
            for n in 0..25 {
                let posted =
                    app.post_message(author, &json!({ "chat_id": chat, "content": format!("w{writer}-{n}") })).await;
                ids.push(expect_json(posted, StatusCode::OK).await["id"].as_i64().unwrap());
            }
            ids
        }
    });
    let reading = async {
        // Reconnect again and again, each time resuming with the last event's resume token.
        let (mut resume, mut received, mut seqs) =
            (ready["resume"].as_str().unwrap().to_owned(), Vec::new(), Vec::new());
        for _ in 0..40 {
            let (mut ws, _) = app.ws_since(&reader, &resume).await;
            while let Some(frame) = ws.next_json_within(Duration::from_millis(60)).await {
                resume = frame["resume"].as_str().unwrap().to_owned();
                seqs.push(frame["seq"].as_i64().unwrap());
                if frame["type"] != "message.created" {
                    continue;
                }
                received.push(frame["data"]["id"].as_i64().unwrap());
                if received.len() == 200 {
                    return (received, seqs);
                }
            }
        }
        let (mut ws, _) = app.ws_since(&reader, &resume).await;
        while received.len() < 200 {
            let frame = ws.next_event().await;
            seqs.push(frame["seq"].as_i64().unwrap());
            received.push(frame["data"]["id"].as_i64().unwrap());
        }
        (received, seqs)
    };
    let (written, (received, seqs)) = tokio::join!(futures_util::future::join_all(writers), reading);
    let written: BTreeSet<i64> = written.into_iter().flatten().collect();
    assert_eq!(written.len(), 200);
    assert_eq!(received.len(), 200, "every message exactly once");
    assert_eq!(received.iter().copied().collect::<BTreeSet<_>>(), written, "nothing missing");
    assert!(seqs.windows(2).all(|pair| pair[0] < pair[1]), "in seq order, no repeats");
}

#[tokio::test]
async fn two_server_processes_deliver_each_others_events() {
    let first = TestApp::spawn().await;
    let second = first.spawn_sibling().await;
    let (ann, bob) = (first.register("ann").await, first.register("bob").await);
    let chat = first.group(&ann, &[&bob]).await;
    let (mut bob_on_second, _) = second.ws(&bob, None).await;
    let (mut ann_on_first, _) = first.ws(&ann, None).await;

    let posted =
        expect_json(first.post_message(&ann, &json!({ "chat_id": chat, "content": "across" })).await, StatusCode::OK)
            .await;
    let frame = bob_on_second.next_event().await;
    assert_eq!(frame["data"], posted);
    assert_eq!(ann_on_first.next_event().await["seq"], frame["seq"], "one seq, whichever process");
    ann_on_first.send_json(&json!({ "type": "typing", "chat_id": chat })).await;
    assert_eq!(bob_on_second.next_event().await["type"], "typing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_closed_and_slows_no_one() {
    let app = TestApp::spawn().await;
    let (ann, bob, cyd) = (app.register("ann").await, app.register("bob").await, app.register("cyd").await);
    let chat = app.group(&ann, &[&bob, &cyd]).await;
    let (mut stalled, _) = app.ws(&bob, None).await;
    let (mut reader, _) = app.ws(&cyd, None).await;

    // Big frames fill the socket buffers quickly; then the stalled client's queue overflows.
    let payload = json!({ "blob": "x".repeat(15 * 1024) });
    let posting = async {
        for n in 0..400 {
            let body = json!({ "chat_id": chat, "type": "file", "content": format!("{n}"), "payload": payload });
            assert_eq!(app.post_message(&ann, &body).await.status(), StatusCode::OK);
        }
    };
    let reading = async {
        let mut contents = Vec::new();
        while contents.len() < 400 {
            contents.push(reader.next_event().await["data"]["content"].as_str().unwrap().to_owned());
        }
        contents
    };
    let ((), contents) = tokio::join!(posting, reading);
    assert_eq!(contents, (0..400).map(|n| n.to_string()).collect::<Vec<_>>());
    let (code, delivered) = stalled.close_code().await;
    assert!(delivered < 400, "the stalled client was cut off (got {delivered})");
    // 4008 when the close frame still fits behind the unread data; otherwise the socket just ends.
    assert!(code == Some(4008) || code.is_none(), "closed with {code:?}");
}

#[tokio::test]
async fn the_http_feed_serves_the_same_frames_and_asks_to_resync_when_too_far() {
    let app = TestApp::spawn().await;
    let (ann, bob, eve) = (app.register("ann").await, app.register("bob").await, app.register("eve").await);
    let chat = app.group(&ann, &[&bob]).await;
    let (mut bob_ws, ready) = app.ws(&bob, None).await;
    let since = ready["seq"].as_i64().unwrap();
    app.post_message(&ann, &json!({ "chat_id": chat, "content": "polled" })).await;
    let live = bob_ws.next_event().await;

    let feed = |user, query: String| app.as_user(user, Method::GET, &format!("/api/v1/events?{query}")).send();
    let polled = expect_json(feed(&bob, format!("since={since}")).await.unwrap(), StatusCode::OK).await;
    let events = polled["events"].as_array().unwrap();
    assert_eq!(events.last(), Some(&live), "the same frame as the socket's");
    assert!(events.iter().all(|event| event["seq"].as_i64().unwrap() > since));
    assert_eq!(polled["next_since"], live["seq"]);
    assert_eq!(polled["resync_required"], false);
    let outsider = expect_json(feed(&eve, format!("since={since}")).await.unwrap(), StatusCode::OK).await;
    assert_eq!(outsider["events"], json!([]));
    // (Bob's poll counted as delivery, which may have added a receipt event of that chat since.)
    let scanned = outsider["next_since"].as_i64().unwrap();
    assert!(scanned >= live["seq"].as_i64().unwrap(), "nothing to see still moves the cursor past what was scanned");

    let future = expect_json(feed(&bob, "since=999999999".into()).await.unwrap(), StatusCode::OK).await;
    assert_eq!(future["resync_required"], true);
    assert_eq!(future["events"][0], json!({ "type": "resync_required" }));
    let missing = feed(&bob, String::new()).await.unwrap();
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
