//! Probes, unknown routes, and a server that cannot reach its database.

use crate::support::{TestApp, expect_json, expect_problem};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn liveness_and_readiness() {
    let app = TestApp::spawn().await;
    let live = app.request(Method::GET, "/healthz").send().await.unwrap();
    assert_eq!(expect_json(live, StatusCode::OK).await["status"], "ok");
    let ready = app.request(Method::GET, "/readyz").send().await.unwrap();
    assert_eq!(expect_json(ready, StatusCode::OK).await["status"], "ready");
}

#[tokio::test]
async fn unknown_routes_answer_a_problem() {
    let app = TestApp::spawn().await;
    let response = app.request(Method::GET, "/api/v1/nothing-here").send().await.unwrap();
    expect_problem(response, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
}

/// An unreachable database is waited for (`startup.rs`); a URL that cannot be read is not.
#[test]
fn the_server_exits_non_zero_when_the_database_url_cannot_be_read() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_chat-api"))
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:not-a-port/chat")
        .env("CHAT_ADDR", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid database URL"), "stderr: {stderr}");
}

#[tokio::test]
async fn metrics_are_exposed_for_prometheus() {
    let app = TestApp::spawn().await;
    app.request(Method::GET, "/healthz").send().await.unwrap();
    let response = app.request(Method::GET, "/metrics").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(text.contains(r#"chat_http_requests_total{method="GET",route="/healthz",status="200"} 1"#), "{text}");
    for name in [
        "chat_http_request_duration_seconds_bucket",
        "chat_websocket_connections",
        "chat_event_head_seq",
        "chat_db_statements",
    ] {
        assert!(text.contains(name), "{name} missing: {text}");
    }
}

/// Made-up methods and paths, unauthenticated, must not grow the metrics: every label is bounded.
#[tokio::test]
async fn metric_labels_stay_bounded_whatever_clients_send() {
    let app = TestApp::spawn().await;
    for i in 0..50 {
        let method = Method::from_bytes(format!("M{i}").as_bytes()).unwrap();
        app.request(method, &format!("/healthz/{i}")).send().await.unwrap();
    }
    let text = app.request(Method::GET, "/metrics").send().await.unwrap().text().await.unwrap();
    assert!(!text.contains("M1") && !text.contains("/healthz/1"), "{text}");
    assert!(text.contains(r#"chat_http_requests_total{method="other",route="unmatched",status="404"} 50"#), "{text}");
}
