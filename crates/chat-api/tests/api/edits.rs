//! `PATCH /messages/{id}` and `GET /messages/{id}/edits`: the author edits, earlier versions are kept.

use crate::support::{TestApp, TestUser, error_fields, expect_json, expect_problem, field_errors};
use chat_domain::{ErrorCode, FieldCode};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

async fn edit(app: &TestApp, user: &TestUser, id: &Value, body: &Value) -> Response {
    app.call_json(user, Method::PATCH, &format!("/api/v1/messages/{id}"), body).await
}

#[tokio::test]
async fn an_edit_sets_updated_at_and_keeps_every_earlier_version() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat_id = app.group(&ann, &[&bob]).await;
    let original = app.text(&ann, chat_id, "v1").await;
    let id = &original["id"];

    let first = expect_json(edit(&app, &ann, id, &json!({ "content": "v2" })).await, StatusCode::OK).await;
    assert_eq!(first["content"], "v2");
    assert!(first["updated_at"].as_str().unwrap() > original["ts"].as_str().unwrap());
    assert_eq!(first["ts"], original["ts"]);
    let second = expect_json(edit(&app, &ann, id, &json!({ "content": "v3" })).await, StatusCode::OK).await;
    assert_eq!(app.get_ok(&bob, &format!("/api/v1/messages/{id}")).await, second);

    let edits = app.get_ok(&bob, &format!("/api/v1/messages/{id}/edits")).await;
    assert_eq!(
        edits,
        json!({ "edits": [
            { "content": "v1", "payload": null, "written_at": original["ts"], "replaced_at": first["updated_at"] },
            { "content": "v2", "payload": null, "written_at": first["updated_at"], "replaced_at": second["updated_at"] },
        ] })
    );
    let untouched = app.text(&ann, chat_id, "never edited").await;
    assert_eq!(app.get_ok(&ann, &format!("/api/v1/messages/{}/edits", untouched["id"])).await, json!({ "edits": [] }));
}

#[tokio::test]
async fn a_payload_edit_keeps_the_content_and_is_revalidated() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat_id = app.group(&ann, &[]).await;
    let body = json!({ "chat_id": chat_id, "type": "image", "content": "cat", "payload": { "url": "a.png" } });
    let image = expect_json(app.post_message(&ann, &body).await, StatusCode::OK).await;

    let edited = edit(&app, &ann, &image["id"], &json!({ "payload": { "url": "b.png" } })).await;
    let edited = expect_json(edited, StatusCode::OK).await;
    assert_eq!(edited["content"], "cat");
    assert_eq!(edited["payload"], json!({ "url": "b.png" }));
    let not_an_object = edit(&app, &ann, &image["id"], &json!({ "payload": [1] })).await;
    let problem = expect_problem(not_an_object, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    assert_eq!(field_errors(&problem)[0], ("payload", FieldCode::Invalid));
    assert_eq!(app.get_ok(&ann, &format!("/api/v1/messages/{}", image["id"])).await, edited);
    assert_eq!(app.count("message_edits").await, 1);
}

#[tokio::test]
async fn refused_edits_change_nothing() {
    let app = TestApp::spawn().await;
    let (ann, bob, eve) = (app.register("ann").await, app.register("bob").await, app.register("eve").await);
    let chat_id = app.group(&ann, &[&bob]).await;
    let message = app.text(&ann, chat_id, "as written").await;
    let gone = app.text(&ann, chat_id, "to be deleted").await;
    app.call(&ann, Method::DELETE, &format!("/api/v1/messages/{}", gone["id"])).await;
    let events = app.count("events").await;

    let by_other = edit(&app, &bob, &message["id"], &json!({ "content": "bob's words" })).await;
    expect_problem(by_other, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let by_outsider = edit(&app, &eve, &message["id"], &json!({ "content": "eve's words" })).await;
    expect_problem(by_outsider, StatusCode::NOT_FOUND, ErrorCode::MessageNotFound).await;
    let deleted = edit(&app, &ann, &gone["id"], &json!({ "content": "back" })).await;
    expect_problem(deleted, StatusCode::CONFLICT, ErrorCode::MessageDeleted).await;
    for (body, field) in [
        (json!({ "content": "" }), "content"),
        (json!({ "content": "я".repeat(4001) }), "content"),
        (json!({}), "body"),
        (json!({ "content": "x", "colour": "red" }), "colour"),
    ] {
        let response = edit(&app, &ann, &message["id"], &body).await;
        let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
        assert_eq!(error_fields(&problem), [field], "{problem}");
    }
    let outsider_edits = app.call(&eve, Method::GET, &format!("/api/v1/messages/{}/edits", message["id"])).await;
    expect_problem(outsider_edits, StatusCode::NOT_FOUND, ErrorCode::MessageNotFound).await;

    assert_eq!(app.get_ok(&ann, &format!("/api/v1/messages/{}", message["id"])).await, message);
    assert_eq!(app.count("message_edits").await, 0);
    assert_eq!(app.count("events").await, events);
}
