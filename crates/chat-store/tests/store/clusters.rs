//! A deployment of several clusters (`Clusters`): each chat is created on the cluster that holds
//! its shard and found there by its id, and by its messages' ids; keyed and direct chats go where
//! their retry or their other side will look. Two databases stand for two clusters here.

use crate::support::{group, post, store, user};
use chat_domain::{ChatDraft, ChatKind, IdempotencyKey, LogicalShard};
use chat_store::{Clusters, Seen, Store};

fn cluster_number(clusters: &Clusters, store: &Store) -> usize {
    clusters.all().iter().position(|candidate| std::ptr::eq(candidate, store)).expect("one of the clusters")
}

#[tokio::test]
async fn each_chat_lives_on_the_cluster_its_shard_is_placed_on() {
    let ((_first_db, first), (_second_db, second)) = (store().await, store().await);
    // Users on both (copying them is a step of its own, not built yet): the same ids.
    let (ann, bob) = (user(&first, "ann").await, user(&first, "bob").await);
    assert_eq!((user(&second, "ann").await, user(&second, "bob").await), (ann, bob));
    // What the first cluster had before the second came: its ids are never made again.
    let before = group(&first, ann, &[bob]).await;
    let old_message = post(&first, ann, before, "before the second cluster").await;

    let upper: Vec<LogicalShard> = (32..64).map(LogicalShard::new).collect();
    first.place_shards(&upper, 1).await.unwrap();
    let clusters = Clusters::new(vec![first.clone(), second.clone()]).await.unwrap();
    assert_eq!(clusters.map().shards_on(1), upper);

    let mut on_each = [0, 0];
    for n in 0..64 {
        let draft = ChatDraft { kind: ChatKind::Group, title: Some(format!("team {n}")), member_ids: vec![bob] };
        let chat = clusters.create_chat(&draft.validate(ann).unwrap(), None).await.unwrap().chat;
        assert!(chat.id > before, "ids of another cluster follow the first's");
        let home = clusters.of_chat(chat.id);
        let expected = usize::from(LogicalShard::of_chat(chat.id).index() >= 32);
        assert_eq!(cluster_number(&clusters, home), expected, "chat {}", chat.id);
        on_each[expected] += 1;
        let elsewhere = &clusters.all()[1 - expected];
        assert!(home.chat_summary(&mut Seen::new(None, None), chat.id, ann).await.is_ok());
        assert!(elsewhere.chat_summary(&mut Seen::new(None, None), chat.id, ann).await.is_err(), "only on its own");
        let message = post(home, bob, chat.id, "hello").await;
        assert!(message.id > old_message.id);
        assert_eq!(clusters.of_message(message.id).map(|store| cluster_number(&clusters, store)), Some(expected));
    }
    assert_eq!(on_each, [32, 32], "groups without a key take the shards in turn");
}

#[tokio::test]
async fn a_keyed_group_and_a_direct_chat_go_where_their_retry_and_other_side_look() {
    let ((_first_db, first), (_second_db, second)) = (store().await, store().await);
    let (ann, bob) = (user(&first, "ann").await, user(&first, "bob").await);
    assert_eq!((user(&second, "ann").await, user(&second, "bob").await), (ann, bob));
    first.place_shards(&(32..64).map(LogicalShard::new).collect::<Vec<_>>(), 1).await.unwrap();
    let clusters = Clusters::new(vec![first, second]).await.unwrap();

    for n in 0..8 {
        let key = IdempotencyKey::parse(&format!("create-team-{n}")).unwrap();
        let draft = || ChatDraft { kind: ChatKind::Group, title: Some("team".into()), member_ids: vec![bob] };
        let made = clusters.create_chat(&draft().validate(ann).unwrap(), Some(&key)).await.unwrap();
        let retried = clusters.create_chat(&draft().validate(ann).unwrap(), Some(&key)).await.unwrap();
        assert!(made.created && retried.replayed, "{made:?} {retried:?}");
        assert_eq!(retried.chat.id, made.chat.id);
        assert_eq!(LogicalShard::of_chat(made.chat.id), LogicalShard::for_keyed_group_chat(ann, key.as_str()));
    }

    let direct =
        |from, to| ChatDraft { kind: ChatKind::Direct, title: None, member_ids: vec![to] }.validate(from).unwrap();
    let asked = clusters.create_chat(&direct(ann, bob), None).await.unwrap();
    let answered = clusters.create_chat(&direct(bob, ann), None).await.unwrap();
    assert!(asked.created && !answered.created);
    assert_eq!(answered.chat.id, asked.chat.id, "one direct chat per pair, whichever side asks");
}

#[tokio::test]
async fn a_map_naming_a_cluster_not_configured_is_refused() {
    let (_db, only) = store().await;
    only.place_shards(&[LogicalShard::new(7)], 1).await.unwrap();
    let refused = Clusters::new(vec![only]).await.unwrap_err();
    assert!(refused.to_string().contains("cluster 1"), "{refused}");
}
