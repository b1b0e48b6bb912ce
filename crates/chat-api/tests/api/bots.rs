//! Bot accounts: created, listed, renamed, deleted and given tokens by their owner; tokens limited
//! to chosen chats.

use crate::support::{TestApp, TestUser, expect_json, expect_problem, field_errors};
use chat_domain::{ErrorCode, FieldCode};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};

const QUIET: Duration = Duration::from_millis(300);

#[tokio::test]
async fn an_owner_creates_lists_renames_and_deletes_a_bot() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let (bot, created) = app.bot(&ann, "deploy-bot", None).await;
    assert_eq!(created["bot"]["username"], "deploy-bot");
    assert_eq!(created["bot"]["display_name"], "deploy-bot (bot)");
    assert_eq!(created["bot"]["is_bot"], true);
    assert_eq!(created["token"].as_str().unwrap().len(), 64);
    assert_eq!(app.get_ok(&ann, "/api/v1/users/me").await["is_bot"], false, "people are not bots, and say so");
    assert_eq!(app.get_ok(&bot, "/api/v1/users/me").await["is_bot"], true, "the token signs in as the bot");

    let listed = app.get_ok(&ann, "/api/v1/bots").await;
    assert_eq!(listed["bots"], json!([created["bot"]]));

    let path = format!("/api/v1/bots/{}", bot.id);
    let renamed = app.call_json(&ann, Method::PATCH, &path, &json!({ "display_name": " Deployer " })).await;
    assert_eq!(expect_json(renamed, StatusCode::OK).await["display_name"], "Deployer");

    assert_eq!(app.call(&ann, Method::DELETE, &path).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get_ok(&ann, "/api/v1/bots").await["bots"], json!([]));
    let gone = app.call(&bot, Method::GET, "/api/v1/users/me").await;
    expect_problem(gone, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    let kept = app.get_ok(&ann, &format!("/api/v1/users/{}", bot.id)).await;
    assert_eq!((kept["username"].as_str(), kept["is_bot"].as_bool()), (Some("deploy-bot"), Some(true)));
    expect_problem(app.call(&ann, Method::DELETE, &path).await, StatusCode::NOT_FOUND, ErrorCode::BotNotFound).await;
}

