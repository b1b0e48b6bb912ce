//! `GET/POST /chats/{id}/members` and `PATCH .../members/{user_id}`: who is in a chat, with which role.

use crate::support::{TestApp, TestUser, error_fields, expect_json, expect_problem};
use chat_domain::ErrorCode;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

async fn role(app: &TestApp, user: &TestUser, chat_id: i64) -> Value {
    app.get_ok(user, &format!("/api/v1/chats/{chat_id}")).await["role"].clone()
}

async fn add(app: &TestApp, actor: &TestUser, chat_id: i64, body: &Value) -> Response {
    app.call_json(actor, Method::POST, &format!("/api/v1/chats/{chat_id}/members"), body).await
}

#[tokio::test]
async fn members_are_listed_with_their_roles_for_members_only() {
    let app = TestApp::spawn().await;
    let (ann, bob, eve) = (app.register("ann").await, app.register("bob").await, app.register("eve").await);
    let chat_id = app.group(&ann, &[&bob]).await;

    let list = app.get_ok(&bob, &format!("/api/v1/chats/{chat_id}/members")).await;
    let members = list["members"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    let ann_entry = members.iter().find(|m| m["user_id"] == ann.id).unwrap();
    let mut keys: Vec<&str> = ann_entry.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["display_name", "is_bot", "joined_at", "last_read_message_id", "presence", "role", "user_id", "username"]
    );
    assert_eq!(ann_entry["presence"]["status"], "offline", "no socket open");
    assert_eq!(ann_entry["username"], "ann");
    assert_eq!(ann_entry["role"], "owner");
    assert_eq!(members.iter().find(|m| m["user_id"] == bob.id).unwrap()["role"], "member");

    let outsider = app.call(&eve, Method::GET, &format!("/api/v1/chats/{chat_id}/members")).await;
    expect_problem(outsider, StatusCode::NOT_FOUND, ErrorCode::ChatNotFound).await;
}

#[tokio::test]
async fn the_owner_adds_a_member_once() {
    let app = TestApp::spawn().await;
    let (ann, bob, cat) = (app.register("ann").await, app.register("bob").await, app.register("cat").await);
    let chat_id = app.group(&ann, &[&bob]).await;

    let added = expect_json(add(&app, &ann, chat_id, &json!({ "user_id": cat.id })).await, StatusCode::CREATED).await;
    assert_eq!(added["user_id"], cat.id);
    assert_eq!(added["username"], "cat");
    assert_eq!(added["role"], "member");
    let again = add(&app, &ann, chat_id, &json!({ "user_id": cat.id, "role": "admin" })).await;
    assert_eq!(expect_json(again, StatusCode::OK).await, added, "an existing member is left as they are");
    assert_eq!(app.count("chat_members").await, 3);
    assert_eq!(role(&app, &cat, chat_id).await, "member");
    app.text(&cat, chat_id, "hello all").await;
}

#[tokio::test]
async fn adding_is_refused_to_members_for_strangers_and_in_direct_chats() {
    let app = TestApp::spawn().await;
    let (ann, bob, cat) = (app.register("ann").await, app.register("bob").await, app.register("cat").await);
    let (dan, eve) = (app.register("dan").await, app.register("eve").await);
    let chat_id = app.group(&ann, &[&bob, &cat]).await;
    app.set_role(&ann, chat_id, &cat, "admin").await;
    let direct_id = app.direct(&ann, &bob).await;
    let (members, events) = (app.count("chat_members").await, app.count("events").await);

    let by_member = add(&app, &bob, chat_id, &json!({ "user_id": dan.id })).await;
    expect_problem(by_member, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let by_outsider = add(&app, &eve, chat_id, &json!({ "user_id": dan.id })).await;
    expect_problem(by_outsider, StatusCode::NOT_FOUND, ErrorCode::ChatNotFound).await;
    let stranger = add(&app, &ann, chat_id, &json!({ "user_id": 987654 })).await;
    let problem = expect_problem(stranger, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    assert_eq!(error_fields(&problem), ["user_id"]);
    let admin_makes_owner = add(&app, &cat, chat_id, &json!({ "user_id": dan.id, "role": "owner" })).await;
    expect_problem(admin_makes_owner, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let bad_role = add(&app, &ann, chat_id, &json!({ "user_id": dan.id, "role": "king" })).await;
    expect_problem(bad_role, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    let into_direct = add(&app, &ann, direct_id, &json!({ "user_id": dan.id })).await;
    expect_problem(into_direct, StatusCode::CONFLICT, ErrorCode::DirectChat).await;
    let direct_role = format!("/api/v1/chats/{direct_id}/members/{}", bob.id);
    let direct_role = app.call_json(&ann, Method::PATCH, &direct_role, &json!({ "role": "admin" })).await;
    expect_problem(direct_role, StatusCode::CONFLICT, ErrorCode::DirectChat).await;

    assert_eq!(app.count("chat_members").await, members);
    assert_eq!(app.count("events").await, events);
}

#[tokio::test]
async fn roles_change_under_the_owner_and_admin_rules() {
    let app = TestApp::spawn().await;
    let (ann, bob, cat) = (app.register("ann").await, app.register("bob").await, app.register("cat").await);
    let chat_id = app.group(&ann, &[&bob, &cat]).await;

    app.set_role(&ann, chat_id, &bob, "admin").await;
    assert_eq!(role(&app, &bob, chat_id).await, "admin");
    // An admin manages members and admins, but neither makes nor unmakes owners.
    app.set_role(&bob, chat_id, &cat, "admin").await;
    app.set_role(&bob, chat_id, &cat, "member").await;
    let events = app.count("events").await;
    let path = |user: &TestUser| format!("/api/v1/chats/{chat_id}/members/{}", user.id);
    let promote = app.call_json(&bob, Method::PATCH, &path(&cat), &json!({ "role": "owner" })).await;
    expect_problem(promote, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let demote = app.call_json(&bob, Method::PATCH, &path(&ann), &json!({ "role": "member" })).await;
    expect_problem(demote, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let by_member = app.call_json(&cat, Method::PATCH, &path(&cat), &json!({ "role": "admin" })).await;
    expect_problem(by_member, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    // The last owner cannot step down before handing over.
    let step_down = app.call_json(&ann, Method::PATCH, &path(&ann), &json!({ "role": "admin" })).await;
    expect_problem(step_down, StatusCode::CONFLICT, ErrorCode::LastOwner).await;
    let nobody = format!("/api/v1/chats/{chat_id}/members/987654");
    let nobody = app.call_json(&ann, Method::PATCH, &nobody, &json!({ "role": "admin" })).await;
    expect_problem(nobody, StatusCode::NOT_FOUND, ErrorCode::MemberNotFound).await;

    assert_eq!(role(&app, &ann, chat_id).await, "owner");
    assert_eq!(role(&app, &cat, chat_id).await, "member");
    assert_eq!(app.count("events").await, events);
}
