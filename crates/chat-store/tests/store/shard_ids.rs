//! Ids that name their logical shard (chat_domain::LogicalShard): a chat's, and each of its
//! messages', so that a request naming only a message finds its chat's cluster.

use crate::support::{group, post, store, user};
use chat_domain::{ChatDraft, ChatKind, LOGICAL_SHARDS, LogicalShard};
use std::collections::BTreeSet;

#[tokio::test]
async fn messages_carry_their_chats_shard_and_chats_spread_over_every_shard() {
    let (_db, store) = store().await;
    let layout = store.shard_layout().await.unwrap();
    let (ann, bob) = (user(&store, "ann").await, user(&store, "bob").await);

    let mut shards = BTreeSet::new();
    for _ in 0..LOGICAL_SHARDS {
        let chat = group(&store, ann, &[bob]).await;
        shards.insert(LogicalShard::of_chat(chat));
        let first = post(&store, ann, chat, "one").await;
        let second = post(&store, bob, chat, "two").await;
        for message in [&first, &second] {
            assert_eq!(layout.shard_of_message(message.id), Some(LogicalShard::of_chat(chat)), "{message:?}");
        }
        assert!(second.id > first.id, "ids still grow within a chat");
    }
    assert_eq!(shards.len(), usize::from(LOGICAL_SHARDS), "groups take the shards in turn");

    let draft = ChatDraft { kind: ChatKind::Direct, title: None, member_ids: vec![bob] };
    let direct = store.create_chat(&draft.validate(ann).unwrap(), None).await.unwrap().chat;
    assert_eq!(LogicalShard::of_chat(direct.id), LogicalShard::for_direct_chat(ann, bob));
    let said = post(&store, bob, direct.id, "hi").await;
    assert_eq!(layout.shard_of_message(said.id), Some(LogicalShard::of_chat(direct.id)));
}