#[tokio::test]
async fn bad_bot_requests_are_refused_and_store_nothing() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let (users, tokens) = (app.count("users").await, app.count("auth_tokens").await);
    let create = async |body: serde_json::Value| app.call_json(&ann, Method::POST, "/api/v1/bots", &body).await;

    let invalid = create(json!({ "username": "No Way", "display_name": " ", "chats": [] })).await;
    let problem = expect_problem(invalid, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    let fields = field_errors(&problem);
    assert!(fields.contains(&("username", FieldCode::Invalid)), "{problem}");
    assert!(fields.contains(&("display_name", FieldCode::TooShort)), "{problem}");
    assert!(fields.contains(&("chats", FieldCode::TooShort)), "{problem}");
    let unknown = create(json!({ "username": "bot", "password": "x" })).await;
    expect_problem(unknown, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    expect_problem(create(json!({ "username": "ann" })).await, StatusCode::CONFLICT, ErrorCode::UsernameTaken).await;
    let not_json = app.as_user(&ann, Method::POST, "/api/v1/bots").body("{}").send().await.unwrap();
    expect_problem(not_json, StatusCode::BAD_REQUEST, ErrorCode::UnsupportedMediaType).await;
    let anonymous = app.request(Method::POST, "/api/v1/bots").json(&json!({ "username": "bot" })).send().await.unwrap();
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    assert_eq!((app.count("users").await, app.count("auth_tokens").await), (users, tokens));

    let (bot, _) = app.bot(&ann, "helper", None).await;
    let by_a_bot = app.call_json(&bot, Method::POST, "/api/v1/bots", &json!({ "username": "minion" })).await;
    expect_problem(by_a_bot, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let rotate = format!("/api/v1/bots/{}/token", bot.id);
    let bad_scope = app.call_json(&ann, Method::POST, &rotate, &json!({ "chats": [0] })).await;
    let problem = expect_problem(bad_scope, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    assert_eq!(field_errors(&problem), [("chats[0]", FieldCode::Invalid)]);
    assert_eq!(app.get_ok(&bot, "/api/v1/users/me").await["id"], bot.id, "a refused rotation keeps the token");
    let path = format!("/api/v1/bots/{}", bot.id);
    let blank = app.call_json(&ann, Method::PATCH, &path, &json!({ "display_name": "" })).await;
    expect_problem(blank, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
}

#[tokio::test]
async fn only_the_owner_sees_and_changes_a_bot() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let eve = app.register("eve").await;
    let (bot, _) = app.bot(&ann, "helper", None).await;
    assert_eq!(app.get_ok(&eve, "/api/v1/bots").await["bots"], json!([]));
    let path = format!("/api/v1/bots/{}", bot.id);
    let token = format!("{path}/token");
    let attempts = [
        app.call_json(&eve, Method::PATCH, &path, &json!({ "display_name": "Mine" })).await,
        app.call(&eve, Method::POST, &token).await,
        app.call(&eve, Method::DELETE, &token).await,
        app.call(&eve, Method::DELETE, &path).await,
        app.call(&ann, Method::DELETE, &format!("/api/v1/bots/{}", eve.id)).await,
    ];
    for attempt in attempts {
        expect_problem(attempt, StatusCode::NOT_FOUND, ErrorCode::BotNotFound).await;
    }
    assert_eq!(app.get_ok(&bot, "/api/v1/users/me").await["display_name"], "helper (bot)", "nothing changed");
}

#[tokio::test]
async fn a_bot_cannot_log_in_with_a_password() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    app.bot(&ann, "helper", None).await;
    for password in ["correct horse battery", "", "anything at all"] {
        let login = app
            .request(Method::POST, "/api/v1/auth/login")
            .json(&json!({ "username": "helper", "password": password }));
        expect_problem(login.send().await.unwrap(), StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials).await;
    }
}

#[tokio::test]
async fn a_bot_is_a_member_that_posts_with_its_token() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let chat = app.group(&ann, &[&bob]).await;
    let (bot, _) = app.bot(&ann, "helper", None).await;
    let (mut bobs_socket, _) = app.ws(&bob, None).await;

    let added = app.add_member(&ann, chat, &bot).await;
    assert_eq!(added["is_bot"], true);
    let joined = bobs_socket.next_event().await;
    assert_eq!(joined["type"], "member.added");
    assert_eq!(joined["data"]["members"][0]["is_bot"], true, "{joined}");

    let posted = app.text(&bot, chat, "deploy finished").await;
    assert_eq!(posted["author_id"], bot.id);
    let event = bobs_socket.next_event().await;
    assert_eq!(event["type"], "message.created");
    assert_eq!(event["data"], posted);
    let history = app.get_ok(&bob, &format!("/api/v1/chats/{chat}/messages")).await;
    assert_eq!(history["messages"].as_array().unwrap().last().unwrap()["author_id"], bot.id);
    let members = app.get_ok(&bob, &format!("/api/v1/chats/{chat}/members")).await;
    let flags: Vec<(i64, bool)> = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| (member["user_id"].as_i64().unwrap(), member["is_bot"].as_bool().unwrap()))
        .collect();
    assert_eq!(flags, [(ann.id, false), (bob.id, false), (bot.id, true)]);
    assert_eq!(app.get_ok(&bob, &format!("/api/v1/users/{}", bot.id)).await["is_bot"], true);
}

