//! Incoming webhooks (posting by secret URL as the webhook's bot) and slash commands (a bot's
//! command reaches its outgoing webhook; the answer is posted as the bot, once).

use crate::support::{Receiver, Reply, TestApp, expect_json, expect_problem, field_errors};
use chat_domain::{ErrorCode, FieldCode};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn an_incoming_webhook_posts_as_its_bot_once_per_key_and_answers_404_once_revoked() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let path = format!("/api/v1/chats/{chat}/webhooks");
    let body = json!({ "kind": "incoming", "name": "CI" });
    expect_problem(app.call_json(&bob, Method::POST, &path, &body).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden)
        .await;
    let created = expect_json(app.call_json(&ann, Method::POST, &path, &body).await, StatusCode::CREATED).await;
    let url = created["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&format!("{}/api/v1/hooks/", app.address)), "{url}");
    assert!(created.get("secret").is_none());
    let bot_id = created["webhook"]["bot_id"].as_i64().unwrap();

    let post = |body: serde_json::Value| app.client.post(&url).json(&body).send();
    let first = expect_json(
        post(json!({ "content": "deploy 42 done", "idempotency_key": "deploy-42" })).await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(first["author_id"], bot_id);
    let again = post(json!({ "content": "deploy 42 done", "idempotency_key": "deploy-42" })).await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(expect_json(again, StatusCode::OK).await["id"], first["id"]);
    let named =
        expect_json(post(json!({ "content": "hi", "display_name": "Jenkins" })).await.unwrap(), StatusCode::OK).await;
    assert_eq!(named["payload"]["display_name"], "Jenkins");
    let history = app.get_ok(&bob, &format!("/api/v1/chats/{chat}/messages")).await;
    assert_eq!(history["messages"].as_array().unwrap().len(), 2, "{history}");

    // The same validation as POST /messages; nothing stored.
    let messages = app.count("messages").await;
    let refused = post(json!({ "content": "   " })).await.unwrap();
    let problem = expect_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    assert_eq!(field_errors(&problem), vec![("content", FieldCode::TooShort)]);
    let refused = post(json!({ "content": "x", "colour": "red" })).await.unwrap();
    expect_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    assert_eq!(app.count("messages").await, messages);
    let unknown = app
        .client
        .post(format!("{}/api/v1/hooks/nope", app.address))
        .json(&json!({ "content": "x" }))
        .send()
        .await
        .unwrap();
    expect_problem(unknown, StatusCode::NOT_FOUND, ErrorCode::WebhookNotFound).await;

    let id = created["webhook"]["id"].as_i64().unwrap();
    assert_eq!(
        app.call(&ann, Method::DELETE, &format!("/api/v1/webhooks/{id}")).await.status(),
        StatusCode::NO_CONTENT
    );
    let revoked = post(json!({ "content": "after" })).await.unwrap();
    expect_problem(revoked, StatusCode::NOT_FOUND, ErrorCode::WebhookNotFound).await;
}

#[tokio::test]
async fn an_incoming_webhook_is_rate_limited_per_webhook() {
    let app = TestApp::spawn_with(|config| config.webhooks.incoming_per_minute = 2).await;
    let ann = app.register("ann").await;
    let chat = app.group(&ann, &[]).await;
    let path = format!("/api/v1/chats/{chat}/webhooks");
    let created = expect_json(
        app.call_json(&ann, Method::POST, &path, &json!({ "kind": "incoming" })).await,
        StatusCode::CREATED,
    )
    .await;
    let url = created["url"].as_str().unwrap();
    for _ in 0..2 {
        expect_json(app.client.post(url).json(&json!({ "content": "x" })).send().await.unwrap(), StatusCode::OK).await;
    }
    let limited = app.client.post(url).json(&json!({ "content": "x" })).send().await.unwrap();
    assert!(limited.headers().contains_key("retry-after"));
    expect_problem(limited, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;
}

#[tokio::test]
async fn a_slash_command_reaches_its_bot_and_its_answer_appears_in_the_chat_once() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.register("ann").await, app.register("bob").await);
    let chat = app.group(&ann, &[&bob]).await;
    let bot = expect_json(
        app.call_json(
            &ann,
            Method::POST,
            "/api/v1/bots",
            &json!({ "username": "helpdesk", "display_name": "Helpdesk" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let bot_id = bot["bot"]["id"].as_i64().unwrap();
    let added = app
        .call_json(&ann, Method::POST, &format!("/api/v1/chats/{chat}/members"), &json!({ "user_id": bot_id }))
        .await;
    assert!(added.status().is_success());
    let receiver = Receiver::start().await;
    let body = json!({ "kind": "outgoing", "url": receiver.url, "bot_id": bot_id, "commands_only": true });
    let created = expect_json(
        app.call_json(&ann, Method::POST, &format!("/api/v1/chats/{chat}/webhooks"), &body).await,
        StatusCode::CREATED,
    )
    .await;
    receiver.set_secret(created["secret"].as_str().unwrap());
    let commands = format!("/api/v1/chats/{chat}/commands");
    let set = json!({ "bot_id": bot_id, "commands": ["/ticket"] });
    // Only the bot or its owner registers its commands.
    expect_problem(
        app.call_json(&bob, Method::PUT, &commands, &set).await,
        StatusCode::FORBIDDEN,
        ErrorCode::Forbidden,
    )
    .await;
    let bad = app.call_json(&ann, Method::PUT, &commands, &json!({ "bot_id": bot_id, "commands": ["ticket"] })).await;
    expect_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed).await;
    let listed = expect_json(app.call_json(&ann, Method::PUT, &commands, &set).await, StatusCode::OK).await;
    assert_eq!(listed["commands"], json!([{ "command": "/ticket", "bot_id": bot_id }]));
    assert_eq!(app.get_ok(&bob, &commands).await, listed);

    // A 503 posts nothing; the retry's 200 posts the answer once (keyed by the delivery, so a
    // redelivery would replay it rather than post again).
    let answer = Reply { status: 200, body: r#"{"content":"Ticket T-1 filed"}"#.into(), delay: Duration::ZERO };
    receiver.script([Reply::status(503), answer]);
    app.text(&bob, chat, "hello, not a command").await;
    let message = app.text(&bob, chat, "/ticket  printer is down").await;
    let received = receiver.wait_for(2).await;
    let call = received[1].json();
    assert!(received[1].genuine);
    assert_eq!(call["type"], "command");
    assert_eq!(call["command"], "/ticket");
    assert_eq!(call["arguments"], "printer is down");
    assert_eq!(call["caller"]["id"], bob.id);
    assert_eq!((call["chat_id"].as_i64(), call["message_id"].as_i64()), (Some(chat), message["id"].as_i64()));

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let history = app.get_ok(&bob, &format!("/api/v1/chats/{chat}/messages")).await;
        let answers: Vec<_> =
            history["messages"].as_array().unwrap().iter().filter(|message| message["author_id"] == bot_id).collect();
        if !answers.is_empty() {
            assert_eq!(answers.len(), 1);
            assert_eq!(answers[0]["content"], "Ticket T-1 filed");
            break;
        }
        assert!(Instant::now() < deadline, "no answer in the chat: {history}");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    // Only the command was sent (commands_only), never the plain message nor the bot's answer.
    assert_eq!(receiver.received().len(), 2);
}
