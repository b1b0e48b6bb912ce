//! Users' copies on the clusters whose chats name them are kept current (`Clusters::
//! bring_copies_up_to_date`): a rename, a block, an unblock or a privacy setting on the directory
//! reaches every cluster holding the user, an older copy never overwrites a newer one, and a
//! cluster that was down catches up. Every shard is on the second of two databases here, so every
//! chat is off the directory.

use crate::support::{allow_connections, store, user};
use chat_domain::{
    ChatDraft, ChatId, ChatKind, DirectChats, DomainError, ErrorCode, LogicalShard, Privacy, Role, UserId,
};
use chat_store::{Clusters, StoreError};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

struct OffTheDirectory {
    clusters: Clusters,
    ann: UserId,
    bob: UserId,
    carol: UserId,
    /// The second cluster, read directly.
    second: AsyncPgConnection,
    /// Dropped (and with them the clusters' data) with the test.
    dbs: (chat_test_db::TestDatabase, chat_test_db::TestDatabase),
}

async fn off_the_directory() -> OffTheDirectory {
    let ((first_db, first), (second_db, second)) = (store().await, store().await);
    let (ann, bob, carol) = (user(&first, "ann").await, user(&first, "bob").await, user(&first, "carol").await);
    first.place_shards(&(0..64).map(LogicalShard::new).collect::<Vec<_>>(), 1).await.unwrap();
    let clusters = Clusters::new(vec![first, second]).await.unwrap();
    let second = AsyncPgConnection::establish(second_db.url()).await.unwrap();
    OffTheDirectory { clusters, ann, bob, carol, second, dbs: (first_db, second_db) }
}

fn direct(from: UserId, to: UserId) -> chat_domain::NewChat {
    ChatDraft { kind: ChatKind::Direct, title: None, member_ids: vec![to] }.validate(from).unwrap()
}

fn group(creator: UserId, members: Vec<UserId>) -> chat_domain::NewChat {
    ChatDraft { kind: ChatKind::Group, title: Some("team".into()), member_ids: members }.validate(creator).unwrap()
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Copy {
    #[diesel(sql_type = Text)]
    display_name: String,
    #[diesel(sql_type = Text)]
    direct_chats: String,
    #[diesel(sql_type = BigInt)]
    version: i64,
}

async fn copy_of(second: &mut AsyncPgConnection, user: UserId) -> Copy {
    diesel::sql_query(format!("SELECT display_name, direct_chats, version FROM users WHERE id = {}", user.0))
        .get_result(second)
        .await
        .unwrap()
}

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = Bool)]
    flag: bool,
}

async fn flag(second: &mut AsyncPgConnection, sql: String) -> bool {
    diesel::sql_query(sql).get_result::<Flag>(second).await.unwrap().flag
}

async fn blocks(second: &mut AsyncPgConnection, blocker: UserId, blocked: UserId) -> bool {
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = {} AND blocked_id = {}) AS flag",
        blocker.0, blocked.0
    );
    flag(second, sql).await
}

async fn may_post(second: &mut AsyncPgConnection, chat: ChatId, member: UserId) -> bool {
    let sql =
        format!("SELECT may_post AS flag FROM chat_members WHERE chat_id = {} AND user_id = {}", chat.0, member.0);
    flag(second, sql).await
}

#[tokio::test]
async fn a_rename_a_block_and_a_privacy_setting_reach_the_copies_and_an_unblock_after_them() {
    let OffTheDirectory { clusters, ann, bob, carol, mut second, dbs: _dbs } = off_the_directory().await;
    let chat = clusters.create_chat(&direct(ann, bob), None).await.unwrap().chat.id;
    clusters.create_chat(&group(ann, vec![carol]), None).await.unwrap();
    let brought = clusters.bring_copies_up_to_date(100).await;
    assert_eq!((brought.users, brought.failed.len()), (0, 0), "fresh copies are current");

    let directory = clusters.directory();
    directory.set_display_name(bob, "Robert").await.unwrap();
    directory.block_user(ann, bob).await.unwrap();
    directory.set_privacy(carol, Privacy { direct_chats: DirectChats::Nobody }).await.unwrap();
    // What a copy does not hold moves no version.
    let mut first = AsyncPgConnection::establish(_dbs.0.url()).await.unwrap();
    first.batch_execute(&format!("UPDATE users SET last_seen_at = now() WHERE id = {}", ann.0)).await.unwrap();
    assert!(!blocks(&mut second, ann, bob).await && may_post(&mut second, chat, bob).await, "not before");

    let brought = clusters.bring_copies_up_to_date(100).await;
    assert_eq!((brought.users, brought.failed.len()), (3, 0), "Ann, Bob and Carol once each");
    assert_eq!(copy_of(&mut second, bob).await.display_name, "Robert");
    assert_eq!(copy_of(&mut second, carol).await.direct_chats, "nobody");
    assert!(blocks(&mut second, ann, bob).await);
    assert!(!may_post(&mut second, chat, bob).await && may_post(&mut second, chat, ann).await, "as on one cluster");
    assert_eq!(clusters.bring_copies_up_to_date(100).await.users, 0, "nothing twice");

    directory.unblock_user(ann, bob).await.unwrap();
    assert_eq!(clusters.bring_copies_up_to_date(1).await.users, 1, "a batch of one, and the next finds none");
    assert!(!blocks(&mut second, ann, bob).await && may_post(&mut second, chat, bob).await);
    // Applying a copy counted nothing on the cluster itself.
    assert_eq!(copy_of(&mut second, ann).await.version, 3, "registered, blocked, unblocked");
}

