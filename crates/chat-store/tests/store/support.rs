//! Seeding helpers shared by the store's tests.

use chat_domain::{ChatDraft, ChatId, ChatKind, MessageDraft, MessageId, UserId};
use chat_store::{NewAccount, PoolSettings, SendLimit, Store};
use chat_test_db::TestDatabase;

pub async fn store() -> (TestDatabase, Store) {
    let db = TestDatabase::new().await;
    let store = Store::connect(db.url(), &PoolSettings { max_size: 2, ..PoolSettings::default() }).await.unwrap();
    // The tests post as fast as they can; the limit has API tests of its own.
    (db, store.with_send_limit(SendLimit { burst: 1_000_000, per_minute: 1_000_000 }))
}

pub async fn user(store: &Store, name: &str) -> UserId {
    let account = NewAccount {
        username: name,
        display_name: name,
        password_hash: "not-a-real-hash",
        token_hash: name.as_bytes(),
        token_ttl: time::Duration::hours(1),
    };
    store.register(account).await.unwrap().id
}

pub async fn group(store: &Store, owner: UserId, members: &[UserId]) -> ChatId {
    let draft = ChatDraft { kind: ChatKind::Group, title: Some("team".into()), member_ids: members.to_vec() };
    store.create_chat(&draft.validate(owner).unwrap(), None).await.unwrap().chat.id
}

pub async fn post(store: &Store, author: UserId, chat: ChatId, text: &str) -> chat_domain::Message {
    post_in_thread(store, author, chat, None, text).await
}

/// Posts a message, as a reply in the thread under `root` if there is one.
pub async fn post_in_thread(
    store: &Store,
    author: UserId,
    chat: ChatId,
    root: Option<MessageId>,
    text: &str,
) -> chat_domain::Message {
    let draft = MessageDraft {
        chat_id: chat,
        kind: "text".into(),
        content: Some(text.into()),
        payload: None,
        reply_to_id: None,
        thread_root_id: root,
        mentions: Vec::new(),
    };
    store.create_message(author, &draft.validate().unwrap(), None).await.unwrap().message
}

/// Closes `db` to connections (its backends ended), as a cluster that is down; or opens it again.
pub async fn allow_connections(db: &chat_test_db::TestDatabase, allow: bool) {
    use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
    let mut admin = AsyncPgConnection::establish(db.admin_url()).await.unwrap();
    let name = db.name();
    admin.batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {allow}")).await.unwrap();
    if !allow {
        let terminate = format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'");
        admin.batch_execute(&terminate).await.unwrap();
    }
}
