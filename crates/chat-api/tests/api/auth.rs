//! Accounts and tokens: register, login, logout, /users/me.

use crate::support::{TestApp, expect_json, expect_problem};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn register_then_me_then_logout_revokes_the_token() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;

    let me = app.as_user(&ann, Method::GET, "/api/v1/users/me").send().await.unwrap();
    let me = expect_json(me, StatusCode::OK).await;
    assert_eq!(me["id"], ann.id);
    assert_eq!(me["username"], "ann");
    assert!(me.get("password_hash").is_none());

    let logout = app.as_user(&ann, Method::POST, "/api/v1/auth/logout").send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let after = app.as_user(&ann, Method::GET, "/api/v1/users/me").send().await.unwrap();
    expect_problem(after, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}

#[tokio::test]
async fn login_issues_a_new_token_and_refuses_a_wrong_password() {
    let app = TestApp::spawn().await;
    app.register("ann").await;
    let login = |password: &'static str| {
        app.request(Method::POST, "/api/v1/auth/login").json(&json!({ "username": "ann", "password": password })).send()
    };

    let body = expect_json(login("correct horse battery").await.unwrap(), StatusCode::OK).await;
    assert_eq!(body["user"]["username"], "ann");
    let token = body["token"].as_str().unwrap();
    let me = app.request(Method::GET, "/api/v1/users/me").bearer_auth(token).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);

    expect_problem(
        login("wrong horse battery").await.unwrap(),
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidCredentials,
    )
    .await;
    let unknown =
        app.request(Method::POST, "/api/v1/auth/login").json(&json!({ "username": "nobody", "password": "whatever1" }));
    expect_problem(unknown.send().await.unwrap(), StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials).await;
}

#[tokio::test]
async fn bad_registrations_are_refused_and_store_nothing() {
    let app = TestApp::spawn().await;
    app.register("ann").await;
    let register = |body: serde_json::Value| app.request(Method::POST, "/api/v1/auth/register").json(&body).send();

    let taken = register(json!({ "username": "ann", "password": "another password" })).await.unwrap();
    expect_problem(taken, StatusCode::CONFLICT, ErrorCode::UsernameTaken).await;
    let invalid = register(json!({ "username": "A B", "password": "short" })).await.unwrap();
    let problem = expect_problem(invalid, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"username") && fields.contains(&"password"), "{problem}");
    assert_eq!(app.count("users").await, 1);
}

#[tokio::test]
async fn protected_endpoints_need_a_live_token() {
    let app = TestApp::spawn().await;
    let no_token = app.request(Method::GET, "/api/v1/users/me").send().await.unwrap();
    assert_eq!(no_token.headers()["www-authenticate"], "Bearer");
    expect_problem(no_token, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    let forged = app.request(Method::GET, "/api/v1/users/me").bearer_auth("f".repeat(64)).send().await.unwrap();
    expect_problem(forged, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    let wrong_scheme =
        app.request(Method::GET, "/api/v1/users/me").header("Authorization", "Basic YTpi").send().await.unwrap();
    expect_problem(wrong_scheme, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    let logout = app.request(Method::POST, "/api/v1/auth/logout").send().await.unwrap();
    expect_problem(logout, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}

#[tokio::test]
async fn password_attempts_are_rate_limited_per_address() {
    let app = TestApp::spawn_with(|config| config.auth_attempts_per_minute = 3).await;
    app.register("ann").await;
    let login = || {
        app.request(Method::POST, "/api/v1/auth/login")
            .json(&json!({ "username": "ann", "password": "wrong password" }))
            .send()
    };
    for _ in 0..2 {
        assert_eq!(login().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    let limited = login().await.unwrap();
    let retry_after: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=21).contains(&retry_after), "Retry-After {retry_after}");
    expect_problem(limited, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;
}

/// Each process remembers the tokens it has checked, so requests skip the lookup; a logout on any
/// process makes the token fail on every process at once.
#[tokio::test]
async fn tokens_are_checked_once_per_process_and_revoked_on_every_process() {
    let app = TestApp::spawn().await;
    let sibling = app.spawn_sibling().await;
    let ann = app.register("ann").await;
    // A process remembers tokens only while its listener (for revocations) is connected.
    let remembered = || async {
        sibling.get_ok(&ann, "/api/v1/users/me").await;
        let before = sibling.metric("chat_db_statements").await;
        for _ in 0..20 {
            sibling.get_ok(&ann, "/api/v1/users/me").await;
        }
        // Each read of /users/me costs its user row; a token lookup would be a second statement.
        sibling.metric("chat_db_statements").await - before < 30
    };
    let started = Instant::now();
    while !remembered().await {
        assert!(started.elapsed() < Duration::from_secs(5), "the sibling never remembered the token");
    }

    let logout = app.as_user(&ann, Method::POST, "/api/v1/auth/logout").send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let started = Instant::now();
    loop {
        let me = sibling.as_user(&ann, Method::GET, "/api/v1/users/me").send().await.unwrap();
        if me.status() == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(1), "the sibling still accepts a revoked token");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let me = app.as_user(&ann, Method::GET, "/api/v1/users/me").send().await.unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logging_out_closes_that_sessions_sockets_at_once_on_every_process_and_no_others() {
    let app = TestApp::spawn().await;
    let sibling = app.spawn_sibling().await;
    let ann = app.register("ann").await;
    let credentials = json!({ "username": "ann", "password": "correct horse battery" });
    let login = app.request(Method::POST, "/api/v1/auth/login").json(&credentials).send().await.unwrap();
    let laptop = crate::support::TestUser {
        id: ann.id,
        token: expect_json(login, StatusCode::OK).await["token"].as_str().unwrap().to_owned(),
    };
    let (mut here, _) = app.ws(&ann, None).await;
    let (mut there, _) = sibling.ws(&ann, None).await;
    let (mut other_session, _) = sibling.ws(&laptop, None).await;

    let started = Instant::now();
    let logout = app.as_user(&ann, Method::POST, "/api/v1/auth/logout").send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let (closed_here, closed_there) = tokio::join!(here.close_code(), there.close_code());
    assert_eq!((closed_here.0, closed_there.0), (Some(4001), Some(4001)));
    assert!(started.elapsed() < Duration::from_secs(1), "closed in {:?}", started.elapsed());
    other_session.expect_quiet(Duration::from_millis(300)).await;
    app.get_ok(&laptop, "/api/v1/users/me").await;
}
