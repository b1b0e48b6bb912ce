//! Creating chats and reading one.

use crate::support::{TestApp, expect_json, expect_problem};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn group_chat_is_created_and_visible_to_members_only() {
    let app = TestApp::spawn().await;
    let (ann, bob, eve) = (app.register("ann").await, app.register("bob").await, app.register("eve").await);
    let chat_id = app.group(&ann, &[&bob]).await;

    for member in [&ann, &bob] {
        let response = app.as_user(member, Method::GET, &format!("/api/v1/chats/{chat_id}")).send().await.unwrap();
        let chat = expect_json(response, StatusCode::OK).await;
        assert_eq!(chat["kind"], "group");
        assert_eq!(chat["title"], "Team");
        assert_eq!(chat["created_by"], ann.id);
    }
    // An outsider cannot tell this chat from one that does not exist.
    let outsider = app.as_user(&eve, Method::GET, &format!("/api/v1/chats/{chat_id}")).send().await.unwrap();
    let hidden = expect_problem(outsider, StatusCode::NOT_FOUND, ErrorCode::ChatNotFound).await;
    let missing = app.as_user(&eve, Method::GET, "/api/v1/chats/999999").send().await.unwrap();
    let absent = expect_problem(missing, StatusCode::NOT_FOUND, ErrorCode::ChatNotFound).await;
    assert_eq!(hidden, absent);
    let anonymous = app.request(Method::GET, &format!("/api/v1/chats/{chat_id}")).send().await.unwrap();
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}

#[tokio::test]
async fn a_direct_chat_is_created_once_per_pair() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let create = |user, other: i64| {
        app.as_user(user, Method::POST, "/api/v1/chats")
            .json(&json!({ "kind": "direct", "member_ids": [other] }))
            .send()
    };
    let first = expect_json(create(&ann, bob.id).await.unwrap(), StatusCode::CREATED).await;
    assert_eq!(first["kind"], "direct");
    assert_eq!(first["title"], serde_json::Value::Null);
    let again = expect_json(create(&bob, ann.id).await.unwrap(), StatusCode::OK).await;
    assert_eq!(again["id"], first["id"]);
    assert_eq!(app.count("chats").await, 1);
}

#[tokio::test]
async fn invalid_chats_are_refused_and_store_nothing() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let create = |body: serde_json::Value| app.as_user(&ann, Method::POST, "/api/v1/chats").json(&body).send();

    let with_self = create(json!({ "kind": "direct", "member_ids": [ann.id] })).await.unwrap();
    expect_problem(with_self, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    let untitled = create(json!({ "kind": "group", "member_ids": [] })).await.unwrap();
    let problem = expect_problem(untitled, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    assert_eq!(problem["errors"][0]["field"], "title");
    let stranger = create(json!({ "kind": "group", "title": "x", "member_ids": [424242] })).await.unwrap();
    let problem = expect_problem(stranger, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    assert_eq!(problem["errors"][0]["field"], "member_ids");
    let bad_kind = create(json!({ "kind": "channel", "title": "x" })).await.unwrap();
    let problem = expect_problem(bad_kind, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    assert_eq!(problem["errors"][0]["field"], "kind");
    assert_eq!(app.count("chats").await, 0);
    assert_eq!(app.count("chat_members").await, 0);
}
