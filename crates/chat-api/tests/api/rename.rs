//! `PATCH /chats/{id}`: owners and admins rename a group chat; nobody else, and never a direct chat.

use crate::support::{TestApp, TestUser, error_fields, expect_json, expect_problem};
use chat_domain::ErrorCode;
use reqwest::{Method, Response, StatusCode};
use serde_json::json;

async fn rename(app: &TestApp, user: &TestUser, chat_id: i64, title: &str) -> Response {
    app.call_json(user, Method::PATCH, &format!("/api/v1/chats/{chat_id}"), &json!({ "title": title })).await
}

#[tokio::test]
async fn the_owner_and_an_admin_rename_a_group_chat() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat_id = app.group(&ann, &[&bob]).await;

    let renamed = expect_json(rename(&app, &ann, chat_id, "Launch").await, StatusCode::OK).await;
    assert_eq!(renamed["id"], chat_id);
    assert_eq!(renamed["title"], "Launch");
    assert_eq!(renamed["role"], "owner");
    assert_eq!(app.get_ok(&bob, &format!("/api/v1/chats/{chat_id}")).await["title"], "Launch");

    app.set_role(&ann, chat_id, &bob, "admin").await;
    let renamed = expect_json(rename(&app, &bob, chat_id, "Launch week").await, StatusCode::OK).await;
    assert_eq!(renamed["title"], "Launch week");
    assert_eq!(renamed["role"], "admin");
}

#[tokio::test]
async fn a_plain_member_or_an_outsider_cannot_rename() {
    let app = TestApp::spawn().await;
    let (ann, bob, eve) = (app.register("ann").await, app.register("bob").await, app.register("eve").await);
    let chat_id = app.group(&ann, &[&bob]).await;
    let events = app.count("events").await;

    expect_problem(rename(&app, &bob, chat_id, "Bob's").await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    expect_problem(rename(&app, &eve, chat_id, "Eve's").await, StatusCode::NOT_FOUND, ErrorCode::ChatNotFound).await;
    expect_problem(rename(&app, &eve, 987654, "Eve's").await, StatusCode::NOT_FOUND, ErrorCode::ChatNotFound).await;
    assert_eq!(app.get_ok(&ann, &format!("/api/v1/chats/{chat_id}")).await["title"], "Team");
    assert_eq!(app.count("events").await, events);
}

#[tokio::test]
async fn invalid_titles_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat_id = app.group(&ann, &[]).await;
    let events = app.count("events").await;

    for title in [String::new(), "   ".to_owned(), "t".repeat(201)] {
        let problem = expect_problem(
            rename(&app, &ann, chat_id, &title).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
        )
        .await;
        assert_eq!(error_fields(&problem), ["title"], "{title:?}");
    }
    let path = format!("/api/v1/chats/{chat_id}");
    let untitled = app.call_json(&ann, Method::PATCH, &path, &json!({})).await;
    expect_problem(untitled, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    assert_eq!(app.get_ok(&ann, &path).await["title"], "Team");
    assert_eq!(app.count("events").await, events);
}

#[tokio::test]
async fn a_direct_chat_has_no_title_to_change() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat_id = app.direct(&ann, &bob).await;
    let events = app.count("events").await;

    let problem = expect_problem(
        rename(&app, &ann, chat_id, "Us").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(error_fields(&problem), ["title"]);
    assert_eq!(app.get_ok(&bob, &format!("/api/v1/chats/{chat_id}")).await["title"], serde_json::Value::Null);
    assert_eq!(app.count("events").await, events);
}
