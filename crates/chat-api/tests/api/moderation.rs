//! Server roles and the moderation audit log (issue 25): every kick, ban, lifted ban, role change
//! and deletion of someone else's message is listed once, newest first, to server moderators and
//! admins only; the first person to register is an admin, and so is anyone CHAT_ADMIN_USERNAMES
//! names; admins give and take server roles, which is audited too.

use crate::support::{TestApp, TestUser, expect_json, expect_problem};
use chat_domain::ErrorCode;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn audit(app: &TestApp, user: &TestUser, query: &str) -> reqwest::Response {
    app.call(user, Method::GET, &format!("/api/v1/moderation/audit{query}")).await
}

fn actions(page: &Value) -> Vec<(String, Option<i64>)> {
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| (entry["action"].as_str().unwrap().to_owned(), entry["user_id"].as_i64()))
        .collect()
}

async fn set_server_role(app: &TestApp, actor: &TestUser, user: &TestUser, role: Value) -> reqwest::Response {
    let path = format!("/api/v1/moderation/users/{}/role", user.id);
    app.call_json(actor, Method::PUT, &path, &json!({ "role": role })).await
}

#[tokio::test]
async fn every_moderation_action_is_listed_once_for_moderators_only() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await; // the first person: an admin
    let (bob, carol, dave) = (app.register("bob").await, app.register("carol").await, app.register("dave").await);
    let chat = app.group(&ann, &[&bob, &carol, &dave]).await;

    let bobs = app.text(&bob, chat, "spam").await["id"].as_i64().unwrap();
    let own = app.text(&ann, chat, "mine").await["id"].as_i64().unwrap();
    assert_eq!(app.call(&ann, Method::DELETE, &format!("/api/v1/messages/{bobs}")).await.status(), StatusCode::OK);
    assert_eq!(app.call(&ann, Method::DELETE, &format!("/api/v1/messages/{own}")).await.status(), StatusCode::OK);
    app.set_role(&ann, chat, &carol, "admin").await;
    let kick = format!("/api/v1/chats/{chat}/members/{}", dave.id);
    assert_eq!(app.call(&ann, Method::DELETE, &kick).await.status(), StatusCode::NO_CONTENT);
    let leave = format!("/api/v1/chats/{chat}/members/{}", bob.id);
    assert_eq!(app.call(&bob, Method::DELETE, &leave).await.status(), StatusCode::NO_CONTENT);
    let ban = format!("/api/v1/chats/{chat}/bans/{}", dave.id);
    expect_json(app.call_json(&ann, Method::PUT, &ban, &json!({ "reason": "flooding" })).await, StatusCode::OK).await;
    assert_eq!(app.call(&ann, Method::DELETE, &ban).await.status(), StatusCode::NO_CONTENT);

    let page = expect_json(audit(&app, &ann, "").await, StatusCode::OK).await;
    let expected = [
        ("unban", Some(dave.id)),
        ("ban", Some(dave.id)),
        ("kick", Some(dave.id)),
        ("chat_role", Some(carol.id)),
        ("message_delete", Some(bob.id)),
    ];
    let expected: Vec<(String, Option<i64>)> = expected.iter().map(|(a, u)| ((*a).to_owned(), *u)).collect();
    assert_eq!(actions(&page), expected, "own deletes and leaving are not moderation");
    let entries = page["entries"].as_array().unwrap();
    assert!(entries.iter().all(|entry| entry["actor_id"] == ann.id && entry["chat_id"] == chat));
    assert_eq!((entries[1]["reason"].as_str(), entries[3]["reason"].as_str()), (Some("flooding"), Some("admin")));
    assert_eq!(entries[4]["message_id"].as_i64(), Some(bobs));
    assert_eq!(page["next_before"], Value::Null);

    // A page at a time.
    let first = expect_json(audit(&app, &ann, "?limit=2").await, StatusCode::OK).await;
    assert_eq!(actions(&first), expected[..2]);
    let before = first["next_before"].as_i64().unwrap();
    let second = expect_json(audit(&app, &ann, &format!("?limit=2&before={before}")).await, StatusCode::OK).await;
    assert_eq!(actions(&second), expected[2..4]);

    // A member is refused; made a moderator by the admin (audited), they read it, but give no roles.
    expect_problem(audit(&app, &bob, "").await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    assert_eq!(set_server_role(&app, &ann, &bob, json!("moderator")).await.status(), StatusCode::NO_CONTENT);
    let seen = expect_json(audit(&app, &bob, "?limit=1").await, StatusCode::OK).await;
    assert_eq!(actions(&seen), [("server_role".to_owned(), Some(bob.id))]);
    assert_eq!(seen["entries"][0]["reason"], "moderator");
    let by_moderator = set_server_role(&app, &bob, &carol, json!("admin")).await;
    expect_problem(by_moderator, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    assert_eq!(set_server_role(&app, &ann, &bob, Value::Null).await.status(), StatusCode::NO_CONTENT);
    expect_problem(audit(&app, &bob, "").await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
}

#[tokio::test]
async fn an_admin_named_by_the_operator_reads_the_log_and_bad_requests_change_nothing() {
    let app = TestApp::spawn_with(|config| config.admin_usernames = vec!["carol".into()]).await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    expect_json(audit(&app, &carol, "").await, StatusCode::OK).await;
    expect_json(audit(&app, &ann, "").await, StatusCode::OK).await;

    for query in ["?limit=0", "?limit=201", "?before=0", "?before=x"] {
        assert_eq!(audit(&app, &carol, query).await.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
    }
    for body in [json!({ "role": "king" }), json!({}), json!({ "role": "moderator", "extra": 1 })] {
        let response =
            app.call_json(&carol, Method::PUT, &format!("/api/v1/moderation/users/{}/role", bob.id), &body).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let nobody =
        app.call_json(&carol, Method::PUT, "/api/v1/moderation/users/999999/role", &json!({ "role": null })).await;
    expect_problem(nobody, StatusCode::NOT_FOUND, ErrorCode::UserNotFound).await;
    let page = expect_json(audit(&app, &carol, "").await, StatusCode::OK).await;
    assert_eq!(page["entries"], json!([]), "nothing was recorded");
    expect_problem(audit(&app, &bob, "").await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let anonymous = app.request(Method::GET, "/api/v1/moderation/audit").send().await.unwrap();
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}

async fn suspend(app: &TestApp, actor: &TestUser, user: i64, body: &Value) -> reqwest::Response {
    app.call_json(actor, Method::POST, &format!("/api/v1/moderation/users/{user}/suspend"), body).await
}

async fn login(app: &TestApp, username: &str) -> reqwest::Response {
    let credentials = json!({ "username": username, "password": "correct horse battery" });
    app.request(Method::POST, "/api/v1/auth/login").json(&credentials).send().await.unwrap()
}

#[tokio::test]
async fn a_suspension_ends_every_session_on_every_process_within_a_second_and_refuses_login_until_lifted() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await; // the first person: an admin
    let (mia, bob) = (app.register("mia").await, app.register("bob").await);
    assert_eq!(set_server_role(&app, &ann, &mia, json!("moderator")).await.status(), StatusCode::NO_CONTENT);
    let sibling = app.spawn_sibling().await;
    let (bobs_bot, _) = app.bot(&bob, "bobs-bot", None).await;
    let (mut here, _) = app.ws(&bob, None).await;
    let (mut there, _) = sibling.ws(&bob, None).await;

    let started = std::time::Instant::now();
    let body = json!({ "until": null, "reason": "spam in every group" });
    assert_eq!(suspend(&app, &mia, bob.id, &body).await.status(), StatusCode::NO_CONTENT);
    let (code_here, code_there) = tokio::join!(here.close_code(), there.close_code());
    assert_eq!((code_here.0, code_there.0), (Some(4001), Some(4001)), "both sockets closed as unauthorized");
    assert!(started.elapsed() < std::time::Duration::from_secs(1), "closed in {:?}", started.elapsed());
    for server in [&app, &sibling] {
        let me = server.call(&bob, Method::GET, "/api/v1/users/me").await;
        expect_problem(me, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
        let as_bot = server.call(&bobs_bot, Method::GET, "/api/v1/users/me").await;
        assert_eq!(as_bot.status(), StatusCode::UNAUTHORIZED, "their bot is stopped too");
    }
    let refused =
        expect_problem(login(&sibling, "bob").await, StatusCode::FORBIDDEN, ErrorCode::AccountSuspended).await;
    assert!(refused["detail"].as_str().unwrap().contains("until a moderator lifts it"), "{refused}");
    let wrong = json!({ "username": "bob", "password": "not the password" });
    let guess = app.request(Method::POST, "/api/v1/auth/login").json(&wrong).send().await.unwrap();
    expect_problem(guess, StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials).await;

    // A retry of the same suspension records nothing more; lifting it lets Bob in again.
    assert_eq!(suspend(&app, &mia, bob.id, &body).await.status(), StatusCode::NO_CONTENT);
    let lift = format!("/api/v1/moderation/users/{}/unsuspend", bob.id);
    assert_eq!(app.call(&mia, Method::POST, &lift).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.call(&mia, Method::POST, &lift).await.status(), StatusCode::NO_CONTENT, "lifting none");
    expect_json(login(&app, "bob").await, StatusCode::OK).await;
    let page = expect_json(audit(&app, &ann, "").await, StatusCode::OK).await;
    let listed = actions(&page);
    assert_eq!(listed[..2], [("unsuspend".to_owned(), Some(bob.id)), ("suspend".to_owned(), Some(bob.id))]);
    assert_eq!(listed.iter().filter(|(action, _)| action.ends_with("suspend")).count(), 2, "each once");
    assert_eq!(page["entries"][1]["reason"], "spam in every group");
    assert_eq!(page["entries"][1]["actor_id"], mia.id);
}

#[tokio::test]
async fn a_suspension_for_a_time_ends_by_itself() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let until = time::OffsetDateTime::now_utc() + time::Duration::seconds(2);
    let until = until.format(&time::format_description::well_known::Rfc3339).unwrap();
    let body = json!({ "until": until, "reason": "cool off" });
    assert_eq!(suspend(&app, &ann, bob.id, &body).await.status(), StatusCode::NO_CONTENT);
    let refused = expect_problem(login(&app, "bob").await, StatusCode::FORBIDDEN, ErrorCode::AccountSuspended).await;
    assert!(refused["detail"].as_str().unwrap().contains("until 20"), "names the end: {refused}");
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    expect_json(login(&app, "bob").await, StatusCode::OK).await;
}

#[tokio::test]
async fn only_a_higher_server_role_suspends_and_bad_requests_change_nothing() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await; // admin
    let (mia, bob, eve) = (app.register("mia").await, app.register("bob").await, app.register("eve").await);
    assert_eq!(set_server_role(&app, &ann, &mia, json!("moderator")).await.status(), StatusCode::NO_CONTENT);
    let body = json!({ "until": null, "reason": "abuse" });

    let by_plain_user = suspend(&app, &eve, bob.id, &body).await;
    expect_problem(by_plain_user, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let of_an_unknown_user_by_a_plain_user = suspend(&app, &eve, 999_999, &body).await;
    expect_problem(of_an_unknown_user_by_a_plain_user, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let of_an_admin = suspend(&app, &mia, ann.id, &body).await;
    expect_problem(of_an_admin, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let of_themself = suspend(&app, &mia, mia.id, &body).await;
    expect_problem(of_themself, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let lift = app.call(&eve, Method::POST, &format!("/api/v1/moderation/users/{}/unsuspend", bob.id)).await;
    expect_problem(lift, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    expect_problem(suspend(&app, &mia, 999_999, &body).await, StatusCode::NOT_FOUND, ErrorCode::UserNotFound).await;

    let past = json!({ "until": "2020-01-01T00:00:00Z", "reason": "abuse" });
    expect_problem(
        suspend(&app, &mia, bob.id, &past).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    let no_reason = json!({ "until": null, "reason": " " });
    expect_problem(
        suspend(&app, &mia, bob.id, &no_reason).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    let no_until = json!({ "reason": "abuse" });
    expect_problem(
        suspend(&app, &mia, bob.id, &no_until).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    let path = format!("/api/v1/moderation/users/{}/suspend", bob.id);
    let not_json = app.as_user(&mia, Method::POST, &path).body("until=never").send().await.unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);

    // Nothing happened: Bob still works, and the log holds only Mia's role.
    app.get_ok(&bob, "/api/v1/users/me").await;
    expect_json(login(&app, "bob").await, StatusCode::OK).await;
    let page = expect_json(audit(&app, &ann, "").await, StatusCode::OK).await;
    assert_eq!(actions(&page), [("server_role".to_owned(), Some(mia.id))]);
    // An admin suspends a moderator.
    assert_eq!(suspend(&app, &ann, mia.id, &body).await.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_server_moderator_deletes_any_message_and_its_tombstone_says_who_and_why() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await; // admin
    let (mia, bob, carol, eve) =
        (app.register("mia").await, app.register("bob").await, app.register("carol").await, app.register("eve").await);
    assert_eq!(set_server_role(&app, &ann, &mia, json!("moderator")).await.status(), StatusCode::NO_CONTENT);
    let chat = app.group(&bob, &[&carol]).await; // Mia is not in it
    let spam = app.text(&bob, chat, "buy now").await["id"].as_i64().unwrap();
    let (mut carols_socket, _) = app.ws(&carol, None).await;

    let by_stranger = app.call(&eve, Method::DELETE, &format!("/api/v1/messages/{spam}")).await;
    expect_problem(by_stranger, StatusCode::NOT_FOUND, ErrorCode::MessageNotFound).await;
    let too_long = format!("/api/v1/messages/{spam}?reason={}", "x".repeat(501));
    expect_problem(
        app.call(&mia, Method::DELETE, &too_long).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    let by_member = app.call(&carol, Method::DELETE, &format!("/api/v1/messages/{spam}")).await;
    expect_problem(by_member, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let unknown = app.call(&mia, Method::DELETE, "/api/v1/messages/999999999").await;
    expect_problem(unknown, StatusCode::NOT_FOUND, ErrorCode::MessageNotFound).await;
    assert_eq!(app.get_ok(&carol, &format!("/api/v1/messages/{spam}")).await["content"], "buy now", "still there");

    let path = format!("/api/v1/messages/{spam}?reason=spam%20link");
    let tombstone = expect_json(app.call(&mia, Method::DELETE, &path).await, StatusCode::OK).await;
    assert_eq!((&tombstone["is_deleted"], &tombstone["content"]), (&json!(true), &Value::Null));
    assert_eq!(
        (tombstone["deleted_by"].as_i64(), tombstone["deletion_reason"].as_str()),
        (Some(mia.id), Some("spam link"))
    );
    let again = expect_json(app.call(&mia, Method::DELETE, &path).await, StatusCode::OK).await;
    assert_eq!(again, tombstone, "deleting again answers the same tombstone");
    let frame = carols_socket.next_event_of("message.deleted").await;
    assert_eq!(frame["data"], tombstone, "the event carries who and why");
    let history = app.get_ok(&carol, &format!("/api/v1/chats/{chat}/messages")).await;
    assert_eq!(history["messages"][0], tombstone, "and so does history");

    // The author's own delete says who, no why, and is no moderation.
    let own = app.text(&bob, chat, "oops").await["id"].as_i64().unwrap();
    let gone =
        expect_json(app.call(&bob, Method::DELETE, &format!("/api/v1/messages/{own}")).await, StatusCode::OK).await;
    assert_eq!((gone["deleted_by"].as_i64(), gone.get("deletion_reason")), (Some(bob.id), None));
    let page = expect_json(audit(&app, &ann, "").await, StatusCode::OK).await;
    assert_eq!(actions(&page)[0], ("message_delete".to_owned(), Some(bob.id)));
    let entry = &page["entries"][0];
    assert_eq!((entry["actor_id"].as_i64(), entry["message_id"].as_i64()), (Some(mia.id), Some(spam)));
    assert_eq!((entry["chat_id"].as_i64(), entry["reason"].as_str()), (Some(chat), Some("spam link")));
    assert_eq!(actions(&page).iter().filter(|(action, _)| action == "message_delete").count(), 1);

    // A moderator who is a plain member of the chat, refused as a member, deletes as a moderator.
    let shared = app.group(&bob, &[&mia]).await;
    let more = app.text(&bob, shared, "more spam").await["id"].as_i64().unwrap();
    let gone =
        expect_json(app.call(&mia, Method::DELETE, &format!("/api/v1/messages/{more}")).await, StatusCode::OK).await;
    assert_eq!(gone["deleted_by"].as_i64(), Some(mia.id));
}
