//! The server's real answers and frames decode into chat-domain's types, so another Rust service
//! can read them without hand-written mirrors.

use crate::support::{TestApp, expect_json, reaction_path};
use chat_domain::{
    ChatList, ChatMember, ChatSummary, ControlFrame, EditList, ErrorCode, Event, EventFeed, EventKind, FieldCode,
    HistoryPage, MemberList, Message, Problem, ReadState, ServerFrame, Session, ThreadPage, User,
};
use reqwest::{Method, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::json;
use std::collections::BTreeSet;

async fn decode<T: DeserializeOwned>(response: Response, status: StatusCode) -> T {
    let body = expect_json(response, status).await;
    serde_json::from_value(body.clone()).unwrap_or_else(|error| panic!("{error}: {body}"))
}

#[tokio::test]
async fn every_answer_decodes_into_its_domain_type() {
    let app = TestApp::spawn().await;
    let body = json!({ "username": "decoded", "password": "correct horse battery" });
    let session: Session = decode(
        app.request(Method::POST, "/api/v1/auth/register").json(&body).send().await.unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let ann = app.register("ann").await;
    let me: User = decode(app.call(&ann, Method::GET, "/api/v1/users/me").await, StatusCode::OK).await;
    assert_eq!(me.id.0, ann.id);
    assert_eq!(session.user.username, "decoded");

    let draft = json!({ "kind": "group", "title": "wire", "member_ids": [session.user.id] });
    let chat: ChatSummary =
        decode(app.call_json(&ann, Method::POST, "/api/v1/chats", &draft).await, StatusCode::CREATED).await;
    let chat_id = chat.chat.id.0;
    let list: ChatList = decode(app.call(&ann, Method::GET, "/api/v1/chats").await, StatusCode::OK).await;
    assert_eq!(list.chats[0].chat.id, chat.chat.id);
    let members: MemberList =
        decode(app.call(&ann, Method::GET, &format!("/api/v1/chats/{chat_id}/members")).await, StatusCode::OK).await;
    assert_eq!(members.members.len(), 2);
    let bob = app.register("bob").await;
    let added: ChatMember = decode(
        app.call_json(&ann, Method::POST, &format!("/api/v1/chats/{chat_id}/members"), &json!({ "user_id": bob.id }))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(added.user_id.0, bob.id);

    let post = json!({ "chat_id": chat_id, "content": "привет \"wire\"" });
    let message: Message =
        decode(app.call_json(&ann, Method::POST, "/api/v1/messages", &post).await, StatusCode::OK).await;
    let path = format!("/api/v1/messages/{}", message.id);
    let edited: Message =
        decode(app.call_json(&ann, Method::PATCH, &path, &json!({ "content": "edited" })).await, StatusCode::OK).await;
    assert_eq!(edited.content.as_deref(), Some("edited"));
    let edits: EditList = decode(app.call(&ann, Method::GET, &format!("{path}/edits")).await, StatusCode::OK).await;
    assert_eq!(edits.edits[0].content.as_deref(), Some("привет \"wire\""));
    let reacted: Message =
        decode(app.call(&bob, Method::PUT, &reaction_path(message.id.0, "👍")).await, StatusCode::OK).await;
    assert_eq!(reacted.reactions[0].emoji.as_str(), "👍");
    let page: HistoryPage =
        decode(app.call(&bob, Method::GET, &format!("/api/v1/chats/{chat_id}/messages")).await, StatusCode::OK).await;
    assert_eq!(page.messages, vec![reacted]);
    let read: ReadState = decode(
        app.call_json(
            &bob,
            Method::POST,
            &format!("/api/v1/chats/{chat_id}/read"),
            &json!({ "message_id": message.id }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read.unread_count, 0);
    let reply = json!({ "chat_id": chat_id, "content": "in a thread", "thread_root_id": message.id });
    let reply: Message =
        decode(app.call_json(&bob, Method::POST, "/api/v1/messages", &reply).await, StatusCode::OK).await;
    let thread: ThreadPage = decode(app.call(&ann, Method::GET, &format!("{path}/thread")).await, StatusCode::OK).await;
    assert_eq!((thread.root.id, thread.messages), (message.id, vec![reply]));
    assert_eq!(thread.root.thread.map(|summary| summary.reply_count), Some(1));

    let refused: Problem = decode(
        app.call_json(&ann, Method::POST, "/api/v1/messages", &json!({ "chat_id": chat_id })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(refused.code, ErrorCode::ValidationFailed);
    assert_eq!(refused.errors.unwrap().0[0].code, FieldCode::Required);
    let outsider = app.register("outsider").await;
    let forbidden: Problem =
        decode(app.call_json(&outsider, Method::POST, "/api/v1/messages", &post).await, StatusCode::FORBIDDEN).await;
    assert_eq!(forbidden.code, ErrorCode::NotAMember);
}

#[tokio::test]
async fn every_frame_decodes_into_server_frame_and_every_event_kind_is_seen() {
    let app = TestApp::spawn().await;
    let (ann, bob, carol) = (app.register("ann").await, app.register("bob").await, app.register("carol").await);
    let (mut socket, _) = app.ws(&ann, None).await;
    let chat = app.group(&ann, &[&bob]).await;
    let message = app.text(&ann, chat, "hello").await["id"].as_i64().unwrap();
    app.call_json(&ann, Method::PATCH, &format!("/api/v1/messages/{message}"), &json!({ "content": "hello!" })).await;
    app.call(&bob, Method::PUT, &reaction_path(message, "🎉")).await;
    app.call(&bob, Method::DELETE, &reaction_path(message, "🎉")).await;
    app.call_json(&bob, Method::POST, &format!("/api/v1/chats/{chat}/read"), &json!({ "message_id": message })).await;
    app.call_json(&ann, Method::PATCH, &format!("/api/v1/chats/{chat}"), &json!({ "title": "renamed" })).await;
    app.call_json(&ann, Method::POST, &format!("/api/v1/chats/{chat}/members"), &json!({ "user_id": carol.id })).await;
    app.text(&ann, chat, "welcome @carol").await;
    let reply = json!({ "chat_id": chat, "content": "a side note", "thread_root_id": message });
    expect_json(app.post_message(&bob, &reply).await, StatusCode::OK).await;
    app.set_role(&ann, chat, &carol, "admin").await;
    app.call(&ann, Method::DELETE, &format!("/api/v1/chats/{chat}/members/{}", carol.id)).await;
    app.call(&ann, Method::DELETE, &format!("/api/v1/messages/{message}")).await;
    socket.send_json(&json!({ "type": "wave" })).await;

    let mut kinds = BTreeSet::new();
    let mut last_seq = 0;
    while kinds.len() < EventKind::ALL.len() {
        let frame = socket.next_json_or_receipt().await;
        match serde_json::from_value::<ServerFrame>(frame.clone()).unwrap_or_else(|error| panic!("{error}: {frame}")) {
            ServerFrame::Event(stored) => {
                if let Event::MessageDeleted(tombstone) = &stored.event {
                    assert!(tombstone.is_deleted);
                }
                if let Event::ThreadUpdated(change) = &stored.event {
                    assert_eq!((change.message_id.0, change.thread.reply_count), (message, 1));
                    assert_eq!(change.thread.participant_ids, [chat_domain::UserId(bob.id)]);
                }
                last_seq = last_seq.max(stored.seq);
                kinds.insert(stored.event.kind().as_str());
            }
            ServerFrame::Control(ControlFrame::Error { code, .. }) => assert_eq!(code, ErrorCode::InvalidFrame),
            other => panic!("unexpected frame {other:?}"),
        }
    }
    let feed: EventFeed = decode(app.call(&ann, Method::GET, "/api/v1/events?since=0").await, StatusCode::OK).await;
    assert_eq!(feed.next_since, last_seq);
    let extra = "every kind, and the welcome's and the thread reply's message.created";
    assert_eq!(feed.events.len(), EventKind::ALL.len() + 2, "{extra}");
}