#[tokio::test]
async fn a_token_limited_to_one_chat_finds_no_other() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let (inside, outside) = (app.group(&ann, &[]).await, app.group(&ann, &[]).await);
    let (bot, _) = app.bot(&ann, "helper", Some(&[inside])).await;
    app.add_member(&ann, inside, &bot).await;
    app.add_member(&ann, outside, &bot).await;
    let elsewhere = app.text(&ann, outside, "not for the bot").await["id"].as_i64().unwrap();
    let (mut socket, ready) = app.ws(&bot, None).await;
    let since = ready["seq"].as_i64().unwrap();

    app.text(&bot, inside, "allowed").await;
    assert_eq!(app.get_ok(&bot, &format!("/api/v1/chats/{inside}")).await["id"], inside);
    let listed = app.get_ok(&bot, "/api/v1/chats").await;
    assert_eq!(crate::support::ids(&listed["chats"]), [inside]);

    let refusals = [
        (app.call(&bot, Method::GET, &format!("/api/v1/chats/{outside}")).await, ErrorCode::ChatNotFound),
        (app.call(&bot, Method::GET, &format!("/api/v1/chats/{outside}/messages")).await, ErrorCode::ChatNotFound),
        (app.call(&bot, Method::GET, &format!("/api/v1/chats/{outside}/members")).await, ErrorCode::ChatNotFound),
        (
            app.post_message(&bot, &json!({ "chat_id": outside, "type": "text", "content": "hi" })).await,
            ErrorCode::ChatNotFound,
        ),
        (app.call(&bot, Method::GET, &format!("/api/v1/messages/{elsewhere}")).await, ErrorCode::MessageNotFound),
    ];
    for (response, code) in refusals {
        expect_problem(response, StatusCode::NOT_FOUND, code).await;
    }
    let search = app.call(&bot, Method::GET, "/api/v1/search?q=bot").await;
    expect_problem(search, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    // Someone the bot shares only the other chat with: their account, but not their presence.
    let cal = app.register("cal").await;
    app.add_member(&ann, outside, &cal).await;
    let through_scope = app.get_ok(&bot, &format!("/api/v1/users/{}", cal.id)).await;
    assert!(through_scope["presence"].is_null(), "{through_scope}");
    let through_session = app.get_ok(&ann, &format!("/api/v1/users/{}", cal.id)).await;
    assert!(through_session["presence"]["status"].is_string(), "{through_session}");

    app.text(&ann, outside, "still not for the bot").await;
    app.text(&ann, inside, "for the bot").await;
    let mut seen = Vec::new();
    while seen.last() != Some(&json!("for the bot")) {
        let frame = socket.next_event().await;
        assert_eq!(frame["chat_id"], inside, "{frame}");
        seen.push(frame["data"]["content"].clone());
    }
    socket.expect_quiet(QUIET).await;
    let feed = app.get_ok(&bot, &format!("/api/v1/events?since={since}")).await;
    let chats: Vec<i64> = feed["events"].as_array().unwrap().iter().map(|e| e["chat_id"].as_i64().unwrap()).collect();
    assert!(!chats.is_empty() && chats.iter().all(|chat| *chat == inside), "{feed}");
    // The same bot with an unlimited token reaches both.
    let rotated = app.call(&ann, Method::POST, &format!("/api/v1/bots/{}/token", bot.id)).await;
    let unlimited =
        TestUser { id: bot.id, token: expect_json(rotated, StatusCode::OK).await["token"].as_str().unwrap().into() };
    assert_eq!(app.get_ok(&unlimited, &format!("/api/v1/chats/{outside}")).await["id"], outside);
}

