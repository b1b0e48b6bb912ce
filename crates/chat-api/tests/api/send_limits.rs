//! Per-user send limits (issue 25): each user posts at most a burst of messages, refilled at a
//! sustained rate, the same whichever server process their requests reach; a post over it answers
//! 429 `rate_limited` with `Retry-After` and stores nothing.

use crate::support::{TestApp, TestUser, expect_json, expect_problem};
use chat_domain::ErrorCode;
use chat_store::SendLimit;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

async fn post(app: &TestApp, author: &TestUser, chat: i64, key: &str) -> reqwest::Response {
    app.post_keyed(author, chat, &format!("message {key}"), key).await
}

async fn stored_by(app: &TestApp, user: &TestUser) -> i64 {
    app.count(&format!("messages WHERE author_id = {}", user.id)).await
}

#[tokio::test]
async fn the_limit_holds_across_two_processes_and_other_users_are_untouched() {
    // Five at once, then one a minute: nothing comes back during the test.
    let app = TestApp::spawn_with(|config| config.send_limit = SendLimit { burst: 5, per_minute: 1 }).await;
    let sibling = app.spawn_sibling().await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let chat = app.group(&ann, &[&bob, &carol]).await;

    // Bob alternates between the processes: five go through, the rest are refused.
    let mut statuses = Vec::new();
    for n in 0..8 {
        let server = if n % 2 == 0 { &app } else { &sibling };
        statuses.push(post(server, &bob, chat, &format!("bob-{n}")).await.status());
    }
    assert_eq!(statuses[..5], [StatusCode::OK; 5]);
    assert_eq!(statuses[5..], [StatusCode::TOO_MANY_REQUESTS; 3]);
    let refused = post(&sibling, &bob, chat, "bob-8").await;
    assert_eq!(refused.headers()["retry-after"], "60", "a token comes back a minute");
    let problem = expect_problem(refused, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;
    assert!(problem["detail"].as_str().unwrap().contains("too many messages"), "{problem}");
    assert_eq!(stored_by(&app, &bob).await, 5, "a refused post stores nothing");
    let retry = post(&app, &bob, chat, "bob-0").await;
    assert_eq!(retry.headers()["idempotent-replayed"], "true", "a retry of one that went through replays");

    // Carol sends twelve at once through both: the sum admitted is the burst.
    let sends = (0..12).map(|n| {
        let server = if n % 2 == 0 { &app } else { &sibling };
        let (carol, key) = (&carol, format!("carol-{n}"));
        async move { post(server, carol, chat, &key).await.status() }
    });
    let statuses = futures_util::future::join_all(sends).await;
    assert_eq!(statuses.iter().filter(|status| **status == StatusCode::OK).count(), 5, "{statuses:?}");
    assert!(statuses.iter().all(|status| [StatusCode::OK, StatusCode::TOO_MANY_REQUESTS].contains(status)));
    assert_eq!(stored_by(&app, &carol).await, 5);

    // Ann has her own budget.
    expect_json(post(&sibling, &ann, chat, "ann-0").await, StatusCode::OK).await;
}

#[tokio::test]
async fn tokens_come_back_at_the_sustained_rate() {
    // Two at once, then two a second.
    let app = TestApp::spawn_with(|config| config.send_limit = SendLimit { burst: 2, per_minute: 120 }).await;
    let ann = app.register("ann").await;
    let chat = app.group(&ann, &[]).await;
    expect_json(post(&app, &ann, chat, "a").await, StatusCode::OK).await;
    expect_json(post(&app, &ann, chat, "b").await, StatusCode::OK).await;
    let refused = post(&app, &ann, chat, "c").await;
    assert_eq!(refused.headers()["retry-after"], "1");
    expect_problem(refused, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    expect_json(post(&app, &ann, chat, "c").await, StatusCode::OK).await;
    // Not a member, or a bad body: refused as before, and no token taken for it.
    let bob = app.register("bob").await;
    let not_member = post(&app, &bob, chat, "x").await;
    expect_problem(not_member, StatusCode::FORBIDDEN, ErrorCode::NotAMember).await;
    let blank = json!({ "chat_id": chat, "content": " " });
    let invalid = app.call_json(&ann, Method::POST, "/api/v1/messages", &blank).await;
    expect_problem(invalid, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
}
