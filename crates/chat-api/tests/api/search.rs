//! Full-text search: Russian and English by stem, phrases, exclusions and prefixes; only the
//! caller's chats; edits and deletes reflected; pages by cursor in a fixed number of queries.
//! The index follows the log a moment behind the writes: tests wait for it (`search_caught_up`)
//! before they search, except where what they check is that a delete needs no wait.

use crate::support::{TestApp, expect_json, expect_problem, reaction_path};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn contents(results: &Value) -> Vec<&str> {
    results["hits"].as_array().unwrap().iter().map(|hit| hit["message"]["content"].as_str().unwrap()).collect()
}

fn encoded(text: &str) -> String {
    text.bytes().map(|byte| format!("%{byte:02X}")).collect()
}

#[tokio::test]
async fn words_phrases_exclusions_and_prefixes_find_messages_of_the_callers_chats_only() {
    let app = TestApp::spawn().await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let shared = app.group(&ann, &[&bob]).await;
    let private = app.group(&ann, &[&carol]).await;
    let russian = app.text(&ann, shared, "Тестовое сообщение после фикса").await;
    app.text(&bob, shared, "I was running late: 5 < 6 & fine").await;
    app.text(&ann, private, "release notes for the deploy").await;
    app.text(&carol, private, "draft release, not final").await;
    app.call(&bob, Method::PUT, &reaction_path(russian["id"].as_i64().unwrap(), "👍")).await;
    app.search_caught_up().await;
    let search = |user, query: &str| {
        let path = format!("/api/v1/search?q={}", encoded(query));
        let app = &app;
        async move { app.get_ok(user, &path).await }
    };

    let found = search(&ann, "сообщения").await;
    assert_eq!(contents(&found), ["Тестовое сообщение после фикса"]);
    let hit = &found["hits"][0];
    assert_eq!(hit["chat_id"], shared);
    assert_eq!(hit["chat_title"], "Team");
    assert_eq!(hit["message"]["reactions"][0]["emoji"], "👍", "the whole aggregate");
    assert!(hit["snippet"].as_str().unwrap().contains("<mark>сообщение</mark>"), "{hit}");

    let running = search(&ann, "run").await;
    assert_eq!(contents(&running), ["I was running late: 5 < 6 & fine"]);
    let snippet = running["hits"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("&lt;") && snippet.contains("&amp;") && !snippet.contains(" < "), "escaped: {snippet}");
    assert_eq!(contents(&search(&ann, "\"release notes\"").await), ["release notes for the deploy"]);
    assert_eq!(contents(&search(&ann, "release -draft ").await), ["release notes for the deploy"]);
    assert_eq!(contents(&search(&ann, "releas").await).len(), 2, "the last word is a prefix");
    assert_eq!(contents(&search(&bob, "release").await), Vec::<&str>::new(), "not bob's chat");
    let only_shared = app.get_ok(&ann, &format!("/api/v1/search?q=release&chat_id={shared}")).await;
    assert_eq!(contents(&only_shared), Vec::<&str>::new());
    let by_relevance = app.get_ok(&ann, "/api/v1/search?q=release&order=relevance").await;
    assert_eq!(contents(&by_relevance).len(), 2);
    // Only an exclusion is left once the stop word goes: nothing is found, rather than everything.
    assert_eq!(contents(&search(&ann, "the -draft ").await), Vec::<&str>::new());
    app.text(&ann, shared, "forged \u{E000}mark\u{E001} zebra").await;
    app.search_caught_up().await;
    let forged = search(&ann, "zebra").await;
    assert!(!forged["hits"][0]["snippet"].as_str().unwrap().contains("<mark>mark"), "{forged}");
}

#[tokio::test]
async fn an_edit_is_found_by_its_new_text_and_a_deleted_message_never() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat = app.group(&ann, &[]).await;
    let id = app.text(&ann, chat, "original wording").await["id"].as_i64().unwrap();
    let edit = json!({ "content": "revised phrasing" });
    expect_json(app.call_json(&ann, Method::PATCH, &format!("/api/v1/messages/{id}"), &edit).await, StatusCode::OK)
        .await;
    app.search_caught_up().await;
    assert_eq!(contents(&app.get_ok(&ann, "/api/v1/search?q=original").await), Vec::<&str>::new());
    assert_eq!(contents(&app.get_ok(&ann, "/api/v1/search?q=phrasing").await), ["revised phrasing"]);
    app.call(&ann, Method::DELETE, &format!("/api/v1/messages/{id}")).await;
    assert_eq!(contents(&app.get_ok(&ann, "/api/v1/search?q=phrasing").await), Vec::<&str>::new());
}

#[tokio::test]
async fn pages_follow_their_cursor_in_a_fixed_number_of_queries() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat = app.group(&ann, &[]).await;
    for n in 0..5 {
        app.text(&ann, chat, &format!("report number {n}")).await;
    }
    app.text(&ann, chat, "a lone memo").await;
    app.search_caught_up().await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/search?q=report&limit=2".to_owned();
    loop {
        let page = app.get_ok(&ann, &path).await;
        seen.extend(contents(&page).into_iter().map(str::to_owned));
        let Some(cursor) = page["next_cursor"].as_str() else { break };
        path = format!("/api/v1/search?q=report&limit=2&cursor={cursor}");
    }
    let expected: Vec<String> = (0..5).rev().map(|n| format!("report number {n}")).collect();
    assert_eq!(seen, expected, "newest first, each once");
    let exactly_full = app.get_ok(&ann, "/api/v1/search?q=report&limit=5").await;
    assert_eq!(contents(&exactly_full).len(), 5);
    assert!(exactly_full["next_cursor"].is_null(), "no next page after the last one");

    // By relevance: the five tie on rank and the id breaks the tie, so the cursor carries both.
    let mut by_rank = Vec::new();
    let mut path = "/api/v1/search?q=report&order=relevance&limit=2".to_owned();
    app.text(&ann, chat, "report upon report: the report of reports").await;
    app.search_caught_up().await;
    loop {
        let page = app.get_ok(&ann, &path).await;
        by_rank.extend(contents(&page).into_iter().map(str::to_owned));
        let Some(cursor) = page["next_cursor"].as_str() else { break };
        path = format!("/api/v1/search?q=report&order=relevance&limit=2&cursor={cursor}");
    }
    let mut expected_by_rank = vec!["report upon report: the report of reports".to_owned()];
    expected_by_rank.extend(expected);
    assert_eq!(by_rank, expected_by_rank, "the densest first, then ties newest first, each once");

    // The counter also counts the server's background statements (presence beats, the receipt
    // publisher), which only ever add: the fewest of a few tries is the request's own cost.
    let cost = |query: &'static str| {
        let app = &app;
        let ann = &ann;
        async move {
            let mut fewest = u64::MAX;
            for _ in 0..5 {
                let before = app.metric("chat_db_statements").await;
                app.get_ok(ann, &format!("/api/v1/search?q={query}")).await;
                fewest = fewest.min(app.metric("chat_db_statements").await - before);
            }
            fewest
        }
    };
    assert_eq!(cost("memo").await, cost("report").await, "one result or five, the same queries");
}

#[tokio::test]
async fn bad_searches_are_refused_and_strangers_cannot_search() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let long = "a".repeat(201);
    for query in
        ["", "q=", "q=%21%21%21", "q=-only", "q=a&order=best", "q=a&limit=0", "q=a&cursor=x", &format!("q={long}")]
    {
        let response = app.call(&ann, Method::GET, &format!("/api/v1/search?{query}")).await;
        expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    }
    let anonymous = app.request(Method::GET, "/api/v1/search?q=a").send().await.unwrap();
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}
