//! Reports (issue 25): a member reports a message or anyone reports a user; the chat's owner and
//! admins see the reports about it, server moderators see them all; a report keeps the message's
//! text though its author delete it, and is resolved once, with an action and a note, on the record.

use crate::support::{TestApp, TestUser, expect_json, expect_problem};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn file(app: &TestApp, reporter: &TestUser, body: Value) -> reqwest::Response {
    app.call_json(reporter, Method::POST, "/api/v1/reports", &body).await
}

async fn visible(app: &TestApp, viewer: &TestUser) -> Vec<i64> {
    let page = app.get_ok(viewer, "/api/v1/reports").await;
    page["reports"].as_array().unwrap().iter().map(|report| report["id"].as_i64().unwrap()).collect()
}

async fn resolve(app: &TestApp, actor: &TestUser, id: i64, body: Value) -> reqwest::Response {
    app.call_json(actor, Method::POST, &format!("/api/v1/reports/{id}/resolve"), &body).await
}

#[tokio::test]
async fn a_reported_message_reaches_its_chats_admins_keeps_its_text_and_is_resolved_once() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await; // the first person: a server admin
    let (bob, carol, dave) = (app.register("bob").await, app.register("carol").await, app.register("dave").await);
    let chat = app.group(&bob, &[&carol, &dave]).await;
    let spam = app.text(&carol, chat, "buy cheap pills").await["id"].as_i64().unwrap();

    let body = json!({ "message_id": spam, "reason": " spam " });
    let report = expect_json(file(&app, &dave, body).await, StatusCode::CREATED).await;
    assert_eq!(
        (report["user_id"].as_i64(), report["chat_id"].as_i64(), report["message_id"].as_i64()),
        (Some(carol.id), Some(chat), Some(spam))
    );
    assert_eq!((report["reason"].as_str(), report["evidence"].as_str()), (Some("spam"), Some("buy cheap pills")));
    assert_eq!(report["resolution"], Value::Null);
    let id = report["id"].as_i64().unwrap();

    // The author deletes it: the report keeps what it said.
    assert_eq!(app.call(&carol, Method::DELETE, &format!("/api/v1/messages/{spam}")).await.status(), StatusCode::OK);
    let seen = app.get_ok(&bob, "/api/v1/reports").await;
    assert_eq!(seen["reports"][0]["evidence"], "buy cheap pills");
    assert_eq!(visible(&app, &ann).await, [id], "a server admin sees every report");
    assert!(visible(&app, &dave).await.is_empty(), "a member handles none");
    expect_problem(
        resolve(&app, &dave, id, json!({ "action": "dismissed" })).await,
        StatusCode::NOT_FOUND,
        ErrorCode::ReportNotFound,
    )
    .await;

    let body = json!({ "action": "message_deleted", "note": "the author took it down" });
    let resolved = expect_json(resolve(&app, &bob, id, body).await, StatusCode::OK).await;
    let resolution = &resolved["resolution"];
    assert_eq!((resolution["action"].as_str(), resolution["by"].as_i64()), (Some("message_deleted"), Some(bob.id)));
    assert_eq!(resolution["note"], "the author took it down");
    let again = resolve(&app, &ann, id, json!({ "action": "dismissed" })).await;
    expect_problem(again, StatusCode::CONFLICT, ErrorCode::ReportResolved).await;
    let log = app.get_ok(&ann, "/api/v1/moderation/audit").await;
    let entry = &log["entries"][0];
    assert_eq!((entry["action"].as_str(), entry["actor_id"].as_i64()), (Some("report_resolved"), Some(bob.id)));
    assert_eq!((entry["reason"].as_str(), entry["message_id"].as_i64()), (Some("message_deleted"), Some(spam)));
}

#[tokio::test]
async fn a_reported_user_is_for_server_moderators() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let (bob, carol) = (app.register("bob").await, app.register("carol").await);
    app.group(&bob, &[&carol]).await;
    let report = expect_json(
        file(&app, &carol, json!({ "user_id": bob.id, "reason": "harassment" })).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (report["user_id"].as_i64(), report["chat_id"].as_i64(), report["evidence"].as_str()),
        (Some(bob.id), None, None)
    );
    assert!(visible(&app, &bob).await.is_empty(), "a chat's owner handles only reports about its messages");
    let id = report["id"].as_i64().unwrap();
    assert_eq!(visible(&app, &ann).await, [id]);
    expect_json(resolve(&app, &ann, id, json!({ "action": "user_warned" })).await, StatusCode::OK).await;
}

#[tokio::test]
async fn bad_reports_store_nothing() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let (bob, eve) = (app.register("bob").await, app.register("eve").await);
    let chat = app.group(&ann, &[&bob]).await;
    let message = app.text(&ann, chat, "hello").await["id"].as_i64().unwrap();

    for body in [
        json!({ "message_id": message, "user_id": ann.id, "reason": "both" }),
        json!({ "reason": "neither" }),
        json!({ "message_id": message, "reason": "  " }),
        json!({ "message_id": message, "reason": "x".repeat(1001) }),
        json!({ "message_id": message, "reason": "x", "extra": 1 }),
        json!({ "message_id": "x", "reason": "x" }),
    ] {
        assert_eq!(file(&app, &bob, body.clone()).await.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let outsider = file(&app, &eve, json!({ "message_id": message, "reason": "not my chat" })).await;
    expect_problem(outsider, StatusCode::NOT_FOUND, ErrorCode::MessageNotFound).await;
    let nobody = file(&app, &bob, json!({ "user_id": 999_999, "reason": "who" })).await;
    expect_problem(nobody, StatusCode::NOT_FOUND, ErrorCode::UserNotFound).await;
    assert!(visible(&app, &ann).await.is_empty(), "nothing was filed");

    let report =
        expect_json(file(&app, &bob, json!({ "message_id": message, "reason": "x" })).await, StatusCode::CREATED).await;
    let id = report["id"].as_i64().unwrap();
    for body in
        [json!({ "action": "destroyed" }), json!({}), json!({ "action": "dismissed", "note": "x".repeat(1001) })]
    {
        assert_eq!(resolve(&app, &ann, id, body.clone()).await.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let word =
        app.call_json(&ann, Method::POST, "/api/v1/reports/abc/resolve", &json!({ "action": "dismissed" })).await;
    expect_problem(word, StatusCode::BAD_REQUEST, ErrorCode::InvalidPath).await;
    assert_eq!(app.get_ok(&ann, "/api/v1/reports").await["reports"][0]["resolution"], Value::Null);
    for query in ["?limit=0", "?before=-1"] {
        assert_eq!(
            app.call(&ann, Method::GET, &format!("/api/v1/reports{query}")).await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let anonymous = app
        .request(Method::POST, "/api/v1/reports")
        .json(&json!({ "user_id": ann.id, "reason": "x" }))
        .send()
        .await
        .unwrap();
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}
