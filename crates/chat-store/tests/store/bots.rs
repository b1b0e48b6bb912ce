//! Bot accounts in the store: what the API and the webhooks build on.

use crate::support::{store, user};
use chat_domain::{ChatId, ChatScope, DomainError, ErrorCode, Resource};
use chat_store::{NewBotAccount, Seen, StoreError};

#[tokio::test]
async fn a_bot_is_owned_scoped_rotated_and_deleted() {
    let (_db, store) = store().await;
    let ann = user(&store, "ann").await;
    let eve = user(&store, "eve").await;
    let scope = ChatScope::Only([ChatId(7)].into());
    let new = NewBotAccount { owner: ann, username: "helper", display_name: "Helper", token: Some((b"first", &scope)) };
    let bot = store.create_bot(new).await.unwrap();
    assert!(bot.is_bot);

    let holder = store.authenticate(b"first").await.unwrap().unwrap();
    assert_eq!((holder.user.id, holder.scope), (bot.id, scope));
    assert_eq!(store.bot(bot.id).await.unwrap().owner, ann);
    assert_eq!(store.bots_of(ann).await.unwrap(), vec![bot.clone()]);
    assert!(not_found(store.owned_bot(eve, bot.id).await.map(drop)));
    assert!(not_found(store.bot(ann).await.map(drop)), "a person is not a bot");
    assert!(store.find_login("helper").await.unwrap().is_none(), "a bot has no password to log in with");

    store.replace_bot_token(ann, bot.id, Some((b"second", &ChatScope::Every))).await.unwrap();
    assert!(store.authenticate(b"first").await.unwrap().is_none());
    assert_eq!(store.authenticate(b"second").await.unwrap().unwrap().scope, ChatScope::Every);

    let taken = NewBotAccount { owner: eve, username: "helper", display_name: "x", token: None };
    assert!(matches!(
        store.create_bot(taken).await,
        Err(StoreError::Domain(DomainError::Conflict(ErrorCode::UsernameTaken)))
    ));

    store.delete_bot(ann, bot.id).await.unwrap();
    assert!(store.authenticate(b"second").await.unwrap().is_none());
    assert!(store.bots_of(ann).await.unwrap().is_empty());
    assert!(not_found(store.delete_bot(ann, bot.id).await));
    assert!(
        store.user(&mut Seen::nothing(), bot.id).await.unwrap().is_bot,
        "a deleted bot's messages keep their author"
    );
}

fn not_found(result: Result<(), StoreError>) -> bool {
    matches!(result, Err(StoreError::Domain(DomainError::NotFound(Resource::Bot))))
}
