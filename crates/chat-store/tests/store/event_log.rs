//! The event log: sequencing after commit, per-user reads, and retention.

use crate::support::{group, post, store, user};
use chat_store::Replay;
use std::time::Duration;

#[tokio::test]
async fn events_get_gapless_seqs_only_when_published() {
    let (_db, store) = store().await;
    let (ann, bob) = (user(&store, "ann").await, user(&store, "bob").await);
    let chat = group(&store, ann, &[bob]).await;
    post(&store, ann, chat, "one").await;
    assert_eq!(store.event_head().await.unwrap(), 0, "nothing is visible before publishing");
    let published = store.publish_pending(500).await.unwrap();
    assert_eq!(published.iter().map(|event| event.envelope.seq).collect::<Vec<_>>(), [1, 2]);
    assert!(store.publish_pending(500).await.unwrap().is_empty());
    let events = store.events_after(0, 10).await.unwrap();
    let seqs: Vec<i64> = events.iter().map(|event| event.envelope.seq).collect();
    assert_eq!(seqs, [1, 2]);
    assert_eq!(events[1].envelope.kind.as_str(), "message.created");
    assert_eq!(events[1].data, published[1].data, "the publisher hands out what readers read");
    assert_eq!(store.event_head().await.unwrap(), 2);
}

#[tokio::test]
async fn a_user_reads_only_the_events_of_their_chats() {
    let (_db, store) = store().await;
    let (ann, bob, eve) = (user(&store, "ann").await, user(&store, "bob").await, user(&store, "eve").await);
    let chat = group(&store, ann, &[bob]).await;
    post(&store, ann, chat, "for members").await;
    store.publish_pending(500).await.unwrap();
    let mut bobs = store.subscription_at(bob, 0).await.unwrap();
    let Replay::Events(for_bob) = store.events_for(&mut bobs, i64::MAX, 100).await.unwrap() else { panic!("resync") };
    assert_eq!(for_bob.len(), 2);
    let mut eves = store.subscription_at(eve, 0).await.unwrap();
    let Replay::Events(for_eve) = store.events_for(&mut eves, i64::MAX, 100).await.unwrap() else { panic!("resync") };
    assert!(for_eve.is_empty());
    assert_eq!(eves.position(), 2, "a reader with nothing to see still moves past what it scanned");
}

#[tokio::test]
async fn pruned_events_make_older_readers_resync() {
    let (_db, store) = store().await;
    let ann = user(&store, "ann").await;
    let chat = group(&store, ann, &[]).await;
    post(&store, ann, chat, "old").await;
    store.publish_pending(500).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(store.prune_events(Duration::from_millis(1)).await.unwrap(), 2);
    let mut behind = store.subscription_at(ann, 0).await.unwrap();
    assert!(matches!(store.events_for(&mut behind, i64::MAX, 100).await.unwrap(), Replay::ResyncRequired { .. }));
    let mut after_pruning = store.subscription_at(ann, 2).await.unwrap();
    let read = store.events_for(&mut after_pruning, i64::MAX, 100).await.unwrap();
    assert!(matches!(read, Replay::Events(events) if events.is_empty()));
}
