//! `DELETE /messages/{id}`: a soft delete that leaves a tombstone in the message's place.

use crate::support::{TestApp, TestUser, expect_json, expect_problem, ids, reaction_path};
use chat_domain::ErrorCode;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

async fn delete(app: &TestApp, user: &TestUser, message: &Value) -> Response {
    app.call(user, Method::DELETE, &format!("/api/v1/messages/{}", message["id"])).await
}

#[tokio::test]
async fn the_author_deletes_and_a_tombstone_keeps_the_place() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat_id = app.group(&ann, &[&bob]).await;
    let (before, doomed, after) =
        (app.text(&ann, chat_id, "a").await, app.text(&ann, chat_id, "b").await, app.text(&ann, chat_id, "c").await);
    let path = format!("/api/v1/messages/{}", doomed["id"]);
    app.call_json(&ann, Method::PATCH, &path, &json!({ "content": "b, edited" })).await;
    app.call(&bob, Method::PUT, &reaction_path(doomed["id"].as_i64().unwrap(), "👍")).await;

    let tombstone = expect_json(delete(&app, &ann, &doomed).await, StatusCode::OK).await;
    for kept in ["id", "chat_id", "author_id", "type", "ts"] {
        assert_eq!(tombstone[kept], doomed[kept], "{kept}");
    }
    assert_eq!(tombstone["is_deleted"], true);
    assert!(tombstone["deleted_at"].is_string());
    assert_eq!(tombstone["content"], Value::Null);
    assert_eq!(tombstone["payload"], Value::Null);
    assert_eq!(tombstone["reactions"], json!([]));

    let again = expect_json(delete(&app, &ann, &doomed).await, StatusCode::OK).await;
    assert_eq!(again, tombstone, "deleting twice answers the same tombstone");
    assert_eq!(app.get_ok(&bob, &path).await, tombstone);
    let history = app.get_ok(&bob, &format!("/api/v1/chats/{chat_id}/messages")).await;
    assert_eq!(ids(&history["messages"]), [&before, &doomed, &after].map(|m| m["id"].as_i64().unwrap()));
    assert_eq!(history["messages"][1], tombstone);
    assert_eq!(app.get_ok(&bob, &format!("{path}/edits")).await, json!({ "edits": [] }));
    assert_eq!(app.count("reactions").await, 0);
    assert_eq!(app.count("messages").await, 3);
}

#[tokio::test]
async fn a_tombstone_takes_no_reactions() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat_id = app.group(&ann, &[&bob]).await;
    let message = app.text(&ann, chat_id, "soon gone").await;
    let tombstone = expect_json(delete(&app, &ann, &message).await, StatusCode::OK).await;
    let events = app.count("events").await;

    let path = reaction_path(message["id"].as_i64().unwrap(), "🎉");
    expect_problem(app.call(&bob, Method::PUT, &path).await, StatusCode::CONFLICT, ErrorCode::MessageDeleted).await;
    expect_problem(app.call(&bob, Method::DELETE, &path).await, StatusCode::CONFLICT, ErrorCode::MessageDeleted).await;
    assert_eq!(app.count("reactions").await, 0);
    assert_eq!(app.count("events").await, events);
    assert_eq!(app.get_ok(&ann, &format!("/api/v1/messages/{}", message["id"])).await, tombstone);
}

#[tokio::test]
async fn admins_and_owners_delete_anyones_message_plain_members_only_their_own() {
    let app = TestApp::spawn().await;
    let (ann, bob, cat) = (app.register("ann").await, app.register("bob").await, app.register("cat").await);
    let eve = app.register("eve").await;
    let chat_id = app.group(&ann, &[&bob, &cat]).await;
    app.set_role(&ann, chat_id, &bob, "admin").await;
    let (first, second, own) =
        (app.text(&cat, chat_id, "1").await, app.text(&cat, chat_id, "2").await, app.text(&ann, chat_id, "3").await);
    let events = app.count("events").await;

    expect_problem(delete(&app, &cat, &own).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    expect_problem(delete(&app, &eve, &first).await, StatusCode::NOT_FOUND, ErrorCode::MessageNotFound).await;
    let missing = app.call(&ann, Method::DELETE, "/api/v1/messages/987654").await;
    expect_problem(missing, StatusCode::NOT_FOUND, ErrorCode::MessageNotFound).await;
    assert_eq!(app.get_ok(&cat, &format!("/api/v1/messages/{}", own["id"])).await, own);
    assert_eq!(app.count("events").await, events);

    for (actor, message) in [(&bob, &first), (&ann, &second), (&ann, &own)] {
        let tombstone = expect_json(delete(&app, actor, message).await, StatusCode::OK).await;
        assert_eq!(tombstone["is_deleted"], true);
    }
}
