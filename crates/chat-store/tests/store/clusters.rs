//! A deployment of several clusters (`Clusters`): each chat is created on the cluster that holds
//! its shard and found there by its id, and by its messages' ids; keyed and direct chats go where
//! their retry or their other side will look. Two databases stand for two clusters here.

use crate::support::{allow_connections, post, store, user};
use chat_domain::{ChatDraft, ChatKind, IdempotencyKey, LogicalShard};
use chat_store::{Clusters, Seen, Store};

/// Two databases standing for two clusters, shards 32 to 63 on the second, and Ann and Bob
/// registered (on the first, the directory: a chat copies the users it names to its cluster).
struct TwoClusters {
    clusters: Clusters,
    ann: chat_domain::UserId,
    bob: chat_domain::UserId,
    /// The two databases, dropped (and with them the clusters' data) with the test.
    dbs: (chat_test_db::TestDatabase, chat_test_db::TestDatabase),
}

async fn two_clusters() -> TwoClusters {
    let ((first_db, first), (second_db, second)) = (store().await, store().await);
    let (ann, bob) = (user(&first, "ann").await, user(&first, "bob").await);
    first.place_shards(&(32..64).map(LogicalShard::new).collect::<Vec<_>>(), 1).await.unwrap();
    let clusters = Clusters::new(vec![first, second]).await.unwrap();
    TwoClusters { clusters, ann, bob, dbs: (first_db, second_db) }
}

/// Groups of Ann's with Bob, `each` on each cluster (groups without a key take the shards in turn,
/// from one of the process's own), in the order made.
async fn groups_on_each(
    clusters: &Clusters,
    ann: chat_domain::UserId,
    bob: chat_domain::UserId,
    each: usize,
) -> Vec<chat_domain::ChatId> {
    let on_second = |chat: &chat_domain::ChatId| LogicalShard::of_chat(*chat).index() >= 32;
    let mut chats: Vec<chat_domain::ChatId> = Vec::new();
    while chats.iter().filter(|chat| on_second(chat)).count() < each
        || chats.iter().filter(|chat| !on_second(chat)).count() < each
    {
        let draft = ChatDraft { kind: ChatKind::Group, title: Some("team".into()), member_ids: vec![bob] };
        let chat = clusters.create_chat(&draft.validate(ann).unwrap(), None).await.unwrap().chat.id;
        if chats.iter().filter(|known| on_second(known) == on_second(&chat)).count() < each {
            chats.push(chat);
        }
    }
    chats
}

fn cluster_number(clusters: &Clusters, store: &Store) -> usize {
    clusters.all().iter().position(|candidate| std::ptr::eq(candidate, store)).expect("one of the clusters")
}

#[tokio::test]
async fn each_chat_lives_on_the_cluster_its_shard_is_placed_on() {
    use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
    let ((first_db, first), (_second_db, second)) = (store().await, store().await);
    let (ann, bob) = (user(&first, "ann").await, user(&first, "bob").await);
    // A first cluster that made 1,000 chats' and 100,000 messages' ids before ids named their
    // shard: none of those may be made again on the second, where their shards may move.
    let mut operator = AsyncPgConnection::establish(first_db.url()).await.unwrap();
    operator
        .batch_execute("UPDATE shard_layout SET sharded_chat_ids_from = 64000, sharded_message_ids_from = 6400000")
        .await
        .unwrap();
    let layout = first.shard_layout().await.unwrap();

    let upper: Vec<LogicalShard> = (32..64).map(LogicalShard::new).collect();
    first.place_shards(&upper, 1).await.unwrap();
    let clusters = Clusters::new(vec![first.clone(), second.clone()]).await.unwrap();
    assert_eq!(clusters.map().shards_on(1), upper);

    let mut on_each = [0, 0];
    for n in 0..64 {
        let draft = ChatDraft { kind: ChatKind::Group, title: Some(format!("team {n}")), member_ids: vec![bob] };
        let chat = clusters.create_chat(&draft.validate(ann).unwrap(), None).await.unwrap().chat;
        let home = clusters.of_chat(chat.id);
        let expected = usize::from(LogicalShard::of_chat(chat.id).index() >= 32);
        assert_eq!(cluster_number(&clusters, home), expected, "chat {}", chat.id);
        on_each[expected] += 1;
        let elsewhere = &clusters.all()[1 - expected];
        assert!(home.chat_summary(&mut Seen::new(None, None), chat.id, ann).await.is_ok());
        assert!(elsewhere.chat_summary(&mut Seen::new(None, None), chat.id, ann).await.is_err(), "only on its own");
        let message = post(home, bob, chat.id, "hello").await;
        let routed = clusters.of_message(message.id).map(|store| cluster_number(&clusters, store));
        if expected == 1 {
            assert!(chat.id.0 >= layout.sharded_chat_ids_from, "past the first cluster's older chat ids");
            assert!(message.id.0 >= layout.sharded_message_ids_from, "past its older message ids");
            assert_eq!(routed, Some(1));
        } else {
            // The first cluster's own counters are where they were: below its (made-up) point,
            // its ids say nothing of their chat.
            assert_eq!(routed, None);
        }
    }
    assert_eq!(on_each, [32, 32], "groups without a key take the shards in turn");
}

