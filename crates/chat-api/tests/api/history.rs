//! `GET /chats/{id}/messages`: a chat's history by id cursor, oldest first within a page.

use crate::support::{TestApp, TestUser, error_fields, expect_problem, ids};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};
use serde_json::Value;

async fn page(app: &TestApp, user: &TestUser, chat_id: i64, query: &str) -> Value {
    app.get_ok(user, &format!("/api/v1/chats/{chat_id}/messages?{query}")).await
}

/// The page's message ids, and its `has_older` and `has_newer` flags.
fn shape(page: &Value) -> (Vec<i64>, bool, bool) {
    (ids(&page["messages"]), page["has_older"].as_bool().unwrap(), page["has_newer"].as_bool().unwrap())
}

#[tokio::test]
async fn each_cursor_answers_its_window_oldest_first() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat_id = app.group(&ann, &[&bob]).await;
    let posted = app.texts(&ann, chat_id, 25).await;

    // (Read first: the page then counts as delivered to bob, which the message shows afterwards.)
    let newest = app.get_ok(&bob, &format!("/api/v1/messages/{}", posted[24])).await;
    let latest = page(&app, &bob, chat_id, "limit=10").await;
    assert_eq!(shape(&latest), (posted[15..].to_vec(), true, false));
    assert_eq!(latest["messages"][9], newest);
    assert_eq!(shape(&page(&app, &bob, chat_id, "").await), (posted.clone(), false, false));
    let before = format!("before={}&limit=5", posted[10]);
    assert_eq!(shape(&page(&app, &bob, chat_id, &before).await), (posted[5..10].to_vec(), true, true));
    let after = format!("after={}&limit=10", posted[19]);
    assert_eq!(shape(&page(&app, &bob, chat_id, &after).await), (posted[20..].to_vec(), true, false));
    assert_eq!(shape(&page(&app, &bob, chat_id, "after=0&limit=3").await), (posted[..3].to_vec(), false, true));
    let around = format!("around={}&limit=4", posted[12]);
    assert_eq!(shape(&page(&app, &bob, chat_id, &around).await), (posted[10..14].to_vec(), true, true));
}

#[tokio::test]
async fn the_default_page_holds_fifty_and_a_page_at_most_two_hundred() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat_id = app.group(&ann, &[]).await;
    let posted = app.texts(&ann, chat_id, 55).await;

    assert_eq!(shape(&page(&app, &ann, chat_id, "").await), (posted[5..].to_vec(), true, false));
    assert_eq!(shape(&page(&app, &ann, chat_id, "limit=200").await), (posted, false, false));
    let empty_chat = app.group(&ann, &[]).await;
    assert_eq!(shape(&page(&app, &ann, empty_chat, "").await), (Vec::new(), false, false));
}

#[tokio::test]
async fn bad_cursors_limits_and_outsiders_are_refused() {
    let app = TestApp::spawn().await;
    let (ann, eve) = (app.register("ann").await, app.register("eve").await);
    let chat_id = app.group(&ann, &[]).await;
    app.text(&ann, chat_id, "private").await;

    for (query, field) in [
        ("before=5&after=1", "after"),
        ("after=1&around=2", "around"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=abc", "limit"),
        ("before=abc", "before"),
        ("around=-1", "around"),
    ] {
        let response = app.call(&ann, Method::GET, &format!("/api/v1/chats/{chat_id}/messages?{query}")).await;
        let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
        assert_eq!(error_fields(&problem), [field], "{query}: {problem}");
    }
    let outsider = app.call(&eve, Method::GET, &format!("/api/v1/chats/{chat_id}/messages")).await;
    let hidden = expect_problem(outsider, StatusCode::NOT_FOUND, ErrorCode::ChatNotFound).await;
    assert!(!hidden.to_string().contains("private"));
    let nowhere = app.call(&eve, Method::GET, "/api/v1/chats/987654/messages").await;
    assert_eq!(expect_problem(nowhere, StatusCode::NOT_FOUND, ErrorCode::ChatNotFound).await, hidden);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_back_while_others_write_neither_repeats_nor_skips() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat_id = app.group(&ann, &[&bob]).await;
    let existing = app.texts(&ann, chat_id, 25).await;

    let writer = app.texts(&bob, chat_id, 20);
    let reader = async {
        let (mut collected, mut written_between): (Vec<i64>, Vec<i64>) = (Vec::new(), Vec::new());
        let mut query = "limit=5".to_owned();
        loop {
            let (page_ids, has_older, _) = shape(&page(&app, &ann, chat_id, &query).await);
            assert!(page_ids.windows(2).all(|pair| pair[0] < pair[1]), "oldest first: {page_ids:?}");
            collected.splice(0..0, page_ids.iter().copied());
            if !has_older {
                return (collected, written_between);
            }
            // Writes land between every two pages, besides the concurrent writer's.
            written_between.extend(app.texts(&ann, chat_id, 2).await);
            query = format!("limit=5&before={}", page_ids[0]);
        }
    };
    let (mut written, (collected, written_between)) = tokio::join!(writer, reader);
    written.extend(written_between);

    assert!(collected.windows(2).all(|pair| pair[0] < pair[1]), "no repeats, in order: {collected:?}");
    let last_existing = *existing.last().unwrap();
    let old: Vec<i64> = collected.iter().copied().filter(|id| *id <= last_existing).collect();
    assert_eq!(old, existing, "every message that existed before paging began, once");
    assert!(collected.iter().filter(|id| **id > last_existing).all(|id| written.contains(id)));
}
