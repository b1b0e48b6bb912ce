//! A server over two clusters (docs/ARCHITECTURE.md, "Spreading chats over several clusters"):
//! chats on each are created, posted to, read and listed through the same routes; the feed
//! resumes across both logs with one token, never a gap or a repeat; a cluster that is down
//! leaves the other's chats working, its own answering 503, and the chat list and the feed
//! naming it, until it answers again. The WebSocket likewise: a frame's token resumes after it
//! in its own log and where the reader stood in the other.

use crate::support::clusters::on_second_cluster;

use crate::support::{TestApp, TestUser, WsClient, expect_problem};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// Groups of `owner`'s with `members`, one on each cluster (groups take the shards in turn).
async fn group_on_each(app: &TestApp, owner: &TestUser, members: &[&TestUser]) -> (i64, i64) {
    let (mut first, mut second) = (None, None);
    while first.is_none() || second.is_none() {
        let chat = app.group(owner, members).await;
        if on_second_cluster(chat) {
            second.get_or_insert(chat)
        } else {
            first.get_or_insert(chat)
        };
    }
    (first.unwrap(), second.unwrap())
}

fn contents(messages: &Value) -> Vec<String> {
    messages.as_array().unwrap().iter().map(|message| message["content"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn chats_on_both_clusters_are_created_posted_to_read_and_listed_through_the_same_routes() {
    let app = TestApp::spawn_on_two_clusters().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let (first, second) = group_on_each(&app, &ann, &[&bob]).await;
    for chat in [first, second] {
        let posted = app.text(&ann, chat, &format!("hello {chat}")).await;
        let reacted = app.call(&bob, Method::PUT, &format!("/api/v1/messages/{}/reactions/👍", posted["id"])).await;
        assert_eq!(reacted.status(), StatusCode::OK);
        let page = app.get_ok(&bob, &format!("/api/v1/chats/{chat}/messages")).await;
        assert_eq!(contents(&page["messages"]), [format!("hello {chat}")]);
        assert_eq!(page["messages"][0]["reactions"][0]["emoji"], "👍", "{page}");
    }
    // Each chat's rows are on its own cluster.
    let on = |cluster: usize, chat: i64| {
        let app = &app;
        async move { app.sql_on_cluster(cluster, &format!("SELECT 1 FROM messages WHERE chat_id = {chat}")).await }
    };
    assert_eq!((on(0, first).await, on(1, first).await, on(0, second).await, on(1, second).await), (1, 0, 0, 1));

    // The chat list merges both, newest activity first, and misses nothing.
    app.text(&ann, first, "again").await;
    let list = app.get_ok(&bob, "/api/v1/chats").await;
    let listed: Vec<i64> = list["chats"].as_array().unwrap().iter().map(|chat| chat["id"].as_i64().unwrap()).collect();
    // (Finding a group on each cluster made others, empty, older than both.)
    assert_eq!(listed[..2], [first, second]);
    assert!(list.get("missing_clusters").is_none(), "{list}");

    // A direct chat goes to its pair's shard, wherever that is, and works the same.
    let direct = app.direct(&ann, &bob).await;
    app.text(&bob, direct, "hi").await;
    assert_eq!(contents(&app.get_ok(&ann, &format!("/api/v1/chats/{direct}/messages")).await["messages"]), ["hi"]);

    // A new display name reaches the copies of the user on the other cluster.
    let renamed = app.call_json(&bob, Method::PATCH, "/api/v1/users/me", &json!({ "display_name": "Robert" })).await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let members = app.get_ok(&ann, &format!("/api/v1/chats/{second}/members")).await;
        let names: Vec<&str> = members["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|member| member["display_name"].as_str())
            .collect();
        if names.contains(&"Robert") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the copy on the second cluster still says {names:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Pages through `user`'s feed from `since`, `limit` at a time, until a page holds no message;
/// the messages' contents per chat, and the token to go on from.
async fn read_feed(
    app: &TestApp,
    user: &TestUser,
    mut since: String,
    limit: u32,
) -> (BTreeMap<i64, Vec<String>>, String) {
    let mut per_chat: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    loop {
        let page = app.get_ok(user, &format!("/api/v1/events?since={since}&limit={limit}")).await;
        assert_eq!(page["resync_required"], false, "{page}");
        let messages: Vec<&Value> =
            page["events"].as_array().unwrap().iter().filter(|frame| frame["type"] == "message.created").collect();
        for frame in &messages {
            let chat = frame["chat_id"].as_i64().unwrap();
            per_chat.entry(chat).or_default().push(frame["data"]["content"].as_str().unwrap().to_owned());
        }
        since = page["resume"].as_str().unwrap().to_owned();
        if messages.is_empty() {
            return (per_chat, since);
        }
    }
}

/// `read_feed` again and again from where it ended until `want` messages came (each cluster's
/// pump publishes a moment after the commit) or 10 s passed.
async fn read_feed_until(
    app: &TestApp,
    user: &TestUser,
    mut since: String,
    limit: u32,
    want: usize,
) -> (BTreeMap<i64, Vec<String>>, String) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut all: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    loop {
        let (page, next) = read_feed(app, user, since, limit).await;
        for (chat, contents) in page {
            all.entry(chat).or_default().extend(contents);
        }
        since = next;
        if all.values().map(Vec::len).sum::<usize>() >= want || tokio::time::Instant::now() > deadline {
            return (all, since);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Two clusters, a group of Ann's with Bob on each, and Bob's feed read up to now: its token.
struct Reading {
    app: TestApp,
    ann: TestUser,
    bob: TestUser,
    first: i64,
    second: i64,
    token: String,
}

async fn a_reader_of_both_clusters() -> Reading {
    let app = TestApp::spawn_on_two_clusters().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let (first, second) = group_on_each(&app, &ann, &[&bob]).await;
    let start = app.get_ok(&bob, "/api/v1/events?since=0").await;
    let (_, token) = read_feed(&app, &bob, start["resume"].as_str().unwrap().to_owned(), 100).await;
    Reading { app, ann, bob, first, second, token }
}

#[tokio::test]
async fn the_feed_resumes_across_both_logs_with_one_token_no_gap_and_no_repeat() {
    let Reading { app, ann, bob, first, second, mut token } = a_reader_of_both_clusters().await;
    assert_eq!(token.matches('~').count(), 2, "one position per cluster's log: {token}");

    let mut expected: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for round in 0..2 {
        for n in 0..6 {
            for chat in [first, second] {
                let content = format!("{round}-{n}");
                app.text(&ann, chat, &content).await;
                expected.entry(chat).or_default().push(content);
            }
        }
        // Pages of three, each resumed from the last page's token.
        let (got, next) = read_feed_until(&app, &bob, token, 3, 12).await;
        let wanted: BTreeMap<i64, Vec<String>> =
            expected.iter().map(|(chat, all)| (*chat, all[all.len() - 6..].to_vec())).collect();
        assert_eq!(got, wanted, "round {round}: every message once, each chat in order");
        token = next;
    }

    // A frame's own token resumes right after it, in its log, and where the page began in the
    // other: the rest, and only the rest.
    app.text(&ann, first, "a").await;
    app.text(&ann, second, "b").await;
    app.text(&ann, first, "c").await;
    read_feed_until(&app, &bob, token.clone(), 100, 3).await;
    let page = app.get_ok(&bob, &format!("/api/v1/events?since={token}")).await;
    let frames: Vec<&Value> =
        page["events"].as_array().unwrap().iter().filter(|frame| frame["type"] == "message.created").collect();
    assert_eq!(frames.len(), 3);
    for (index, frame) in frames.iter().enumerate() {
        let (rest, _) = read_feed(&app, &bob, frame["resume"].as_str().unwrap().to_owned(), 100).await;
        let mut wanted: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for later in &frames[index + 1..] {
            let chat = later["chat_id"].as_i64().unwrap();
            wanted.entry(chat).or_default().push(later["data"]["content"].as_str().unwrap().to_owned());
        }
        assert_eq!(rest, wanted, "after frame {index}");
    }
}

#[tokio::test]
async fn a_cluster_that_is_down_leaves_the_other_clusters_chats_working_and_is_named() {
    let Reading { app, ann, bob, first, second, token } = a_reader_of_both_clusters().await;

    app.allow_connections_to_cluster(1, false).await;
    app.text(&ann, first, "while down").await;
    let refused = app.post_message(&ann, &json!({ "chat_id": second, "content": "lost?" })).await;
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(refused.headers().contains_key("retry-after"));
    let list = app.get_ok(&bob, "/api/v1/chats").await;
    let listed: Vec<i64> = list["chats"].as_array().unwrap().iter().map(|chat| chat["id"].as_i64().unwrap()).collect();
    assert_eq!(listed.first(), Some(&first));
    assert!(!listed.iter().any(|chat| on_second_cluster(*chat)), "none of the second cluster's");
    assert_eq!(list["missing_clusters"], json!([1]));
    let feed = app.get_ok(&bob, &format!("/api/v1/events?since={token}")).await;
    assert_eq!(feed["missing_clusters"], json!([1]), "{feed}");
    let (got, token) = read_feed_until(&app, &bob, token, 100, 1).await;
    assert_eq!(got, BTreeMap::from([(first, vec!["while down".to_owned()])]));

    app.allow_connections_to_cluster(1, true).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let posted = app.post_message(&ann, &json!({ "chat_id": second, "content": "back" })).await;
        if posted.status() == StatusCode::OK {
            break;
        }
        assert_eq!(posted.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(tokio::time::Instant::now() < deadline, "the second cluster's chats never came back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (got, _) = read_feed_until(&app, &bob, token, 100, 1).await;
    assert_eq!(got, BTreeMap::from([(second, vec!["back".to_owned()])]), "nothing of the outage twice or lost");
    let list = app.get_ok(&bob, "/api/v1/chats").await;
    assert!(list.get("missing_clusters").is_none());
}

#[tokio::test]
async fn a_token_limited_to_one_chat_reaches_no_message_of_another_on_any_cluster() {
    let app = TestApp::spawn_on_two_clusters().await;
    let ann = app.register("ann").await;
    let (inside, outside) = group_on_each(&app, &ann, &[]).await;
    let (bot, _) = app.bot(&ann, "helper", Some(&[inside])).await;
    app.add_member(&ann, inside, &bot).await;
    app.add_member(&ann, outside, &bot).await;
    // The other chat is on the second cluster: its message's chat is looked up there.
    let elsewhere = app.text(&ann, outside, "not for the bot").await["id"].as_i64().unwrap();
    for (method, path) in [
        (Method::GET, format!("/api/v1/messages/{elsewhere}")),
        (Method::PUT, format!("/api/v1/messages/{elsewhere}/reactions/👍")),
        (Method::GET, format!("/api/v1/messages/{elsewhere}/receipts")),
    ] {
        let refused = app.call(&bot, method.clone(), &path).await;
        expect_problem(refused, StatusCode::NOT_FOUND, ErrorCode::MessageNotFound).await;
    }
    let mine = app.text(&bot, inside, "allowed").await["id"].as_i64().unwrap();
    assert_eq!(app.get_ok(&bot, &format!("/api/v1/messages/{mine}")).await["id"], mine);
}

#[tokio::test]
async fn a_server_moderator_in_none_of_a_clusters_chats_deletes_a_message_there() {
    let app = TestApp::spawn_on_two_clusters().await;
    // The first to register is a server admin.
    let root = app.register("root").await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let (_, second) = group_on_each(&app, &ann, &[&bob]).await;
    let posted = app.text(&ann, second, "against the rules").await["id"].as_i64().unwrap();
    let deleted = app.call(&root, Method::DELETE, &format!("/api/v1/messages/{posted}?reason=spam")).await;
    assert_eq!(deleted.status(), StatusCode::OK);
    let page = app.get_ok(&bob, &format!("/api/v1/chats/{second}/messages")).await;
    assert_eq!(page["messages"][0]["is_deleted"], true, "{page}");
}

#[tokio::test]
async fn a_server_started_while_a_cluster_is_down_serves_the_others_and_takes_it_up_once_it_answers() {
    let app = TestApp::spawn_on_two_clusters_second(false).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    // Groups take the shards in turn: those of the second cluster are refused for now.
    let body = json!({ "kind": "group", "title": "team", "member_ids": [bob.id] });
    let (mut first, mut refused) = (None, false);
    while first.is_none() || !refused {
        let created = app.call_json(&ann, Method::POST, "/api/v1/chats", &body).await;
        match created.status() {
            StatusCode::CREATED => first = Some(created.json::<Value>().await.unwrap()["id"].as_i64().unwrap()),
            StatusCode::SERVICE_UNAVAILABLE => refused = true,
            other => panic!("{other}"),
        }
    }
    let first = first.unwrap();
    assert!(!on_second_cluster(first));
    app.text(&ann, first, "served").await;
    let list = app.get_ok(&bob, "/api/v1/chats").await;
    assert_eq!(list["missing_clusters"], json!([1]), "{list}");

    app.allow_connections_to_cluster(1, true).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let second = loop {
        let created = app.call_json(&ann, Method::POST, "/api/v1/chats", &body).await;
        let status = created.status();
        let chat = created.json::<Value>().await.unwrap()["id"].as_i64();
        if let (StatusCode::CREATED, Some(chat)) = (status, chat)
            && on_second_cluster(chat)
        {
            break chat;
        }
        assert!(tokio::time::Instant::now() < deadline, "the second cluster was never taken up ({status})");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    app.text(&ann, second, "and here").await;
    let list = app.get_ok(&bob, "/api/v1/chats").await;
    assert!(list.get("missing_clusters").is_none(), "{list}");
    // Its log is followed: its event is published, and reaches the feed.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let feed = app.get_ok(&bob, "/api/v1/events?since=0").await;
        let contents: Vec<&str> = feed["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|frame| frame["type"] == "message.created")
            .filter_map(|frame| frame["data"]["content"].as_str())
            .collect();
        if contents.contains(&"served") && contents.contains(&"and here") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{feed}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The `message.created` frames of `socket` until `count` came, in the order they came.
async fn created_frames(socket: &mut WsClient, count: usize) -> Vec<Value> {
    let mut frames = Vec::new();
    while frames.len() < count {
        let frame = socket.next_json().await;
        if frame["type"] == "message.created" {
            frames.push(frame);
        }
    }
    frames
}

/// The contents of `frames`, per chat, in order.
fn per_chat(frames: &[Value]) -> BTreeMap<i64, Vec<String>> {
    let mut per_chat: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for frame in frames {
        let chat = frame["chat_id"].as_i64().unwrap();
        per_chat.entry(chat).or_default().push(frame["data"]["content"].as_str().unwrap().to_owned());
    }
    per_chat
}

#[tokio::test]
async fn a_socket_over_both_logs_resumes_from_any_frame_with_no_gap_and_no_repeat() {
    let app = TestApp::spawn_on_two_clusters().await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let (first, second) = group_on_each(&app, &ann, &[&bob, &carol]).await;
    let (mut socket, ready) = app.ws(&bob, None).await;
    assert_eq!(ready["resume"].as_str().unwrap().matches('~').count(), 2, "a position per log: {ready}");

    // Two writers at once, one on each cluster.
    let writers = [(first, &ann), (second, &carol)].map(|(chat, writer)| {
        let app = &app;
        async move {
            for n in 0..8 {
                app.text(writer, chat, &format!("{chat}-{n}")).await;
            }
        }
    });
    futures_util::future::join_all(writers).await;
    let frames = created_frames(&mut socket, 16).await;
    for frame in &frames {
        let log = if on_second_cluster(frame["chat_id"].as_i64().unwrap()) { Some(1) } else { None };
        assert_eq!(frame["log"].as_i64(), log, "a frame names its log, but the first: {frame}");
    }
    let everything = per_chat(&frames);
    assert_eq!(everything[&first].len(), 8);
    assert_eq!(everything[&second].len(), 8);

    // Resuming from any frame's token replays what came after it, and nothing else.
    for index in [0, 5, 10, 15] {
        let token = frames[index]["resume"].as_str().unwrap();
        let (mut resumed, _) = app.ws_since(&bob, token).await;
        let rest = &frames[index + 1..];
        let replayed = created_frames(&mut resumed, rest.len()).await;
        assert_eq!(per_chat(&replayed), per_chat(rest), "after frame {index}");
        resumed.expect_quiet(Duration::from_millis(300)).await;
    }

    // An ack names the log of the seq it acknowledges: the second cluster records Bob's delivery.
    let last_of_second = frames.iter().rev().find(|frame| frame["log"] == 1).unwrap();
    let message = last_of_second["data"]["id"].as_i64().unwrap();
    socket.send_json(&json!({ "type": "ack", "seq": last_of_second["seq"], "log": 1 })).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let receipts = app.get_ok(&carol, &format!("/api/v1/messages/{message}/receipts")).await;
        let bobs =
            receipts["receipts"].as_array().unwrap().iter().find(|receipt| receipt["user_id"] == bob.id).cloned();
        if bobs.is_some_and(|receipt| !receipt["delivered_at"].is_null()) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{receipts}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn typing_in_a_chat_on_the_second_cluster_joined_while_connected_reaches_its_other_members() {
    let app = TestApp::spawn_on_two_clusters().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let (mut anns, _) = app.ws(&ann, None).await;
    let (mut bobs, _) = app.ws(&bob, None).await;
    // Joined after the sockets opened: only the second cluster's hub hears of it. Both sockets
    // must have its `chat.created` first (Ann's to type in it, Bob's hub to know he is in it).
    let (_, second) = group_on_each(&app, &ann, &[&bob]).await;
    for socket in [&mut anns, &mut bobs] {
        while socket.next_event_of("chat.created").await["data"]["chat"]["id"] != second {}
    }
    anns.send_json(&json!({ "type": "typing", "chat_id": second })).await;
    let typing = bobs.next_event_of("typing").await;
    assert_eq!((typing["chat_id"].as_i64(), typing["user_id"].as_i64()), (Some(second), Some(ann.id)));
}

#[tokio::test]
async fn a_socket_opened_while_a_cluster_is_down_reads_the_other_then_reconnects_for_both() {
    let app = TestApp::spawn_on_two_clusters_with(true, |config| {
        // A log that answers again is looked for every fourth heartbeat.
        config.realtime.ping_interval = Duration::from_millis(250);
    })
    .await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let (first, second) = group_on_each(&app, &ann, &[&bob]).await;
    let (_, ready) = app.ws(&bob, None).await;
    let before = ready["resume"].as_str().unwrap().to_owned();

    app.allow_connections_to_cluster(1, false).await;
    let (mut socket, ready) = app.ws_since(&bob, &before).await;
    assert_eq!(ready["resume"].as_str().unwrap().matches('~').count(), 2, "the down log kept where it was: {ready}");
    app.text(&ann, first, "while down").await;
    let frame = socket.next_event_of("message.created").await;
    assert_eq!(frame["data"]["content"], "while down");
    let token = frame["resume"].as_str().unwrap().to_owned();

    app.allow_connections_to_cluster(1, true).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let posted = app.post_message(&ann, &json!({ "chat_id": second, "content": "back" })).await;
        if posted.status() == StatusCode::OK {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the second cluster's chats never came back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The socket that could not read the second log goes, for its client to come back for both.
    let (code, _) = socket.close_code().await;
    assert_eq!(code, Some(1001));
    let (mut resumed, _) = app.ws_since(&bob, &token).await;
    let frames = created_frames(&mut resumed, 1).await;
    assert_eq!(per_chat(&frames), BTreeMap::from([(second, vec!["back".to_owned()])]));
    resumed.expect_quiet(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn the_rust_client_follows_both_logs_and_acknowledges_each() {
    use crate::client::{next_event, signed_up};
    use chat_domain::{ChatDraft, ChatKind, Event};
    let app = TestApp::spawn_on_two_clusters().await;
    let (ann, bob) = (signed_up(&app.address, "ann").await, signed_up(&app.address, "bob").await);
    let bob_id = bob.me().await.unwrap().id;
    let mut events = bob.event_stream(None);
    let draft = ChatDraft { kind: ChatKind::Group, title: Some("team".into()), member_ids: vec![bob_id] };
    let (mut first, mut second) = (None, None);
    while first.is_none() || second.is_none() {
        let chat = ann.create_chat(&draft).await.unwrap().chat.id;
        if on_second_cluster(chat.0) {
            second.get_or_insert(chat)
        } else {
            first.get_or_insert(chat)
        };
    }
    let (first, second) = (first.unwrap(), second.unwrap());
    // Seqs of the two logs interleave: the second log's may well be below the first's.
    let mut posted = Vec::new();
    for n in 0..3 {
        for chat in [second, first] {
            posted.push(ann.post_text(chat, &format!("{n}")).await.unwrap().id);
        }
    }
    let mut got = Vec::new();
    while got.len() < posted.len() {
        if let Event::MessageCreated(message) = next_event(&mut events).await.event {
            got.push(message.id);
        }
    }
    got.sort();
    let mut wanted = posted.clone();
    wanted.sort();
    assert_eq!(got, wanted, "every message of both logs, once");
    // Its acknowledgements name each log: both clusters record Bob's delivery.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    for message in [posted[posted.len() - 2], posted[posted.len() - 1]] {
        loop {
            let receipts = ann.receipts(message).await.unwrap();
            if receipts.receipts.iter().any(|receipt| receipt.user_id == bob_id && receipt.delivered_at.is_some()) {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "{message:?} never delivered: {receipts:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