#[tokio::test]
async fn a_keyed_group_and_a_direct_chat_go_where_their_retry_and_other_side_look() {
    let TwoClusters { clusters, ann, bob, dbs: _dbs } = two_clusters().await;

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
async fn clusters_listed_in_another_order_or_one_database_twice_are_refused() {
    let TwoClusters { clusters, dbs: (first_db, second_db), .. } = two_clusters().await;
    drop(clusters);
    let open = |url: &str| {
        let url = url.to_owned();
        async move { Store::connect(&url, &chat_store::PoolSettings::default()).await.unwrap() }
    };
    let swapped = Clusters::new(vec![open(first_db.url()).await, open(second_db.url()).await]).await;
    assert!(swapped.is_ok(), "the order they were first opened in");
    let swapped = Clusters::new(vec![open(second_db.url()).await, open(first_db.url()).await]).await.unwrap_err();
    assert!(swapped.to_string().contains("is cluster 1"), "{swapped}");
    let twice = Clusters::new(vec![open(first_db.url()).await, open(first_db.url()).await]).await.unwrap_err();
    assert!(twice.to_string().contains("configured as cluster 1 is cluster 0"), "{twice}");
}

#[tokio::test]
async fn a_map_naming_a_cluster_not_configured_is_refused() {
    let (_db, only) = store().await;
    only.place_shards(&[LogicalShard::new(7)], 1).await.unwrap();
    let refused = Clusters::new(vec![only]).await.unwrap_err();
    assert!(refused.to_string().contains("cluster 1"), "{refused}");
}

/// Publishes each cluster's committed events until told to stop, as each cluster's pump would.
fn publishers(
    clusters: &Clusters,
    stop: &std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    clusters
        .all()
        .iter()
        .map(|store| {
            let (store, stop) = (store.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    store.publish_pending(100).await.unwrap();
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
                store.publish_pending(10_000).await.unwrap();
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_resuming_across_both_clusters_logs_gets_every_event_once_in_each_chats_order() {
    use chat_domain::ChatScope;
    use chat_store::{LogsRead, Resumed};
    use std::collections::{BTreeMap, BTreeSet};
    let TwoClusters { clusters, ann, bob, dbs: (_first_db, second_db) } = two_clusters().await;
    let clusters = std::sync::Arc::new(clusters);
    let chats = groups_on_each(&clusters, ann, bob, 2).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let publishing = publishers(&clusters, &stop);
    // Bob's token from before anything was written.
    let Resumed::At(start) = clusters.readers_at(bob, None, &ChatScope::Every).await.unwrap() else {
        panic!("a start")
    };
    let mut token = start.token();
    let start_token = token.clone();

    // Writers on both clusters at once (joined, not spawned: a store transaction's future is
    // not `Send` for every lifetime, which `tokio::spawn` asks).
    let writers = chats.iter().enumerate().map(|(writer, chat)| {
        let (clusters, chat) = (clusters.clone(), *chat);
        async move {
            let mut ids = Vec::new();
            for n in 0..30 {
                ids.push(post(clusters.of_chat(chat), ann, chat, &format!("w{writer}-{n}")).await.id);
            }
            ids
        }
    });
    let writing = futures_util::future::join_all(writers);
    let reading = async {
        // A page at a time, each from a fresh reader made from the last token, as a client
        // reconnecting again and again would.
        let mut received: Vec<(chat_domain::ChatId, chat_domain::MessageId)> = Vec::new();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        while received.len() < 120 && tokio::time::Instant::now() < deadline {
            let Resumed::At(mut readers) =
                clusters.readers_at(bob, Some(&token.clone().into()), &ChatScope::Every).await.unwrap()
            else {
                panic!("nothing was pruned: no resync")
            };
            let LogsRead::Events { events, missing } = clusters.events_for(&mut readers, 7).await.unwrap() else {
                panic!("no resync")
            };
            assert_eq!(missing, Vec::<u16>::new());
            for (_, event) in events {
                if event.envelope.kind == chat_domain::EventKind::MessageCreated {
                    received.push((event.envelope.chat_id, event.envelope.message_id.unwrap()));
                }
            }
            token = readers.token();
        }
        received
    };
    let (written, received) = tokio::join!(writing, reading);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    futures_util::future::join_all(publishing).await;
    let written: BTreeSet<chat_domain::MessageId> = written.into_iter().flatten().collect();
    assert_eq!(written.len(), 120);
    assert_eq!(received.len(), 120, "every message once");
    assert_eq!(received.iter().map(|(_, id)| *id).collect::<BTreeSet<_>>(), written, "nothing missing");
    let mut per_chat: BTreeMap<chat_domain::ChatId, Vec<chat_domain::MessageId>> = BTreeMap::new();
    for (chat, id) in received {
        per_chat.entry(chat).or_default().push(id);
    }
    assert!(per_chat.values().all(|ids| ids.windows(2).all(|pair| pair[0] < pair[1])), "each chat in order");
    assert_eq!(per_chat.len(), 4, "from both clusters");

    // One cluster down while a reader reads: the other's log is read on, the down one's
    // position stays where it was and it is named missing; when it answers again its events
    // follow, and a reader that resumed while it was down waits at the token's position.
    let created_on = |events: &[(chat_domain::LogId, chat_store::PublishedEvent)], second: bool| {
        let created = events.iter().filter(|(_, event)| event.envelope.kind == chat_domain::EventKind::MessageCreated);
        created.filter(|(_, event)| (LogicalShard::of_chat(event.envelope.chat_id).index() >= 32) == second).count()
    };
    let Resumed::At(mut readers) =
        clusters.readers_at(bob, Some(&start_token.clone().into()), &ChatScope::Every).await.unwrap()
    else {
        panic!("a reader")
    };
    allow_connections(&second_db, false).await;
    let LogsRead::Events { events, missing } = clusters.events_for(&mut readers, 1000).await.unwrap() else {
        panic!("no resync")
    };
    assert_eq!((missing, created_on(&events, false), created_on(&events, true)), (vec![1], 60, 0));
    let while_down = readers.token();
    let second_log = chat_domain::LogId(1);
    assert_eq!(while_down.position_in(second_log), start_token.position_in(second_log), "the down log stays");
    let Resumed::At(mut resumed) =
        clusters.readers_at(bob, Some(&while_down.clone().into()), &ChatScope::Every).await.unwrap()
    else {
        panic!("a reader while one cluster is down")
    };
    assert_eq!(resumed.token(), while_down);
    allow_connections(&second_db, true).await;
    for _ in 0..50 {
        if clusters.log_heads().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for reader in [&mut readers, &mut resumed] {
        let LogsRead::Events { events, missing } = clusters.events_for(reader, 1000).await.unwrap() else {
            panic!("no resync")
        };
        assert_eq!((missing, created_on(&events, false), created_on(&events, true)), (vec![], 0, 60));
    }

    // One cluster restored from a backup (docs/OPERATIONS.md): a token from before answers a
    // resync, with every log's head to go on from; so does a reader made before.
    use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
    let mut operator = AsyncPgConnection::establish(second_db.url()).await.unwrap();
    operator.batch_execute("UPDATE event_head SET epoch = epoch + 1").await.unwrap();
    match clusters.readers_at(bob, Some(&token.clone().into()), &ChatScope::Every).await.unwrap() {
        Resumed::ResyncRequired { from } => assert_ne!(from, token),
        Resumed::At(_) => panic!("a token of the old epoch resumed"),
    }
    assert!(
        matches!(clusters.events_for(&mut readers, 1000).await.unwrap(), LogsRead::ResyncRequired { .. }),
        "a reader of the old epoch resyncs"
    );

    // A resync while a cluster is down goes on from the answering logs' heads and from where the
    // token stood in the down one's: its events are not handed out twice when it answers.
    let mut operator = AsyncPgConnection::establish(_first_db.url()).await.unwrap();
    operator.batch_execute("UPDATE event_head SET epoch = epoch + 1").await.unwrap();
    allow_connections(&second_db, false).await;
    let Resumed::ResyncRequired { from } =
        clusters.readers_at(bob, Some(&token.clone().into()), &ChatScope::Every).await.unwrap()
    else {
        panic!("the first log's epoch moved: a resync")
    };
    assert_eq!(from.position_in(second_log), token.position_in(second_log));
    assert_eq!(from.positions().len(), 2);
    allow_connections(&second_db, true).await;
}

#[tokio::test]
async fn the_chat_list_merges_every_cluster_by_activity_and_names_a_cluster_that_is_down() {
    use chat_domain::ChatScope;
    let TwoClusters { clusters, ann, bob, dbs: (_first_db, second_db) } = two_clusters().await;
    // Three groups on each cluster, each then posted to in turn: the newest post's chat first.
    let chats = groups_on_each(&clusters, ann, bob, 3).await;
    let on_second = |chat: &chat_domain::ChatId| LogicalShard::of_chat(*chat).index() >= 32;
    for chat in &chats {
        post(clusters.of_chat(*chat), ann, *chat, "hello").await;
    }
    let newest_first: Vec<_> = chats.iter().rev().copied().collect();

    let (mut listed, mut after) = (Vec::new(), None);
    loop {
        let page = clusters.chats_of(&mut Seen::nothing(), bob, &ChatScope::Every, after, 3).await.unwrap();
        assert!(page.missing.is_empty());
        listed.extend(page.chats.iter().map(|summary| summary.chat.id));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let distinct: std::collections::BTreeSet<_> = listed.iter().collect();
    assert_eq!(distinct.len(), listed.len(), "every chat once across pages");
    // (Groups made on the way to three on each, never posted to, come last.)
    listed.retain(|chat| chats.contains(chat));
    assert_eq!(listed, newest_first, "one order over both clusters");

    // The second cluster down: the list answers the first's chats and says which is missing.
    let close = |allow: bool| allow_connections(&second_db, allow);
    close(false).await;
    let page = clusters.chats_of(&mut Seen::nothing(), bob, &ChatScope::Every, None, 40).await.unwrap();
    assert_eq!(page.missing, [1]);
    let expected: Vec<_> = newest_first.iter().filter(|chat| !on_second(chat)).copied().collect();
    let answered: Vec<_> =
        page.chats.iter().map(|summary| summary.chat.id).filter(|chat| chats.contains(chat)).collect();
    assert_eq!(answered, expected);
    assert!(page.chats.iter().all(|summary| !on_second(&summary.chat.id)), "nothing of the second cluster's");
    close(true).await;
    let mut back = clusters.chats_of(&mut Seen::nothing(), bob, &ChatScope::Every, None, 40).await.unwrap();
    for _ in 0..50 {
        if back.missing.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        back = clusters.chats_of(&mut Seen::nothing(), bob, &ChatScope::Every, None, 40).await.unwrap();
    }
    assert!(back.missing.is_empty(), "the cluster is back without a restart");
    assert_eq!(back.chats.iter().filter(|summary| chats.contains(&summary.chat.id)).count(), chats.len());
}

#[tokio::test]
async fn search_and_mentions_page_through_both_clusters_every_hit_once() {
    use chat_domain::{MessageDraft, SearchQuery};
    use chat_store::{SearchOrder, SearchPage};
    use std::collections::BTreeSet;
    let TwoClusters { clusters, ann, bob, dbs: _dbs } = two_clusters().await;
    let chats = groups_on_each(&clusters, ann, bob, 2).await;
    let mut posted = BTreeSet::new();
    for n in 0..23 {
        let chat = chats[n % chats.len()];
        let draft = MessageDraft {
            chat_id: chat,
            kind: "text".into(),
            content: Some(format!("quarterly report {n}")),
            payload: None,
            reply_to_id: None,
            thread_root_id: None,
            mentions: vec![bob],
        };
        let store = clusters.of_chat(chat);
        posted.insert(store.create_message(ann, &draft.validate().unwrap(), None).await.unwrap().message.id);
    }
    for store in clusters.all() {
        while !store.publish_pending(500).await.unwrap().is_empty() {}
        while store.index_for_search(500).await.unwrap() > 0 {}
    }

    let query = SearchQuery::parse("quarterly").unwrap();
    for order in [SearchOrder::Newest, SearchOrder::Relevance] {
        let (mut found, mut cursor) = (Vec::new(), None);
        loop {
            let page = SearchPage { chat: None, order, cursor, limit: 4 };
            let answer = clusters.search_messages(&mut Seen::nothing(), bob, &query, page).await.unwrap();
            assert!(answer.missing.is_empty());
            found.extend(answer.items.iter().map(|hit| hit.message.id));
            match answer.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(found.len(), posted.len(), "{order:?}: every hit once");
        assert_eq!(found.iter().copied().collect::<BTreeSet<_>>(), posted, "{order:?}");
        if order == SearchOrder::Newest {
            assert!(found.windows(2).all(|pair| pair[0] > pair[1]), "newest first, by id");
        }
    }

    let (mut mentioned, mut before) = (Vec::new(), None);
    loop {
        let page = clusters.mentions_of(bob, before, 5).await.unwrap();
        mentioned.extend(page.items.iter().map(|message| message.id));
        match page.next {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    assert_eq!(mentioned.len(), posted.len(), "every mention once");
    assert!(mentioned.windows(2).all(|pair| pair[0] > pair[1]));
}

#[tokio::test]
async fn a_chat_and_a_new_member_copy_their_users_to_the_chats_cluster_a_bots_owner_too_and_no_password() {
    use chat_store::NewBotAccount;
    use diesel::QueryableByName;
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    let TwoClusters { clusters, ann, bob, dbs: (_first_db, second_db) } = two_clusters().await;
    let directory = clusters.directory();
    let eve = user(directory, "eve").await;
    let helper = NewBotAccount { owner: eve, username: "helper", display_name: "Helper", token: None };
    let bot = directory.create_bot(helper).await.unwrap().id;
    directory.set_display_name(bob, "Robert").await.unwrap();
    // A group with Bob and the bot on the second cluster: the three users and the bot's owner.
    let group = loop {
        let draft = ChatDraft { kind: ChatKind::Group, title: Some("team".into()), member_ids: vec![bob, bot] };
        let chat = clusters.create_chat(&draft.validate(ann).unwrap(), None).await.unwrap().chat.id;
        if LogicalShard::of_chat(chat).index() >= 32 {
            break chat;
        }
    };
    // A member added later is copied too.
    let dan = user(directory, "dan").await;
    assert!(clusters.add_member(group, ann, dan, chat_domain::Role::Member).await.unwrap().added);
    let members = clusters.of_chat(group).members(&mut Seen::new(None, None), group, ann).await.unwrap();
    let names: Vec<&str> = members.iter().map(|member| member.display_name.as_str()).collect();
    assert!(names.contains(&"Robert") && names.contains(&"Helper") && names.contains(&"dan"), "{names:?}");

    #[derive(QueryableByName)]
    struct Copy {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
        #[diesel(sql_type = diesel::sql_types::Text)]
        password_hash: String,
    }
    let mut second = AsyncPgConnection::establish(second_db.url()).await.unwrap();
    let copies: Vec<Copy> =
        diesel::sql_query("SELECT id, password_hash FROM users ORDER BY id").load(&mut second).await.unwrap();
    let mut copied: Vec<i64> = copies.iter().map(|copy| copy.id).collect();
    let mut expected = vec![ann.0, bob.0, eve.0, bot.0, dan.0];
    copied.sort_unstable();
    expected.sort_unstable();
    assert_eq!(copied, expected, "the chat's users and the bot's owner, no one else");
    assert!(copies.iter().all(|copy| copy.password_hash.is_empty()), "no password hash leaves the directory");
}
