//! The browser client is served at `/` with its types, a strict CSP and ETag revalidation.

use crate::support::{TestApp, expect_problem};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn the_client_is_served_at_the_root_with_a_strict_policy() {
    let app = TestApp::spawn().await;
    let page = app.request(Method::GET, "/").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let header = |name: &str| page.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "text/html; charset=utf-8");
    let policy = header("content-security-policy");
    assert!(policy.contains("default-src 'none'") && policy.contains("script-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    // The service worker (push notifications) is the client's own file, served from the root.
    assert!(policy.contains("worker-src 'self'"), "{policy}");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("cache-control"), "no-cache");
    let etag = header("etag");
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<script type="module" src="/app.js">"#));

    let again = app.request(Method::GET, "/").header("If-None-Match", &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    for (path, kind) in [
        ("/app.js", "text/javascript"),
        ("/api.js", "text/javascript"),
        ("/sw.js", "text/javascript"),
        ("/app.css", "text/css"),
    ] {
        let file = app.request(Method::GET, path).send().await.unwrap();
        assert_eq!(file.status(), StatusCode::OK, "{path}");
        assert!(file.headers()["content-type"].to_str().unwrap().starts_with(kind), "{path}");
    }
    let missing = app.request(Method::GET, "/nothing.js").send().await.unwrap();
    expect_problem(missing, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
}
