//! `DELETE /chats/{id}/members/{user_id}`: owners and admins remove members, anyone may leave,
//! and the last owner must hand over first.

use crate::support::{TestApp, TestUser, expect_problem, ids};
use chat_domain::ErrorCode;
use reqwest::{Method, Response, StatusCode};
use serde_json::json;

async fn remove(app: &TestApp, actor: &TestUser, chat_id: i64, user: &TestUser) -> Response {
    app.call(actor, Method::DELETE, &format!("/api/v1/chats/{chat_id}/members/{}", user.id)).await
}

/// Asserts `user` is no longer in the chat: they cannot see it, post to it, or find it in their list.
async fn assert_outside(app: &TestApp, user: &TestUser, chat_id: i64) {
    let read = app.call(user, Method::GET, &format!("/api/v1/chats/{chat_id}")).await;
    expect_problem(read, StatusCode::NOT_FOUND, ErrorCode::ChatNotFound).await;
    let post = app.post_message(user, &json!({ "chat_id": chat_id, "content": "still here?" })).await;
    expect_problem(post, StatusCode::FORBIDDEN, ErrorCode::NotAMember).await;
    let history = app.call(user, Method::GET, &format!("/api/v1/chats/{chat_id}/messages")).await;
    expect_problem(history, StatusCode::NOT_FOUND, ErrorCode::ChatNotFound).await;
    assert!(!ids(&app.get_ok(user, "/api/v1/chats").await["chats"]).contains(&chat_id));
}

#[tokio::test]
async fn an_admin_removes_a_member_who_then_sees_nothing() {
    let app = TestApp::spawn().await;
    let (ann, bob, cat) = (app.register("ann").await, app.register("bob").await, app.register("cat").await);
    let chat_id = app.group(&ann, &[&bob, &cat]).await;
    app.set_role(&ann, chat_id, &bob, "admin").await;

    assert_eq!(remove(&app, &bob, chat_id, &cat).await.status(), StatusCode::NO_CONTENT);
    assert_outside(&app, &cat, chat_id).await;
    let members = app.get_ok(&ann, &format!("/api/v1/chats/{chat_id}/members")).await;
    assert!(members["members"].as_array().unwrap().iter().all(|m| m["user_id"] != cat.id));
    assert_eq!(app.count("chat_members").await, 2);
}

#[tokio::test]
async fn members_cannot_remove_others_and_admins_cannot_remove_owners() {
    let app = TestApp::spawn().await;
    let (ann, bob, cat) = (app.register("ann").await, app.register("bob").await, app.register("cat").await);
    let eve = app.register("eve").await;
    let chat_id = app.group(&ann, &[&bob, &cat]).await;
    app.set_role(&ann, chat_id, &bob, "admin").await;
    let events = app.count("events").await;

    expect_problem(remove(&app, &cat, chat_id, &bob).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    expect_problem(remove(&app, &bob, chat_id, &ann).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    expect_problem(remove(&app, &eve, chat_id, &cat).await, StatusCode::NOT_FOUND, ErrorCode::ChatNotFound).await;
    expect_problem(remove(&app, &ann, chat_id, &eve).await, StatusCode::NOT_FOUND, ErrorCode::MemberNotFound).await;
    assert_eq!(app.count("chat_members").await, 3);
    assert_eq!(app.count("events").await, events);
}

#[tokio::test]
async fn a_member_leaves_by_removing_themself() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat_id = app.group(&ann, &[&bob]).await;

    assert_eq!(remove(&app, &bob, chat_id, &bob).await.status(), StatusCode::NO_CONTENT);
    assert_outside(&app, &bob, chat_id).await;
    expect_problem(remove(&app, &bob, chat_id, &bob).await, StatusCode::NOT_FOUND, ErrorCode::ChatNotFound).await;
}

#[tokio::test]
async fn the_last_owner_leaves_only_after_handing_over() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat_id = app.group(&ann, &[&bob]).await;

    expect_problem(remove(&app, &ann, chat_id, &ann).await, StatusCode::CONFLICT, ErrorCode::LastOwner).await;
    assert_eq!(app.count("chat_members").await, 2);

    app.set_role(&ann, chat_id, &bob, "owner").await;
    assert_eq!(remove(&app, &ann, chat_id, &ann).await.status(), StatusCode::NO_CONTENT);
    assert_outside(&app, &ann, chat_id).await;
    expect_problem(remove(&app, &bob, chat_id, &bob).await, StatusCode::CONFLICT, ErrorCode::LastOwner).await;
    assert_eq!(app.get_ok(&bob, &format!("/api/v1/chats/{chat_id}")).await["role"], "owner");
}

#[tokio::test]
async fn nobody_leaves_a_direct_chat() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat_id = app.direct(&ann, &bob).await;

    expect_problem(remove(&app, &ann, chat_id, &bob).await, StatusCode::CONFLICT, ErrorCode::DirectChat).await;
    expect_problem(remove(&app, &bob, chat_id, &bob).await, StatusCode::CONFLICT, ErrorCode::DirectChat).await;
    assert_eq!(app.count("chat_members").await, 2);
}
