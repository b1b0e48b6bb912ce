//! Bodies a client can get wrong: each a clear 4xx problem, none a 500, none storing anything.

use crate::support::{TestApp, expect_problem};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};
use std::time::{Duration, Instant};

#[tokio::test]
async fn malformed_bodies_are_refused_before_anything_is_stored() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat_id = app.group(&ann, &[]).await;
    let send = |content_type: &'static str, body: Vec<u8>| {
        app.as_user(&ann, Method::POST, "/api/v1/messages").header("Content-Type", content_type).body(body).send()
    };

    let truncated = send("application/json", br#"{"chat_id": 1, "content": "#.to_vec()).await.unwrap();
    expect_problem(truncated, StatusCode::BAD_REQUEST, ErrorCode::MalformedJson).await;
    let empty = send("application/json", Vec::new()).await.unwrap();
    expect_problem(empty, StatusCode::BAD_REQUEST, ErrorCode::MalformedJson).await;
    let mut invalid_utf8 = format!(r#"{{"chat_id": {chat_id}, "content": ""#).into_bytes();
    invalid_utf8.extend_from_slice(&[0xff, 0xfe, b'"', b'}']);
    let invalid_utf8 = send("application/json", invalid_utf8).await.unwrap();
    expect_problem(invalid_utf8, StatusCode::BAD_REQUEST, ErrorCode::MalformedJson).await;
    let trailing = send("application/json", format!(r#"{{"chat_id": {chat_id}, "content": "x"}} extra"#).into_bytes())
        .await
        .unwrap();
    expect_problem(trailing, StatusCode::BAD_REQUEST, ErrorCode::MalformedJson).await;
    let form = send("application/x-www-form-urlencoded", b"chat_id=1&content=x".to_vec()).await.unwrap();
    expect_problem(form, StatusCode::BAD_REQUEST, ErrorCode::UnsupportedMediaType).await;
    let not_an_object = send("application/json", b"[1, 2]".to_vec()).await.unwrap();
    expect_problem(not_an_object, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;

    let huge = format!(r#"{{"chat_id": {chat_id}, "content": "{}"}}"#, "x".repeat(70 * 1024));
    let huge = send("application/json", huge.into_bytes()).await.unwrap();
    expect_problem(huge, StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge).await;

    let charset =
        send("application/json; charset=utf-8", format!(r#"{{"chat_id": {chat_id}, "content": "ok"}}"#).into_bytes());
    assert_eq!(charset.await.unwrap().status(), StatusCode::OK);
    assert_eq!(app.count("messages").await, 1);
}

#[tokio::test]
async fn a_non_numeric_id_in_the_path_is_a_400() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let response = app.as_user(&ann, Method::GET, "/api/v1/messages/abc").send().await.unwrap();
    expect_problem(response, StatusCode::BAD_REQUEST, ErrorCode::InvalidPath).await;
}

#[tokio::test]
async fn nul_characters_and_impossible_cursors_are_refused_not_failed_on() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat_id = app.group(&ann, &[]).await;
    let nul = "a\u{0}b";
    for body in [
        serde_json::json!({ "chat_id": chat_id, "content": nul }),
        serde_json::json!({ "chat_id": chat_id, "content": "x", "payload": { "k": nul } }),
        serde_json::json!({ "chat_id": chat_id, "content": "x", "payload": { nul: 1 } }),
    ] {
        expect_problem(
            app.post_message(&ann, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
        )
        .await;
    }
    let title =
        app.as_user(&ann, Method::POST, "/api/v1/chats").json(&serde_json::json!({ "kind": "group", "title": nul }));
    expect_problem(title.send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    let login = app
        .request(Method::POST, "/api/v1/auth/login")
        .json(&serde_json::json!({ "username": nul, "password": "whatever1" }));
    expect_problem(login.send().await.unwrap(), StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials).await;
    for cursor in ["-280000000000000000_1", "999999999999999999999_1"] {
        let list = app.as_user(&ann, Method::GET, &format!("/api/v1/chats?cursor={cursor}")).send().await.unwrap();
        expect_problem(list, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    }
    assert_eq!(app.count("messages").await, 0);
    assert_eq!(app.count("chats").await, 1);
}

/// A body announced past the limit is refused from its headers, without waiting for it.
#[tokio::test]
async fn an_announced_oversized_body_gets_413_at_once() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let head = format!(
        "POST /api/v1/messages HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000000000000\r\n\r\n",
        ann.token
    );
    let answer = app.raw_http(head.as_bytes(), Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("application/problem+json") && answer.contains("payload_too_large"), "{answer}");
}

/// A body that stops arriving (slowloris) loses its connection after the body timeout.
#[tokio::test]
async fn a_body_that_stops_arriving_gets_408() {
    let app = TestApp::spawn_with(|config| config.body.read_timeout = Duration::from_secs(1)).await;
    let ann = app.register("ann").await;
    let head = format!(
        "POST /api/v1/messages HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"chat_id\": 1,",
        ann.token
    );
    let started = Instant::now();
    let answer = app.raw_http(head.as_bytes(), Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body_timeout"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(5), "held for {:?}", started.elapsed());
    assert_eq!(app.count("messages").await, 0);
}

/// PostgreSQL prints a jsonb number with every digit (f64::MAX is a 309-digit integer); reading
/// that back must give the number that was sent, not fail every read of the message and stall the
/// event feed.
#[tokio::test]
async fn numbers_at_the_edge_of_json_s_range_round_trip() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat_id = app.group(&ann, &[]).await;
    let payload = serde_json::json!({ "largest": f64::MAX, "smallest": f64::MIN_POSITIVE, "negative": -f64::MAX });
    let body = serde_json::json!({ "chat_id": chat_id, "type": "file", "payload": payload });
    let created = crate::support::expect_json(app.post_message(&ann, &body).await, StatusCode::OK).await;
    let read = app.get_ok(&ann, &format!("/api/v1/messages/{}", created["id"])).await;
    assert_eq!(read["payload"], payload);
    let history = app.get_ok(&ann, &format!("/api/v1/chats/{chat_id}/messages")).await;
    assert_eq!(history["messages"][0]["payload"], payload);
    let feed = app.get_ok(&ann, "/api/v1/events?since=0").await;
    let created_events: Vec<_> =
        feed["events"].as_array().unwrap().iter().filter(|event| event["type"] == "message.created").collect();
    assert_eq!(created_events.len(), 1, "{feed}");
    assert_eq!(created_events[0]["data"]["payload"], payload);
}

/// A body that is valid JSON with a field of the wrong type is a 422 naming the field, also where
/// the field is one of a set of names (serde_json reports those as syntax errors).
#[tokio::test]
async fn a_wrong_type_for_a_named_value_is_a_validation_error_not_malformed_json() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat_id = app.group(&ann, &[]).await;
    let cases = [
        ("/api/v1/chats", serde_json::json!({ "kind": 5, "title": "x" }), "kind"),
        (&*format!("/api/v1/chats/{chat_id}/members"), serde_json::json!({ "user_id": ann.id, "role": null }), "role"),
        ("/api/v1/messages", serde_json::json!({ "chat_id": chat_id, "type": 7, "content": "x" }), "type"),
    ];
    for (path, body, field) in cases {
        let response = app.call_json(&ann, Method::POST, path, &body).await;
        let problem = expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
        assert_eq!(crate::support::error_fields(&problem), [field], "{path} {body}");
    }
    assert_eq!(app.count("messages").await, 0);
}