#[tokio::test]
async fn rotation_revokes_the_old_token_on_every_process() {
    let app = TestApp::spawn().await;
    let sibling = app.spawn_sibling().await;
    let ann = app.register("ann").await;
    let chat = app.group(&ann, &[]).await;
    let (bot, _) = app.bot(&ann, "helper", None).await;
    app.add_member(&ann, chat, &bot).await;
    // The sibling looks the token up (and remembers it once its listener is connected).
    for _ in 0..5 {
        sibling.get_ok(&bot, "/api/v1/users/me").await;
    }

    let path = format!("/api/v1/bots/{}/token", bot.id);
    let rotated = app.call_json(&ann, Method::POST, &path, &json!({ "chats": [chat] })).await;
    let rotated = expect_json(rotated, StatusCode::OK).await;
    assert_eq!(rotated["bot"]["id"], bot.id);
    let fresh = TestUser { id: bot.id, token: rotated["token"].as_str().unwrap().to_owned() };
    let old = app.call(&bot, Method::GET, "/api/v1/users/me").await;
    expect_problem(old, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    let started = Instant::now();
    while sibling.call(&bot, Method::GET, "/api/v1/users/me").await.status() != StatusCode::UNAUTHORIZED {
        assert!(started.elapsed() < Duration::from_secs(1), "the sibling still accepts the rotated-out token");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(sibling.get_ok(&fresh, &format!("/api/v1/chats/{chat}")).await["id"], chat);
    let other = app.group(&ann, &[]).await;
    app.add_member(&ann, other, &bot).await;
    let outside = sibling.call(&fresh, Method::GET, &format!("/api/v1/chats/{other}")).await;
    expect_problem(outside, StatusCode::NOT_FOUND, ErrorCode::ChatNotFound).await;

    assert_eq!(app.call(&ann, Method::DELETE, &path).await.status(), StatusCode::NO_CONTENT);
    let started = Instant::now();
    while sibling.call(&fresh, Method::GET, "/api/v1/users/me").await.status() != StatusCode::UNAUTHORIZED {
        assert!(started.elapsed() < Duration::from_secs(1), "the sibling still accepts a revoked token");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    expect_problem(
        app.call(&fresh, Method::GET, "/api/v1/users/me").await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
    )
    .await;
}

#[tokio::test]
async fn chat_client_manages_bots_and_their_tokens() {
    use chat_client::{Client, ClientError};
    use chat_domain::{BotDraft, ChatId, UserId};
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let chat = ChatId(app.group(&ann, &[]).await);
    let owner = Client::new(&app.address).with_token(ann.token.clone());
    let draft = BotDraft { username: "alerts".into(), display_name: None, chats: Some(vec![chat]) };
    let created = owner.create_bot(&draft).await.unwrap();
    assert!(created.bot.is_bot);
    assert_eq!(owner.bots().await.unwrap().bots, vec![created.bot.clone()]);
    assert_eq!(owner.rename_bot(created.bot.id, "Alerts").await.unwrap().display_name, "Alerts");

    let bot = Client::new(&app.address).with_token(created.token.clone());
    assert_eq!(bot.me().await.unwrap().id, created.bot.id);
    let rotated = owner.rotate_bot_token(created.bot.id, None).await.unwrap();
    assert!(matches!(bot.me().await, Err(ClientError::Refused { status: 401, .. })));
    let bot = Client::new(&app.address).with_token(rotated.token);
    assert!(bot.me().await.unwrap().is_bot);
    owner.revoke_bot_token(created.bot.id).await.unwrap();
    assert!(matches!(bot.me().await, Err(ClientError::Refused { status: 401, .. })));
    owner.delete_bot(created.bot.id).await.unwrap();
    let gone = owner.rename_bot(created.bot.id, "Ghost").await.unwrap_err();
    assert!(matches!(gone, ClientError::Refused { status: 404, problem } if problem.code == ErrorCode::BotNotFound));
    assert!(matches!(owner.delete_bot(UserId(ann.id)).await, Err(ClientError::Refused { status: 404, .. })));
}

/// A bot's new display name reaches its chats as a person's does (`member.updated` in each).
#[tokio::test]
async fn a_renamed_bot_is_a_member_updated_in_its_chats() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let (bot, _) = app.bot(&ann, "deploy-bot", None).await;
    let chat = app.group(&ann, &[]).await;
    app.add_member(&ann, chat, &bot).await;
    let (mut socket, _) = app.ws(&ann, None).await;

    let path = format!("/api/v1/bots/{}", bot.id);
    let renamed = app.call_json(&ann, Method::PATCH, &path, &json!({ "display_name": "Deployer" })).await;
    expect_json(renamed, StatusCode::OK).await;
    let mut frame = socket.next_event().await;
    while frame["type"] == "member.added" {
        frame = socket.next_event().await; // the bot's joining, published after the socket opened
    }
    assert_eq!((&frame["type"], &frame["chat_id"]), (&json!("member.updated"), &json!(chat)), "{frame}");
    assert_eq!(frame["data"]["members"][0]["display_name"], "Deployer");
}
