//! A service built on chat-client: a bot that answers commands in every chat it is in.
//! `/ping` gets `pong`, `/echo <text>` gets the text back, each as a reply to the command.
//! It follows its events across reconnects and server restarts, and its answers are created
//! exactly once even when a post is retried.
//!
//! `CHAT_URL=http://127.0.0.1:8000 CHAT_BOT_USERNAME=bot CHAT_BOT_PASSWORD=... cargo run -p chat-client --example command_bot`
#![allow(clippy::print_stdout)]

use chat_client::{Client, ClientResult, StreamItem};
use chat_domain::{Credentials, ErrorCode, Event, Message, MessageDraft, Since, UserId};
use futures_util::StreamExt as _;

/// The bot's answer to `message`, if it is a command.
pub fn answer(message: &Message) -> Option<String> {
    let text = message.content.as_deref()?.trim();
    match text.split_once(' ').unwrap_or((text, "")) {
        ("/ping", _) => Some("pong".into()),
        ("/echo", rest) if !rest.trim().is_empty() => Some(rest.trim().into()),
        _ => None,
    }
}

/// Answers commands from others in the chats `client`'s user is in, until the stream ends:
/// those after `since` (the resume token of the last event the bot handled), or from now.
pub async fn serve(client: &Client, me: UserId, since: Option<Since>) -> ClientResult<()> {
    let mut events = client.event_stream(since);
    while let Some(item) = events.next().await {
        let StreamItem::Event(stored) = item? else { continue };
        let Event::MessageCreated(message) = stored.event else { continue };
        if message.author_id == me {
            continue;
        }
        if let Some(text) = answer(&message) {
            let reply = MessageDraft {
                reply_to_id: Some(message.id),
                // A command posted in a thread is answered in that thread.
                thread_root_id: message.thread_root_id,
                ..MessageDraft::text(message.chat_id, text)
            };
            client.post_message(&reply).await?;
        }
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ClientResult<()> {
    let setting = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let anonymous = Client::new(&setting("CHAT_URL", "http://127.0.0.1:8000"));
    let credentials = Credentials {
        username: setting("CHAT_BOT_USERNAME", "bot"),
        password: setting("CHAT_BOT_PASSWORD", "bot password, change me"),
        display_name: Some("Command bot".into()),
    };
    let session = match anonymous.login(&credentials).await {
        Err(error) if error.code() == Some(ErrorCode::InvalidCredentials) => anonymous.register(&credentials).await?,
        other => other?,
    };
    println!("answering commands as {} ({})", session.user.username, session.user.id);
    let client = anonymous.with_token(session.token);
    serve(&client, session.user.id, None).await
}