#[tokio::test]
async fn a_block_reaches_a_cluster_with_the_blocked_user_and_refuses_the_direct_chat_there() {
    let OffTheDirectory { clusters, ann, bob, carol, mut second, dbs: _dbs } = off_the_directory().await;
    let chat = clusters.create_chat(&group(ann, vec![bob]), None).await.unwrap().chat.id;
    let directory = clusters.directory();
    // Carol has no copy where Ann's is: Ann's block of her waits for her row there.
    directory.block_user(ann, carol).await.unwrap();
    assert_eq!(clusters.bring_copies_up_to_date(100).await.users, 1);
    assert!(!blocks(&mut second, ann, carol).await);
    // Copying Carol there (Ann is not copied again) brings it.
    assert!(clusters.add_member(chat, ann, carol, Role::Member).await.unwrap().added);
    assert!(blocks(&mut second, ann, carol).await, "copied with Carol");

    let refused = clusters.create_chat(&direct(carol, ann), None).await.unwrap_err();
    assert!(matches!(refused, StoreError::Domain(DomainError::Refused(ErrorCode::DirectChatRefused))), "{refused:?}");
    directory.block_user(carol, bob).await.unwrap();
    let refused = clusters.create_chat(&direct(bob, carol), None).await.unwrap_err();
    assert!(matches!(refused, StoreError::Domain(DomainError::Refused(ErrorCode::DirectChatRefused))), "{refused:?}");
}

#[tokio::test]
async fn an_older_copy_never_overwrites_a_newer_one_and_a_cluster_that_was_down_catches_up() {
    let OffTheDirectory { clusters, ann, bob, mut second, dbs, .. } = off_the_directory().await;
    let chat = clusters.create_chat(&group(ann, vec![bob]), None).await.unwrap().chat.id;
    // A copy that is already newer than what the directory has (as when two copies race and the
    // newer lands first) is left as it is, and the directory stops asking.
    second
        .batch_execute(&format!(
            "BEGIN; SET LOCAL chat.applying_copies = 'on';
             UPDATE users SET display_name = 'Newer', version = 100 WHERE id = {}; COMMIT;",
            bob.0
        ))
        .await
        .unwrap();
    clusters.directory().set_display_name(bob, "Older").await.unwrap();
    assert_eq!(clusters.bring_copies_up_to_date(100).await.users, 1);
    assert_eq!(copy_of(&mut second, bob).await.display_name, "Newer");
    assert_eq!(clusters.bring_copies_up_to_date(100).await.users, 0);

    drop(second);
    allow_connections(&dbs.1, false).await;
    clusters.directory().set_display_name(ann, "Annie").await.unwrap();
    let brought = clusters.bring_copies_up_to_date(100).await;
    assert_eq!((brought.users, brought.failed.iter().map(|(cluster, _)| *cluster).collect::<Vec<_>>()), (0, vec![1]));
    allow_connections(&dbs.1, true).await;
    // Once its pool reaches it again (a store that saw it down answers at once until then).
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let brought = loop {
        let brought = clusters.bring_copies_up_to_date(100).await;
        if brought.failed.is_empty() || tokio::time::Instant::now() > deadline {
            break brought;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!((brought.users, brought.failed.len()), (1, 0), "{:?}", brought.failed);
    let members = clusters.of_chat(chat).members(&mut chat_store::Seen::new(None, None), chat, bob).await.unwrap();
    assert!(members.iter().any(|member| member.display_name == "Annie"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_bringing_copies_while_a_user_changes_end_with_the_directorys_row_and_blocks() {
    let OffTheDirectory { clusters, ann, bob, carol, mut second, dbs } = off_the_directory().await;
    clusters.create_chat(&group(ann, vec![bob, carol]), None).await.unwrap();
    // A second process: its own pools over the same two databases.
    let open = |url: &str| {
        let url = url.to_owned();
        async move { chat_store::Store::connect(&url, &chat_store::PoolSettings::default()).await.unwrap() }
    };
    let other = Clusters::new(vec![open(dbs.0.url()).await, open(dbs.1.url()).await]).await.unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    async fn bringing(clusters: &Clusters, stop: &std::sync::atomic::AtomicBool) {
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let brought = clusters.bring_copies_up_to_date(2).await;
            assert!(brought.failed.is_empty(), "{:?}", brought.failed);
        }
    }
    let changing = async {
        let directory = clusters.directory();
        for n in 0..40 {
            directory.set_display_name(bob, &format!("Bob {n}")).await.unwrap();
            if n % 2 == 0 {
                directory.block_user(bob, carol).await.unwrap();
                directory.unblock_user(bob, ann).await.unwrap();
            } else {
                directory.block_user(bob, ann).await.unwrap();
                directory.unblock_user(bob, carol).await.unwrap();
            }
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    };
    tokio::join!(bringing(&clusters, &stop), bringing(&other, &stop), changing);
    clusters.bring_copies_up_to_date(100).await;

    let mut first = AsyncPgConnection::establish(dbs.0.url()).await.unwrap();
    assert_eq!(copy_of(&mut second, bob).await, copy_of(&mut first, bob).await, "the directory's row");
    assert_eq!(copy_of(&mut second, bob).await.display_name, "Bob 39");
    assert!(blocks(&mut second, bob, ann).await && !blocks(&mut second, bob, carol).await, "the last blocks");
}
