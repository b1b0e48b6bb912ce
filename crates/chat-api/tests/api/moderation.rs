//! Server roles and the moderation audit log (issue 25): every kick, ban, lifted ban, role change
//! and deletion of someone else's message is listed once, newest first, to server moderators and
//! admins only; the first person to register is an admin, and so is anyone CHAT_ADMIN_USERNAMES
//! names; admins give and take server roles, which is audited too.

use crate::support::{TestApp, TestUser, expect_json, expect_problem};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn audit(app: &TestApp, user: &TestUser, query: &str) -> reqwest::Response {
    app.call(user, Method::GET, &format!("/api/v1/moderation/audit{query}")).await
}

fn actions(page: &Value) -> Vec<(String, Option<i64>)> {
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| (entry["action"].as_str().unwrap().to_owned(), entry["user_id"].as_i64()))
        .collect()
}

async fn set_server_role(app: &TestApp, actor: &TestUser, user: &TestUser, role: Value) -> reqwest::Response {
    let path = format!("/api/v1/moderation/users/{}/role", user.id);
    app.call_json(actor, Method::PUT, &path, &json!({ "role": role })).await
}

#[tokio::test]
async fn every_moderation_action_is_listed_once_for_moderators_only() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await; // the first person: an admin
    let (bob, carol, dave) = (app.register("bob").await, app.register("carol").await, app.register("dave").await);
    let chat = app.group(&ann, &[&bob, &carol, &dave]).await;

    let bobs = app.text(&bob, chat, "spam").await["id"].as_i64().unwrap();
    let own = app.text(&ann, chat, "mine").await["id"].as_i64().unwrap();
    assert_eq!(app.call(&ann, Method::DELETE, &format!("/api/v1/messages/{bobs}")).await.status(), StatusCode::OK);
    assert_eq!(app.call(&ann, Method::DELETE, &format!("/api/v1/messages/{own}")).await.status(), StatusCode::OK);
    app.set_role(&ann, chat, &carol, "admin").await;
    let kick = format!("/api/v1/chats/{chat}/members/{}", dave.id);
    assert_eq!(app.call(&ann, Method::DELETE, &kick).await.status(), StatusCode::NO_CONTENT);
    let leave = format!("/api/v1/chats/{chat}/members/{}", bob.id);
    assert_eq!(app.call(&bob, Method::DELETE, &leave).await.status(), StatusCode::NO_CONTENT);
    let ban = format!("/api/v1/chats/{chat}/bans/{}", dave.id);
    expect_json(app.call_json(&ann, Method::PUT, &ban, &json!({ "reason": "flooding" })).await, StatusCode::OK).await;
    assert_eq!(app.call(&ann, Method::DELETE, &ban).await.status(), StatusCode::NO_CONTENT);

    let page = expect_json(audit(&app, &ann, "").await, StatusCode::OK).await;
    let expected = [
        ("unban", Some(dave.id)),
        ("ban", Some(dave.id)),
        ("kick", Some(dave.id)),
        ("chat_role", Some(carol.id)),
        ("message_delete", Some(bob.id)),
    ];
    let expected: Vec<(String, Option<i64>)> = expected.iter().map(|(a, u)| ((*a).to_owned(), *u)).collect();
    assert_eq!(actions(&page), expected, "own deletes and leaving are not moderation");
    let entries = page["entries"].as_array().unwrap();
    assert!(entries.iter().all(|entry| entry["actor_id"] == ann.id && entry["chat_id"] == chat));
    assert_eq!((entries[1]["reason"].as_str(), entries[3]["reason"].as_str()), (Some("flooding"), Some("admin")));
    assert_eq!(entries[4]["message_id"].as_i64(), Some(bobs));
    assert_eq!(page["next_before"], Value::Null);

    // A page at a time.
    let first = expect_json(audit(&app, &ann, "?limit=2").await, StatusCode::OK).await;
    assert_eq!(actions(&first), expected[..2]);
    let before = first["next_before"].as_i64().unwrap();
    let second = expect_json(audit(&app, &ann, &format!("?limit=2&before={before}")).await, StatusCode::OK).await;
    assert_eq!(actions(&second), expected[2..4]);

    // A member is refused; made a moderator by the admin (audited), they read it, but give no roles.
    expect_problem(audit(&app, &bob, "").await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    assert_eq!(set_server_role(&app, &ann, &bob, json!("moderator")).await.status(), StatusCode::NO_CONTENT);
    let seen = expect_json(audit(&app, &bob, "?limit=1").await, StatusCode::OK).await;
    assert_eq!(actions(&seen), [("server_role".to_owned(), Some(bob.id))]);
    assert_eq!(seen["entries"][0]["reason"], "moderator");
    let by_moderator = set_server_role(&app, &bob, &carol, json!("admin")).await;
    expect_problem(by_moderator, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    assert_eq!(set_server_role(&app, &ann, &bob, Value::Null).await.status(), StatusCode::NO_CONTENT);
    expect_problem(audit(&app, &bob, "").await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
}

#[tokio::test]
async fn an_admin_named_by_the_operator_reads_the_log_and_bad_requests_change_nothing() {
    let app = TestApp::spawn_with(|config| config.admin_usernames = vec!["carol".into()]).await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    expect_json(audit(&app, &carol, "").await, StatusCode::OK).await;
    expect_json(audit(&app, &ann, "").await, StatusCode::OK).await;

    for query in ["?limit=0", "?limit=201", "?before=0", "?before=x"] {
        assert_eq!(audit(&app, &carol, query).await.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
    }
    for body in [json!({ "role": "king" }), json!({}), json!({ "role": "moderator", "extra": 1 })] {
        let response =
            app.call_json(&carol, Method::PUT, &format!("/api/v1/moderation/users/{}/role", bob.id), &body).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let nobody =
        app.call_json(&carol, Method::PUT, "/api/v1/moderation/users/999999/role", &json!({ "role": null })).await;
    expect_problem(nobody, StatusCode::NOT_FOUND, ErrorCode::UserNotFound).await;
    let page = expect_json(audit(&app, &carol, "").await, StatusCode::OK).await;
    assert_eq!(page["entries"], json!([]), "nothing was recorded");
    expect_problem(audit(&app, &bob, "").await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let anonymous = app.request(Method::GET, "/api/v1/moderation/audit").send().await.unwrap();
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}
