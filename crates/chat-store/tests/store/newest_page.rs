//! `Store::newest_page`'s check, one condition at a time: with no server running, nothing
//! publishes events or receipts unless the test does, so each change is seen by the one condition
//! it is meant to meet (an unsequenced event, a sequenced one, dirty receipts, pruning).

use crate::support::{group, post, store, user};
use chat_domain::{ChatId, Emoji, MessagePatch, Role, UserId};
use chat_store::{Cursor, NewestPage, PageStamp, Seen, Store, StoreError, ThreadReplies};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::time::Duration;

async fn newest(store: &Store, chat: ChatId, viewer: UserId, kept: Option<PageStamp>) -> NewestPage {
    let mut seen = Seen::nothing();
    store.newest_page(&mut seen, chat, viewer, 20, ThreadReplies::Include, kept).await.unwrap()
}

/// Publishes every event and every dirty chat's receipts (which may write events of their own).
async fn settle(store: &Store) {
    loop {
        while !store.publish_pending(100).await.unwrap().is_empty() {}
        if store.publish_receipts().await.unwrap() == 0 {
            return;
        }
    }
}

/// The stamp of a page the store then calls unchanged: read until it does (a read moves the
/// reader's delivery marker once), everything settled in between.
async fn held(store: &Store, chat: ChatId, viewer: UserId) -> PageStamp {
    let mut kept = None;
    for _ in 0..5 {
        settle(store).await;
        match newest(store, chat, viewer, kept).await {
            NewestPage::Read { stamp, .. } => kept = stamp,
            NewestPage::Unchanged => return kept.unwrap(),
        }
    }
    panic!("a page that nothing changes was never called unchanged");
}

fn is_read(answer: &NewestPage) -> bool {
    matches!(answer, NewestPage::Read { .. })
}

#[tokio::test]
async fn a_kept_page_holds_until_its_chat_changes_by_each_condition_of_the_check() {
    let (db, store) = store().await;
    let (ann, bob, carol) = (user(&store, "ann").await, user(&store, "bob").await, user(&store, "carol").await);
    let chat = group(&store, ann, &[bob, carol]).await;
    let message = post(&store, ann, chat, "hello").await;

    // A held page costs one statement (the reader's marker is where the page ends: no write).
    let kept = held(&store, chat, bob).await;
    let before = store.queries_run();
    assert!(!is_read(&newest(&store, chat, bob, Some(kept)).await));
    assert_eq!(store.queries_run() - before, 1, "a held page costs one statement");

    // An event not yet sequenced, then the same event sequenced past the kept head.
    let kept = held(&store, chat, bob).await;
    let patch = MessagePatch { content: Some("hello, edited".into()), payload: None };
    store.edit_message(message.id, ann, patch).await.unwrap();
    assert!(is_read(&newest(&store, chat, bob, Some(kept)).await), "an unsequenced event");
    settle(&store).await;
    assert!(is_read(&newest(&store, chat, bob, Some(kept)).await), "an event sequenced after the head");

    let kept = held(&store, chat, bob).await;
    store.add_reaction(message.id, carol, &Emoji::try_from("👍".to_owned()).unwrap()).await.unwrap();
    settle(&store).await;
    assert!(is_read(&newest(&store, chat, bob, Some(kept)).await), "a reaction, published");

    // A delivery marker moved: no event until the receipt publisher has been round.
    let kept = held(&store, chat, bob).await;
    store.mark_delivered(carol, &[(chat, message.id)]).await.unwrap();
    assert!(is_read(&newest(&store, chat, bob, Some(kept)).await), "receipts dirty");

    // Another chat's changes leave it held; pruning their events, past the kept head, does not:
    // pruned events could have hidden a change of this chat.
    let kept = held(&store, chat, bob).await;
    let other = group(&store, ann, &[carol]).await;
    post(&store, ann, other, "elsewhere").await;
    settle(&store).await;
    assert!(!is_read(&newest(&store, chat, bob, Some(kept)).await), "another chat's change");
    store.prune_events(Duration::ZERO).await.unwrap();
    assert!(is_read(&newest(&store, chat, bob, Some(kept)).await), "pruned past the kept head");

    // A log gone back (a restore): a head behind the kept one.
    let kept = held(&store, chat, bob).await;
    let mut operator = AsyncPgConnection::establish(db.url()).await.unwrap();
    diesel::sql_query("UPDATE event_head SET seq = seq - 1").execute(&mut operator).await.unwrap();
    assert!(is_read(&newest(&store, chat, bob, Some(kept)).await), "a head gone back");
    diesel::sql_query("UPDATE event_head SET seq = seq + 1").execute(&mut operator).await.unwrap();

    // A failover or a restore: every connection of the store cut. The first statements after it
    // may answer 503, as a request would; or the pool finds them closed and opens new ones.
    let kept = held(&store, chat, bob).await;
    let cut = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()";
    diesel::sql_query(cut).execute(&mut operator).await.unwrap();
    let mut seen = Seen::nothing();
    let mut answer = None;
    for _ in 0..50 {
        match store.newest_page(&mut seen, chat, bob, 20, ThreadReplies::Include, Some(kept)).await {
            Ok(found) => {
                answer = Some(found);
                break;
            }
            Err(StoreError::Unavailable(_)) => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(error) => panic!("{error}"),
        }
    }
    assert!(is_read(&answer.expect("the database came back")), "a page kept from before the connections were cut");
}

/// Each message's delivery status, as the page shows it.
fn deliveries(messages: &[chat_domain::Message]) -> Vec<String> {
    messages.iter().map(|message| format!("{:?}", message.delivery)).collect()
}

#[tokio::test]
async fn a_page_read_while_its_receipts_were_being_published_is_never_answered_as_kept() {
    let (_db, store) = store().await;
    let (ann, bob, carol) = (user(&store, "ann").await, user(&store, "bob").await, user(&store, "carol").await);
    let chat = group(&store, ann, &[bob]).await;
    post(&store, ann, chat, "hello").await;
    held(&store, chat, bob).await; // bob has it: ann's message is delivered

    // Carol joins: for a moment the two lowest markers are ann's and hers, and her first page
    // shows ann's message as sent. Her read delivers it, which brings the two lowest back to
    // what the receipt publisher last sent (ann's and bob's), so it sends nothing.
    store.add_member(chat, ann, carol, Role::Member).await.unwrap();
    while !store.publish_pending(100).await.unwrap().is_empty() {}
    let NewestPage::Read { page: carols, stamp } = newest(&store, chat, carol, None).await else {
        panic!("nothing was kept");
    };
    settle(&store).await;
    let now = store.history(&mut Seen::nothing(), chat, bob, Cursor::Latest, 20, ThreadReplies::Include).await.unwrap();
    assert_ne!(deliveries(&carols.messages), deliveries(&now.messages), "carol's delivery changed the page");

    let answered = match newest(&store, chat, bob, stamp).await {
        NewestPage::Unchanged => carols.messages,
        NewestPage::Read { page, .. } => page.messages,
    };
    assert_eq!(deliveries(&answered), deliveries(&now.messages), "a kept page is the page as it is");
}
