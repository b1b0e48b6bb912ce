//! A page of messages costs the same number of queries whatever its size: no lazy loading.

use crate::support::{group, post, post_in_thread, store, user};
use chat_domain::{MessageId, MessageStatus};
use chat_store::{Cursor, Seen, Store, ThreadReplies};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

async fn react_to_everything(db_url: &str, users: &[chat_domain::UserId]) {
    let mut conn = AsyncPgConnection::establish(db_url).await.unwrap();
    for (index, user) in users.iter().enumerate() {
        let emoji = ["👍", "🎉", "❤️"][index % 3];
        diesel::sql_query(format!(
            "INSERT INTO reactions (message_id, user_id, emoji) SELECT id, {user}, '{emoji}' FROM messages"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
}

async fn queries_for_page(store: &Store, chat: chat_domain::ChatId, viewer: chat_domain::UserId, limit: u32) -> u64 {
    let before = store.queries_run();
    let page =
        store.history(&mut Seen::nothing(), chat, viewer, Cursor::Latest, limit, ThreadReplies::Exclude).await.unwrap();
    assert_eq!(page.messages.len(), limit as usize);
    assert!(page.messages.iter().all(|message| message.reactions.len() == 3));
    assert!(page.messages.iter().all(|message| message.thread.as_ref().is_some_and(|t| t.reply_count >= 2)));
    store.queries_run() - before
}

async fn queries_for_thread(store: &Store, root: MessageId, viewer: chat_domain::UserId, limit: u32) -> u64 {
    let before = store.queries_run();
    let page = store.thread(&mut Seen::nothing(), root, viewer, Cursor::Latest, limit).await.unwrap();
    assert_eq!(page.messages.len(), limit as usize);
    assert_eq!(page.root.thread.as_ref().map(|thread| thread.reply_count), Some(40));
    assert!(page.messages.iter().all(|message| message.reactions.len() == 3 && message.thread_root_id == Some(root)));
    store.queries_run() - before
}

#[tokio::test]
async fn a_page_costs_a_fixed_number_of_queries_whatever_its_size() {
    let (db, store) = store().await;
    let ann = user(&store, "ann").await;
    let bob = user(&store, "bob").await;
    let cat = user(&store, "cat").await;
    let chat = group(&store, ann, &[bob, cat]).await;
    for n in 0..50 {
        let root = post(&store, if n % 2 == 0 { ann } else { bob }, chat, &format!("message {n}")).await;
        for reply in 0..2 {
            post_in_thread(&store, [bob, cat][reply], chat, Some(root.id), &format!("reply {n}.{reply}")).await;
        }
    }
    let busy = post(&store, ann, chat, "a busy thread").await;
    for n in 0..40 {
        post_in_thread(&store, [ann, bob, cat][n % 3], chat, Some(busy.id), &format!("busy {n}")).await;
    }
    react_to_everything(db.url(), &[ann, bob, cat]).await;

    let for_one = queries_for_page(&store, chat, ann, 1).await;
    let for_fifty = queries_for_page(&store, chat, ann, 50).await;
    assert_eq!(for_one, for_fifty, "a page of 50 must cost what a page of 1 costs");
    assert!((3..=6).contains(&for_fifty), "a page costs {for_fifty} queries");
    let (thread_of_one, thread_of_forty) =
        (queries_for_thread(&store, busy.id, bob, 1).await, queries_for_thread(&store, busy.id, bob, 40).await);
    assert_eq!(thread_of_one, thread_of_forty, "a thread page of 40 must cost what a page of 1 costs");
    assert!(thread_of_forty <= 6, "a thread page costs {thread_of_forty} queries");

    let page =
        store.history(&mut Seen::nothing(), chat, ann, Cursor::Latest, 50, ThreadReplies::Include).await.unwrap();
    assert!(page.messages[10..].iter().all(|message| message.thread_root_id == Some(busy.id)));
    let first = &page.messages[0];
    assert_eq!(first.reactions.iter().map(|r| r.emoji.as_str()).collect::<Vec<_>>(), ["👍", "🎉", "❤️"]);
    assert_eq!(first.status, MessageStatus::Delivered);
}

/// Posts a file message by `author` carrying `count` fresh uploads of theirs (their metadata
/// only: the store never sees bytes).
async fn post_files(store: &Store, author: chat_domain::UserId, chat: chat_domain::ChatId, count: usize) {
    let mut ids = Vec::new();
    for n in 0..count {
        let id = chat_domain::UploadId(uuid::Uuid::from_u128(rand_u128(n)));
        store.begin_upload(id, author, &format!("file {n}.pdf"), None).await.unwrap();
        let upload = chat_domain::Upload {
            id,
            name: format!("file {n}.pdf"),
            size: 1000 + n as u64,
            content_type: "application/pdf".into(),
            sha256: "ab".repeat(32),
            width: None,
            height: None,
        };
        store.finish_upload(&upload).await.unwrap();
        ids.push(id);
    }
    let draft = chat_domain::MessageDraft::carrying(chat, chat_domain::MessageKind::File, &ids);
    let posted = store.create_message(author, &draft.validate().unwrap(), None).await.unwrap().message;
    assert_eq!(posted.attachments.len(), count);
}

fn rand_u128(n: usize) -> u128 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    nanos.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(n as u128)
}

#[tokio::test]
async fn a_page_of_files_costs_a_fixed_number_of_queries_whatever_its_size() {
    let (_db, store) = store().await;
    let ann = user(&store, "ann").await;
    let chat = group(&store, ann, &[]).await;
    for n in 0..30 {
        post_files(&store, ann, chat, 1 + n % 3).await;
    }
    let queries = |limit: u32| {
        let store = &store;
        async move {
            let before = store.queries_run();
            let page = store
                .history(&mut Seen::nothing(), chat, ann, Cursor::Latest, limit, ThreadReplies::Include)
                .await
                .unwrap();
            assert_eq!(page.messages.len(), limit as usize);
            assert!(page.messages.iter().all(|message| !message.attachments.is_empty()));
            store.queries_run() - before
        }
    };
    queries(30).await; // moves ann's delivery marker once, so no later page writes
    let (for_one, for_thirty) = (queries(1).await, queries(30).await);
    assert_eq!(for_one, for_thirty, "a page of 30 file messages must cost what a page of 1 costs");
    assert!(for_thirty <= 7, "a page of files costs {for_thirty} queries");
}

#[tokio::test]
async fn the_chat_list_costs_a_fixed_number_of_queries_whatever_its_length() {
    let (_db, store) = store().await;
    let ann = user(&store, "ann").await;
    let bob = user(&store, "bob").await;
    for n in 0..12 {
        let chat = group(&store, ann, &[bob]).await;
        post(&store, bob, chat, &format!("last words {n}")).await;
    }
    let queries_for = |limit: u32| {
        let store = store.clone();
        async move {
            let before = store.queries_run();
            let page =
                store.chats_of(&mut Seen::nothing(), ann, &chat_domain::ChatScope::Every, None, limit).await.unwrap();
            assert_eq!(page.chats.len(), limit as usize);
            assert!(page.chats.iter().all(|chat| chat.last_message.is_some() && chat.unread_count == 1));
            store.queries_run() - before
        }
    };
    let (for_one, for_twelve) = (queries_for(1).await, queries_for(12).await);
    assert_eq!(for_one, for_twelve, "a list of 12 must cost what a list of 1 costs");
    assert!(for_twelve <= 5, "the chat list costs {for_twelve} queries");
}
