//! A group's bans (issue 25): banning removes the member and keeps them out until lifted; only
//! admins and owners ban, list and lift; an admin cannot ban an owner; a direct chat has none.

use crate::support::{TestApp, TestUser, expect_json, expect_problem};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn ban_path(chat: i64, user: &TestUser) -> String {
    format!("/api/v1/chats/{chat}/bans/{}", user.id)
}

async fn add(app: &TestApp, actor: &TestUser, chat: i64, user: &TestUser) -> reqwest::Response {
    app.call_json(actor, Method::POST, &format!("/api/v1/chats/{chat}/members"), &json!({ "user_id": user.id })).await
}

async fn member_ids(app: &TestApp, viewer: &TestUser, chat: i64) -> Vec<i64> {
    let list = app.get_ok(viewer, &format!("/api/v1/chats/{chat}/members")).await;
    list["members"].as_array().unwrap().iter().map(|member| member["user_id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn a_banned_member_is_removed_and_cannot_be_added_back_until_the_ban_is_lifted() {
    let app = TestApp::spawn().await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let chat = app.group(&ann, &[&bob]).await;
    let (mut socket, _) = app.ws(&bob, None).await;

    let body = json!({ "reason": "  spam links  " });
    let ban: Value =
        expect_json(app.call_json(&ann, Method::PUT, &ban_path(chat, &bob), &body).await, StatusCode::OK).await;
    assert_eq!((ban["user_id"].as_i64(), ban["banned_by"].as_i64()), (Some(bob.id), Some(ann.id)));
    assert_eq!(ban["reason"], "spam links");
    let removed = socket.next_event().await;
    assert_eq!((removed["type"].as_str(), removed["data"]["user_id"].as_i64()), (Some("member.removed"), Some(bob.id)));
    assert_eq!(member_ids(&app, &ann, chat).await, [ann.id]);

    // Added back: refused, nothing stored. Banning again keeps the first ban.
    expect_problem(add(&app, &ann, chat, &bob).await, StatusCode::CONFLICT, ErrorCode::UserBanned).await;
    assert_eq!(member_ids(&app, &ann, chat).await, [ann.id]);
    let again = expect_json(app.call(&ann, Method::PUT, &ban_path(chat, &bob)).await, StatusCode::OK).await;
    assert_eq!(again["reason"], "spam links");
    // Someone not in the chat can be banned before they are ever added.
    expect_json(app.call(&ann, Method::PUT, &ban_path(chat, &carol)).await, StatusCode::OK).await;
    expect_problem(add(&app, &ann, chat, &carol).await, StatusCode::CONFLICT, ErrorCode::UserBanned).await;
    let bans = app.get_ok(&ann, &format!("/api/v1/chats/{chat}/bans")).await;
    let banned: Vec<i64> =
        bans["bans"].as_array().unwrap().iter().map(|ban| ban["user_id"].as_i64().unwrap()).collect();
    assert_eq!(banned, [carol.id, bob.id], "newest first");

    assert_eq!(app.call(&ann, Method::DELETE, &ban_path(chat, &bob)).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(add(&app, &ann, chat, &bob).await.status(), StatusCode::CREATED);
    assert_eq!(app.call(&ann, Method::DELETE, &ban_path(chat, &bob)).await.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn only_admins_and_owners_ban_and_an_admin_cannot_ban_an_owner() {
    let app = TestApp::spawn().await;
    let (ann, bob, carol, dave) =
        (app.register("ann").await, app.register("bob").await, app.register("carol").await, app.register("dave").await);
    let chat = app.group(&ann, &[&bob, &carol]).await;

    let by_member = app.call(&bob, Method::PUT, &ban_path(chat, &carol)).await;
    expect_problem(by_member, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let listed = app.call(&bob, Method::GET, &format!("/api/v1/chats/{chat}/bans")).await;
    expect_problem(listed, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let by_stranger = app.call(&dave, Method::PUT, &ban_path(chat, &carol)).await;
    expect_problem(by_stranger, StatusCode::NOT_FOUND, ErrorCode::ChatNotFound).await;
    let unban_by_member = app.call(&bob, Method::DELETE, &ban_path(chat, &carol)).await;
    expect_problem(unban_by_member, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;

    app.set_role(&ann, chat, &bob, "admin").await;
    let owner = app.call(&bob, Method::PUT, &ban_path(chat, &ann)).await;
    expect_problem(owner, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    assert_eq!(member_ids(&app, &ann, chat).await.len(), 3, "nobody was removed");
    expect_json(app.call(&bob, Method::PUT, &ban_path(chat, &carol)).await, StatusCode::OK).await;
}

#[tokio::test]
async fn bad_bans_change_nothing() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let direct = app.direct(&ann, &bob).await;

    let long = json!({ "reason": "x".repeat(501) });
    let response = app.call_json(&ann, Method::PUT, &ban_path(chat, &bob), &long).await;
    expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    let unknown_field = app.call_json(&ann, Method::PUT, &ban_path(chat, &bob), &json!({ "why": "x" })).await;
    assert_eq!(unknown_field.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let own = app.call(&ann, Method::PUT, &ban_path(chat, &ann)).await;
    expect_problem(own, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    let nobody = app.call(&ann, Method::PUT, &format!("/api/v1/chats/{chat}/bans/999999")).await;
    expect_problem(nobody, StatusCode::NOT_FOUND, ErrorCode::UserNotFound).await;
    let word = app.call(&ann, Method::PUT, &format!("/api/v1/chats/{chat}/bans/bob")).await;
    expect_problem(word, StatusCode::BAD_REQUEST, ErrorCode::InvalidPath).await;
    let in_direct = app.call(&ann, Method::PUT, &ban_path(direct, &bob)).await;
    expect_problem(in_direct, StatusCode::CONFLICT, ErrorCode::DirectChat).await;
    assert_eq!(member_ids(&app, &ann, chat).await.len(), 2);
    assert_eq!(app.get_ok(&ann, &format!("/api/v1/chats/{chat}/bans")).await["bans"], json!([]));
    let anonymous = app.request(Method::PUT, &ban_path(chat, &bob)).send().await.unwrap();
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}
