//! Browser pages of other origins: an allowed one gets through preflights and can read every
//! answer (errors included); a foreign one gets no CORS headers; clients without `Origin` and
//! pages of the server's own origin are unaffected.

use crate::support::{TestApp, expect_json, expect_problem};
use chat_domain::ErrorCode;
use reqwest::{Method, Response, StatusCode};
use serde_json::json;

const FRONTEND: &str = "http://localhost:5173";

async fn app_allowing(origins: &[&str]) -> TestApp {
    let origins: Vec<String> = origins.iter().map(|origin| (*origin).to_owned()).collect();
    TestApp::spawn_with(move |config| config.allowed_origins = origins).await
}

fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|value| value.to_str().unwrap())
}

async fn preflight(app: &TestApp, origin: &str, method: &str, headers: &str) -> Response {
    app.request(Method::OPTIONS, "/api/v1/messages")
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
        .header("Access-Control-Request-Headers", headers)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_allowed_origin_passes_the_preflight_of_a_post_with_the_headers_clients_send() {
    let app = app_allowing(&[FRONTEND]).await;
    let response = preflight(&app, FRONTEND, "POST", "authorization, content-type, idempotency-key").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "access-control-allow-origin"), Some(FRONTEND));
    let methods = header(&response, "access-control-allow-methods").unwrap().to_ascii_uppercase();
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        assert!(methods.contains(method), "{methods}");
    }
    let headers = header(&response, "access-control-allow-headers").unwrap().to_ascii_lowercase();
    for name in ["authorization", "content-type", "idempotency-key"] {
        assert!(headers.contains(name), "{headers}");
    }
    assert_eq!(header(&response, "access-control-max-age"), Some("3600"));
    assert_eq!(header(&response, "access-control-allow-credentials"), None, "bearer tokens, no cookies");
}

#[tokio::test]
async fn an_allowed_page_reads_answers_and_errors_and_the_headers_it_needs() {
    let app = app_allowing(&[FRONTEND]).await;
    let ann = app.register("ann").await;
    let chat = app.group(&ann, &[]).await;
    let post = || {
        app.as_user(&ann, Method::POST, "/api/v1/messages")
            .header("Origin", FRONTEND)
            .header("Idempotency-Key", "cors-1")
            .json(&json!({ "chat_id": chat, "content": "from the browser" }))
    };
    let created = post().send().await.unwrap();
    assert_eq!(header(&created, "access-control-allow-origin"), Some(FRONTEND));
    let exposed = header(&created, "access-control-expose-headers").unwrap().to_ascii_lowercase();
    for name in ["idempotent-replayed", "retry-after", "www-authenticate"] {
        assert!(exposed.contains(name), "{exposed}");
    }
    expect_json(created, StatusCode::OK).await;
    let replayed = post().send().await.unwrap();
    assert_eq!(header(&replayed, "idempotent-replayed"), Some("true"));

    let refused = app.request(Method::GET, "/api/v1/users/me").header("Origin", FRONTEND).send().await.unwrap();
    assert_eq!(header(&refused, "access-control-allow-origin"), Some(FRONTEND), "errors stay readable");
    expect_problem(refused, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}

#[tokio::test]
async fn a_foreign_origin_gets_no_cors_headers_and_its_preflight_is_refused() {
    let app = app_allowing(&[FRONTEND]).await;
    let refused = preflight(&app, "http://evil.example", "POST", "authorization, content-type").await;
    assert_eq!(header(&refused, "access-control-allow-origin"), None);
    expect_problem(refused, StatusCode::BAD_REQUEST, ErrorCode::CorsRefused).await;
    let odd_header = preflight(&app, FRONTEND, "POST", "x-unknown").await;
    assert_eq!(header(&odd_header, "access-control-allow-origin"), None);
    expect_problem(odd_header, StatusCode::BAD_REQUEST, ErrorCode::CorsRefused).await;

    let ann = app.register("ann").await;
    let read = app.as_user(&ann, Method::GET, "/api/v1/users/me").header("Origin", "http://evil.example");
    let answer = read.send().await.unwrap();
    assert_eq!(header(&answer, "access-control-allow-origin"), None, "the browser keeps this from the page");
}

#[tokio::test]
async fn without_a_list_only_the_servers_own_origin_and_clients_without_origin_pass() {
    let app = TestApp::spawn().await;
    let own = app.address.clone();
    let response = preflight(&app, &own, "POST", "authorization, content-type, idempotency-key").await;
    assert_eq!(header(&response, "access-control-allow-origin"), Some(own.as_str()));
    let foreign = preflight(&app, FRONTEND, "POST", "authorization").await;
    assert_eq!(header(&foreign, "access-control-allow-origin"), None);
    let plain = app.request(Method::GET, "/healthz").send().await.unwrap();
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(header(&plain, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn a_wildcard_allows_every_origin() {
    let app = app_allowing(&["*"]).await;
    let response = preflight(&app, "https://anything.example", "DELETE", "authorization").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(&response, "access-control-allow-origin").is_some());
}
