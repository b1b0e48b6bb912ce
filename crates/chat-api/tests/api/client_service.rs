//! A service on chat-client keeps working through server restarts: its event stream resumes
//! where it was (nothing missed, nothing twice), and the example bot answers commands.

use crate::client::{next_event, signed_up};
use crate::support::{ServerProcess, TestApp};
use chat_domain::{ChatDraft, ChatKind, Event, UserId};
use chat_test_db::TestDatabase;

#[allow(dead_code)] // its `main` runs only as the example
#[path = "../../../chat-client/examples/command_bot.rs"]
mod command_bot;

/// The text of a `message.created` event.
fn created_text(event: Event) -> String {
    match event {
        Event::MessageCreated(message) => message.content.unwrap_or_default(),
        other => panic!("expected message.created, got {other:?}"),
    }
}

#[tokio::test]
async fn the_event_stream_resumes_across_a_killed_and_restarted_server() {
    let db = TestDatabase::new().await;
    let server = ServerProcess::start(db.url(), 0).await;
    let (port, address) = (server.port, server.address.clone());
    let ann = signed_up(&address, "ann").await;
    let bob = signed_up(&address, "bob").await;
    let draft =
        ChatDraft { kind: ChatKind::Group, title: Some("Team".into()), member_ids: vec![bob.me().await.unwrap().id] };
    let chat = ann.create_chat(&draft).await.unwrap().chat;
    let mut events = bob.event_stream(Some(0.into()));
    assert!(matches!(next_event(&mut events).await.event, Event::ChatCreated(_)));
    ann.post_text(chat.id, "before").await.unwrap();
    assert_eq!(created_text(next_event(&mut events).await.event), "before");

    server.stop("KILL").await;
    let server = ServerProcess::start(db.url(), port).await;
    for n in 0..3 {
        ann.post_text(chat.id, &format!("after {n}")).await.unwrap();
    }
    for n in 0..3 {
        assert_eq!(created_text(next_event(&mut events).await.event), format!("after {n}"));
    }
    // Nothing was passed on twice: the next event is the next post.
    ann.post_text(chat.id, "last").await.unwrap();
    assert_eq!(created_text(next_event(&mut events).await.event), "last");
    drop(server);
}

#[tokio::test]
async fn the_example_bot_answers_commands_once_each() {
    let app = TestApp::spawn().await;
    let bot = signed_up(&app.address, "bot").await;
    let bot_id: UserId = bot.me().await.unwrap().id;
    let serving = tokio::spawn(async move { command_bot::serve(&bot, bot_id, Some(0.into())).await });
    let ann = signed_up(&app.address, "ann").await;
    let mut events = ann.event_stream(None);
    let draft = ChatDraft { kind: ChatKind::Group, title: Some("Bots".into()), member_ids: vec![bot_id] };
    let chat = ann.create_chat(&draft).await.unwrap().chat;
    assert!(matches!(next_event(&mut events).await.event, Event::ChatCreated(_)));

    // From seq 0: however late the bot's stream connects, it hears every command.
    let ping = ann.post_text(chat.id, "/ping").await.unwrap();
    ann.post_text(chat.id, "just talking").await.unwrap();
    ann.post_text(chat.id, "/echo привет").await.unwrap();
    let mut answers = Vec::new();
    while answers.len() < 2 {
        if let Event::MessageCreated(message) = next_event(&mut events).await.event
            && message.author_id == bot_id
        {
            answers.push((message.content.unwrap_or_default(), message.reply_to_id));
        }
    }
    assert_eq!(answers[0], ("pong".to_owned(), Some(ping.id)));
    assert_eq!(answers[1].0, "привет");
    assert!(!serving.is_finished());
}
