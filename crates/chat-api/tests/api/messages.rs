//! The seed's call, `POST /api/v1/messages`, and reading a message back.

use crate::support::{TestApp, expect_json, expect_problem, field_errors};
use chat_domain::{ErrorCode, FieldCode};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn the_seed_call_answers_200_with_the_whole_message() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat_id = app.group(&ann, &[&bob]).await;

    let response = app
        .as_user(&ann, Method::POST, "/api/v1/messages")
        .header("Idempotency-Key", "4f1c7d7e-6a0b-4a51-9b7e-0d7c1e2f3a4b")
        .json(&json!({ "chat_id": chat_id, "type": "text", "content": "Тестовое сообщение после фикса" }))
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("idempotent-replayed").is_none());
    let message = expect_json(response, StatusCode::OK).await;

    let mut keys: Vec<&str> = message.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "author_id",
            "chat_id",
            "content",
            "deleted_at",
            "delivery",
            "id",
            "is_deleted",
            "payload",
            "reactions",
            "reply_to_id",
            "status",
            "ts",
            "type",
            "updated_at"
        ]
    );
    assert!(message["id"].is_i64());
    assert_eq!(message["chat_id"], chat_id);
    assert_eq!(message["author_id"], ann.id);
    assert_eq!(message["type"], "text");
    assert_eq!(message["content"], "Тестовое сообщение после фикса");
    assert_eq!(message["payload"], serde_json::Value::Null);
    assert_eq!(message["status"], "delivered");
    assert_eq!(message["delivery"], "sent", "the one field beyond the seed's: per recipient, see docs/API.md");
    assert_eq!(message["reply_to_id"], serde_json::Value::Null);
    assert_eq!(message["is_deleted"], false);
    assert_eq!(message["deleted_at"], serde_json::Value::Null);
    assert_eq!(message["updated_at"], serde_json::Value::Null);
    assert_eq!(message["reactions"], json!([]));
    let ts = message["ts"].as_str().unwrap();
    assert_eq!(ts.len(), "2025-11-05T03:58:00.123456Z".len(), "ts {ts}");
    assert!(ts.ends_with('Z') && ts.as_bytes()[19] == b'.', "ts {ts}");

    // Reading it back gives the same aggregate.
    let path = format!("/api/v1/messages/{}", message["id"]);
    let read = expect_json(app.as_user(&bob, Method::GET, &path).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(read, message);
}

#[tokio::test]
async fn outsiders_can_neither_post_nor_read() {
    let app = TestApp::spawn().await;
    let (ann, eve) = (app.register("ann").await, app.register("eve").await);
    let chat_id = app.group(&ann, &[]).await;
    let posted = app.post_message(&ann, &json!({ "chat_id": chat_id, "content": "secret" })).await;
    let message = expect_json(posted, StatusCode::OK).await;

    let intrusion = app.post_message(&eve, &json!({ "chat_id": chat_id, "content": "hi" })).await;
    expect_problem(intrusion, StatusCode::FORBIDDEN, ErrorCode::NotAMember).await;
    // A chat that does not exist answers exactly the same: existence stays private.
    let nowhere = app.post_message(&eve, &json!({ "chat_id": 987654, "content": "hi" })).await;
    expect_problem(nowhere, StatusCode::FORBIDDEN, ErrorCode::NotAMember).await;
    assert_eq!(app.count("messages").await, 1);

    let path = format!("/api/v1/messages/{}", message["id"]);
    let peek = app.as_user(&eve, Method::GET, &path).send().await.unwrap();
    let body = expect_problem(peek, StatusCode::NOT_FOUND, ErrorCode::MessageNotFound).await;
    assert!(!body.to_string().contains("secret"));
    let missing = app.as_user(&ann, Method::GET, "/api/v1/messages/987654").send().await.unwrap();
    expect_problem(missing, StatusCode::NOT_FOUND, ErrorCode::MessageNotFound).await;
    let anonymous = app.request(Method::GET, &path).send().await.unwrap();
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    let anonymous_post =
        app.request(Method::POST, "/api/v1/messages").json(&json!({ "chat_id": chat_id, "content": "x" }));
    expect_problem(anonymous_post.send().await.unwrap(), StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}

#[tokio::test]
async fn replies_stay_within_their_chat() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let (here, elsewhere) = (app.group(&ann, &[]).await, app.group(&ann, &[]).await);
    let original =
        expect_json(app.post_message(&ann, &json!({ "chat_id": here, "content": "q" })).await, StatusCode::OK).await;

    let reply =
        app.post_message(&ann, &json!({ "chat_id": here, "content": "a", "reply_to_id": original["id"] })).await;
    assert_eq!(expect_json(reply, StatusCode::OK).await["reply_to_id"], original["id"]);
    let astray =
        app.post_message(&ann, &json!({ "chat_id": elsewhere, "content": "a", "reply_to_id": original["id"] })).await;
    let problem = expect_problem(astray, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    assert_eq!(problem["errors"][0]["field"], "reply_to_id");
    assert_eq!(app.count("messages").await, 2);
}

#[tokio::test]
async fn invalid_messages_are_refused_with_field_errors_and_store_nothing() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat_id = app.group(&ann, &[]).await;
    let cases = [
        (json!({ "chat_id": chat_id, "type": "text", "content": "" }), "content", FieldCode::TooShort),
        (json!({ "chat_id": chat_id, "type": "text", "content": "я".repeat(4001) }), "content", FieldCode::TooLong),
        (json!({ "chat_id": chat_id, "type": "text" }), "content", FieldCode::Required),
        (json!({ "chat_id": chat_id, "type": "text", "content": "x", "payload": [1] }), "payload", FieldCode::Invalid),
        (
            json!({ "chat_id": chat_id, "type": "file", "payload": { "blob": "x".repeat(17 * 1024) } }),
            "payload",
            FieldCode::TooLarge,
        ),
        (json!({ "chat_id": chat_id, "type": "video", "content": "x" }), "type", FieldCode::Invalid),
        (json!({ "chat_id": chat_id, "type": "system", "content": "x" }), "type", FieldCode::NotAllowed),
        (json!({ "chat_id": "two", "content": "x" }), "chat_id", FieldCode::InvalidType),
        (json!({ "content": "x" }), "chat_id", FieldCode::Required),
        (json!({ "chat_id": chat_id, "content": "x", "colour": "red" }), "colour", FieldCode::UnknownField),
    ];
    for (body, field, code) in cases {
        let problem = expect_problem(
            app.post_message(&ann, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
        )
        .await;
        assert_eq!(field_errors(&problem)[0], (field, code), "{body}: {problem}");
    }
    let image =
        json!({ "chat_id": chat_id, "type": "image", "payload": { "url": "https://cdn.example/cat.png", "w": 640 } });
    let stored = expect_json(app.post_message(&ann, &image).await, StatusCode::OK).await;
    assert_eq!(stored["payload"], json!({ "url": "https://cdn.example/cat.png", "w": 640 }));
    assert_eq!(stored["content"], serde_json::Value::Null);
    assert_eq!(app.count("messages").await, 1);
}
