//! The OpenAPI document: served, covering every route, and describing the JSON the server sends.

use crate::support::{TestApp, expect_json};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

async fn document(app: &TestApp) -> Value {
    let response = app.request(Method::GET, "/api/v1/openapi.json").send().await.unwrap();
    expect_json(response, StatusCode::OK).await
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_every_operation_in_it_is_routed() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete = path
            .replace("{emoji}", "x")
            .replace(['{', '}'], "")
            .replace("chat_id", "1")
            .replace("message_id", "1")
            .replace("user_id", "1");
        for method in item.as_object().unwrap().keys() {
            operations += 1;
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app.request(method.clone(), &concrete).send().await.unwrap();
            let status = response.status();
            let body = response.text().await.unwrap();
            assert!(
                !body.contains("\"code\":\"not_found\""),
                "{method} {path} is documented but not routed ({status})"
            );
        }
    }
    assert!(operations >= 24, "only {operations} operations documented");
}

#[tokio::test]
async fn routes_the_server_answers_are_documented() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let documented = |method: &str, path: &str| doc["paths"][path][method].is_object();
    let expected = [
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("get", "/api/v1/openapi.json"),
        ("post", "/api/v1/auth/register"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/logout"),
        ("get", "/api/v1/users/me"),
        ("post", "/api/v1/chats"),
        ("get", "/api/v1/chats"),
        ("get", "/api/v1/chats/{chat_id}"),
        ("patch", "/api/v1/chats/{chat_id}"),
        ("get", "/api/v1/chats/{chat_id}/members"),
        ("post", "/api/v1/chats/{chat_id}/members"),
        ("patch", "/api/v1/chats/{chat_id}/members/{user_id}"),
        ("delete", "/api/v1/chats/{chat_id}/members/{user_id}"),
        ("get", "/api/v1/chats/{chat_id}/messages"),
        ("post", "/api/v1/chats/{chat_id}/read"),
        ("post", "/api/v1/messages"),
        ("get", "/api/v1/messages/{message_id}"),
        ("patch", "/api/v1/messages/{message_id}"),
        ("delete", "/api/v1/messages/{message_id}"),
        ("get", "/api/v1/messages/{message_id}/edits"),
        ("put", "/api/v1/messages/{message_id}/reactions/{emoji}"),
        ("delete", "/api/v1/messages/{message_id}/reactions/{emoji}"),
    ];
    for (method, path) in expected {
        assert!(documented(method, path), "{method} {path} is missing from the document");
    }
}

/// Asserts that `value`'s keys are exactly the properties of the schema `name`.
fn assert_matches_schema(doc: &Value, name: &str, value: &Value) {
    let schema = &doc["components"]["schemas"][name];
    let described: BTreeSet<&str> = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no schema {name}"))
        .keys()
        .map(String::as_str)
        .collect();
    let actual: BTreeSet<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(described, actual, "schema {name} does not describe {value}");
}

#[tokio::test]
async fn schemas_describe_what_the_server_sends() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let login = app
        .request(Method::POST, "/api/v1/auth/login")
        .json(&json!({ "username": "ann", "password": "correct horse battery" }));
    let session = expect_json(login.send().await.unwrap(), StatusCode::OK).await;
    assert_matches_schema(&doc, "Session", &session);
    assert_matches_schema(&doc, "User", &session["user"]);

    let chat_id = app.group(&ann, &[&bob]).await;
    let get = |path: String| app.as_user(&ann, Method::GET, &path).send();
    let posted =
        expect_json(app.post_message(&ann, &json!({ "chat_id": chat_id, "content": "hi" })).await, StatusCode::OK)
            .await;
    let id = posted["id"].as_i64().unwrap();
    let reacted =
        app.as_user(&bob, Method::PUT, &format!("/api/v1/messages/{id}/reactions/%F0%9F%91%8D")).send().await.unwrap();
    let reacted = expect_json(reacted, StatusCode::OK).await;
    assert_matches_schema(&doc, "Message", &reacted);
    assert_matches_schema(&doc, "ReactionSummary", &reacted["reactions"][0]);

    let edit = app.as_user(&ann, Method::PATCH, &format!("/api/v1/messages/{id}")).json(&json!({ "content": "hello" }));
    expect_json(edit.send().await.unwrap(), StatusCode::OK).await;
    let edits = expect_json(get(format!("/api/v1/messages/{id}/edits")).await.unwrap(), StatusCode::OK).await;
    assert_matches_schema(&doc, "EditList", &edits);
    assert_matches_schema(&doc, "MessageVersion", &edits["edits"][0]);

    let chats = expect_json(get("/api/v1/chats".into()).await.unwrap(), StatusCode::OK).await;
    assert_matches_schema(&doc, "ChatList", &chats);
    assert_matches_schema(&doc, "ChatSummary", &chats["chats"][0]);
    let members = expect_json(get(format!("/api/v1/chats/{chat_id}/members")).await.unwrap(), StatusCode::OK).await;
    assert_matches_schema(&doc, "MemberList", &members);
    assert_matches_schema(&doc, "ChatMember", &members["members"][0]);
    let page = expect_json(get(format!("/api/v1/chats/{chat_id}/messages")).await.unwrap(), StatusCode::OK).await;
    assert_matches_schema(&doc, "HistoryPage", &page);
    let read =
        app.as_user(&bob, Method::POST, &format!("/api/v1/chats/{chat_id}/read")).json(&json!({ "message_id": id }));
    assert_matches_schema(&doc, "ReadState", &expect_json(read.send().await.unwrap(), StatusCode::OK).await);

    let invalid = app.post_message(&ann, &json!({ "chat_id": chat_id, "content": "" })).await;
    let problem = expect_json(invalid, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_matches_schema(&doc, "Problem", &problem);
    assert_matches_schema(&doc, "FieldError", &problem["errors"][0]);
}
