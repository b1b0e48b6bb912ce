//! `GET /chats` and `GET /chats/{id}`: each chat as its member sees it, most recently active first.

use crate::support::{TestApp, error_fields, expect_problem, ids};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};
use serde_json::Value;

#[tokio::test]
async fn the_list_is_ordered_by_last_activity_and_carries_the_last_message() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let first = app.group(&ann, &[&bob]).await;
    let second = app.group(&ann, &[&bob]).await;
    let third = app.group(&ann, &[]).await;
    let latest = app.text(&bob, first, "bump").await;

    let list = app.get_ok(&ann, "/api/v1/chats").await;
    assert_eq!(ids(&list["chats"]), [first, third, second]);
    assert_eq!(list["next_cursor"], Value::Null);
    let top = &list["chats"][0];
    let mut keys: Vec<&str> = top.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "created_at",
            "created_by",
            "id",
            "kind",
            "last_activity_at",
            "last_message",
            "last_read_message_id",
            "role",
            "slow_mode_secs",
            "title",
            "unread_count",
            "unread_mentions"
        ]
    );
    assert_eq!(top["last_message"], latest);
    assert_eq!(top["last_activity_at"], latest["ts"]);
    assert_eq!(top["role"], "owner");
    assert_eq!(top["unread_count"], 1);
    assert_eq!(top["unread_mentions"], 0);
    assert_eq!(top["last_read_message_id"], Value::Null);
    let quiet = &list["chats"][1];
    assert_eq!(quiet["last_message"], Value::Null);
    assert_eq!(quiet["last_activity_at"], quiet["created_at"]);

    // One chat reads exactly as it does in the list.
    assert_eq!(app.get_ok(&ann, &format!("/api/v1/chats/{first}")).await, *top);

    // Bob sees only his chats, with his own role, and his own message is not unread to him.
    let bobs = app.get_ok(&bob, "/api/v1/chats").await;
    assert_eq!(ids(&bobs["chats"]), [first, second]);
    assert_eq!(bobs["chats"][0]["role"], "member");
    assert_eq!(bobs["chats"][0]["unread_count"], 0);
}

/// Posts to one chat at once never wait on each other for the chat's place in the list (the create
/// statement skips the chat's activity row while another post holds it); the chat still moves to the top,
/// and a post made alone sets its time exactly.
#[tokio::test]
async fn posts_at_once_to_one_chat_all_land_and_move_it_to_the_top() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let busy = app.group(&ann, &[&bob]).await;
    let quiet = app.group(&ann, &[&bob]).await;
    let posts = (0..24).map(|i| app.text(if i % 2 == 0 { &ann } else { &bob }, busy, "at once"));
    let posted = futures_util::future::join_all(posts).await;
    let times: Vec<&str> = posted.iter().map(|message| message["ts"].as_str().unwrap()).collect();
    let (earliest, latest) = (times.iter().min().unwrap(), times.iter().max().unwrap());

    let list = app.get_ok(&ann, "/api/v1/chats").await;
    assert_eq!(ids(&list["chats"]), [busy, quiet]);
    let activity = list["chats"][0]["last_activity_at"].as_str().unwrap();
    assert!(earliest <= &activity && &activity <= latest, "{activity} outside {earliest}..{latest}");
    assert_eq!(
        app.get_ok(&ann, &format!("/api/v1/chats/{busy}/messages?limit=50")).await["messages"]
            .as_array()
            .unwrap()
            .len(),
        24
    );

    let alone = app.text(&bob, quiet, "alone").await;
    let list = app.get_ok(&ann, "/api/v1/chats").await;
    assert_eq!(ids(&list["chats"]), [quiet, busy]);
    assert_eq!(list["chats"][0]["last_activity_at"], alone["ts"]);
    let last = app.text(&ann, busy, "after the rush").await;
    let list = app.get_ok(&ann, "/api/v1/chats").await;
    assert_eq!(ids(&list["chats"]), [busy, quiet]);
    assert_eq!(list["chats"][0]["last_activity_at"], last["ts"]);
}

#[tokio::test]
async fn the_list_pages_with_a_cursor_without_repeats_or_gaps() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(app.group(&ann, &[]).await);
    }
    created.reverse();

    let mut seen = Vec::new();
    let mut path = "/api/v1/chats?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let page = app.get_ok(&ann, &path).await;
        pages += 1;
        assert!(page["chats"].as_array().unwrap().len() <= 2);
        seen.extend(ids(&page["chats"]));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/chats?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created);
    assert_eq!(ids(&app.get_ok(&ann, "/api/v1/chats?limit=100").await["chats"]), created);
}

#[tokio::test]
async fn bad_limits_and_cursors_are_refused_by_name() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    app.group(&ann, &[]).await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("cursor=nonsense", "cursor"),
        ("cursor=123_abc", "cursor"),
        ("limit=-1&cursor=x", "limit"),
    ] {
        let response = app.call(&ann, Method::GET, &format!("/api/v1/chats?{query}")).await;
        let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
        assert_eq!(error_fields(&problem)[0], field, "{query}: {problem}");
    }
    let anonymous = app.request(Method::GET, "/api/v1/chats").send().await.unwrap();
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}
