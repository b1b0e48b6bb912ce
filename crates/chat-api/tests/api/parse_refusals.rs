//! Requests the HTTP parser refuses before any route sees them still get problem+json.

use crate::support::{TestApp, error_code};
use chat_domain::ErrorCode;
use reqwest::Method;
use std::time::Duration;

/// The status line and the problem's code of a raw request's answer.
async fn refusal(app: &TestApp, request: String) -> (String, ErrorCode) {
    let answer = app.raw_http(request.as_bytes(), Duration::from_secs(5)).await;
    let status = answer.lines().next().unwrap_or_default().to_owned();
    assert!(answer.to_ascii_lowercase().contains("content-type: application/problem+json"), "{answer}");
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    let problem: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {answer}"));
    (status, error_code(&problem))
}

#[tokio::test]
async fn oversized_and_malformed_heads_get_problem_json() {
    let app = TestApp::spawn().await;
    let huge_header = format!("GET /healthz HTTP/1.1\r\nHost: test\r\nX-Big: {}\r\n\r\n", "a".repeat(1024 * 1024));
    let many_headers: String = (0..5000).map(|i| format!("X-H{i}: v\r\n")).collect();
    let many_headers = format!("GET /healthz HTTP/1.1\r\nHost: test\r\n{many_headers}\r\n");
    let long_url = format!("GET /healthz?{} HTTP/1.1\r\nHost: test\r\n\r\n", "q".repeat(100 * 1024));
    for request in [huge_header, many_headers, long_url] {
        let (status, code) = refusal(&app, request).await;
        assert!(status.starts_with("HTTP/1.1 431") || status.starts_with("HTTP/1.1 400"), "{status}");
        assert!([ErrorCode::HeadTooLarge, ErrorCode::MalformedRequest].contains(&code), "{code}");
    }
    let (status, code) = refusal(&app, "NOT HTTP AT ALL\r\n\r\n".into()).await;
    assert_eq!((status.as_str(), code), ("HTTP/1.1 400 Bad Request", ErrorCode::MalformedRequest));
    // The server is none the worse for it.
    assert!(app.request(Method::GET, "/healthz").send().await.unwrap().status().is_success());
}
