//! The search index follows the log: a message is found once the index has read its event, an
//! edit by its new words, a deleted message never (not even before the index reads the delete),
//! and a step done twice changes nothing; and its index keeps no pending list.

use crate::support::{group, post, store, user};
use chat_domain::{MessageId, MessagePatch, SearchQuery, UserId};
use chat_store::{SearchCursor, SearchOrder, SearchPage, Seen, Store};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

/// One page of what `reader` finds for `words`, newest first, and the next page's cursor.
async fn page(
    store: &Store,
    reader: UserId,
    words: &str,
    limit: i64,
    cursor: Option<SearchCursor>,
) -> (Vec<MessageId>, Option<SearchCursor>) {
    let query = SearchQuery::parse(words).unwrap();
    let page = SearchPage { chat: None, order: SearchOrder::Newest, cursor, limit };
    let (hits, next) = store.search_messages(&mut Seen::nothing(), reader, &query, page).await.unwrap();
    (hits.into_iter().map(|hit| hit.message.id).collect(), next)
}

async fn found(store: &Store, reader: UserId, words: &str) -> Vec<MessageId> {
    page(store, reader, words, 10, None).await.0
}

/// Publishes what is pending and indexes all of it, as the server's workers do.
async fn index_everything(store: &Store) {
    while !store.publish_pending(500).await.unwrap().is_empty() {}
    while store.index_for_search(500).await.unwrap() > 0 {}
}

#[tokio::test]
async fn the_index_follows_posts_edits_and_deletes_through_the_log() {
    let (db, store) = store().await;
    let ann = user(&store, "ann").await;
    let chat = group(&store, ann, &[]).await;
    let posted = post(&store, ann, chat, "quarterly figures").await;
    assert!(found(&store, ann, "quarterly ").await.is_empty(), "not before the index read its event");
    index_everything(&store).await;
    assert_eq!(found(&store, ann, "quarterly ").await, [posted.id]);

    let patch = MessagePatch { content: Some("annual summary".into()), payload: None };
    store.edit_message(posted.id, ann, patch).await.unwrap();
    index_everything(&store).await;
    assert!(found(&store, ann, "quarterly ").await.is_empty());
    assert_eq!(found(&store, ann, "annual ").await, [posted.id]);

    // Every step again from the start of the log: nothing changes.
    let mut conn = AsyncPgConnection::establish(db.url()).await.unwrap();
    conn.batch_execute("UPDATE log_consumers SET position = 0 WHERE name = 'search'").await.unwrap();
    index_everything(&store).await;
    assert!(found(&store, ann, "quarterly ").await.is_empty());
    assert_eq!(found(&store, ann, "annual ").await, [posted.id]);

    store.delete_message(posted.id, ann, false, None).await.unwrap();
    assert!(found(&store, ann, "annual ").await.is_empty(), "deleted, before the index read the delete");
    index_everything(&store).await;
    assert!(found(&store, ann, "annual ").await.is_empty());
}

#[tokio::test]
async fn pages_pass_a_message_deleted_before_the_index_read_the_delete() {
    let (_db, store) = store().await;
    let ann = user(&store, "ann").await;
    let chat = group(&store, ann, &[]).await;
    let mut memos = Vec::new();
    for n in 0..3 {
        memos.push(post(&store, ann, chat, &format!("memo {n}")).await.id);
    }
    index_everything(&store).await;
    store.delete_message(memos[1], ann, false, None).await.unwrap();

    let (first, cursor) = page(&store, ann, "memo ", 1, None).await;
    assert_eq!(first, [memos[2]]);
    let (second, cursor) = page(&store, ann, "memo ", 1, cursor).await;
    assert!(second.is_empty(), "the deleted message is left out of its page");
    let (third, cursor) = page(&store, ann, "memo ", 1, Some(cursor.expect("the cursor passes it"))).await;
    assert_eq!(third, [memos[0]]);
    assert!(cursor.is_none());
}

#[derive(diesel::QueryableByName)]
struct IndexOptions {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Array<diesel::sql_types::Text>>)]
    reloptions: Option<Vec<String>>,
}

/// With GIN's pending list, every search read up to 4 MB of words not yet merged (the migration
/// `search_index_without_pending_list` has the figures): the index takes words straight in.
#[tokio::test]
async fn the_words_index_keeps_no_pending_list_for_searches_to_read() {
    use diesel_async::RunQueryDsl;
    let (db, _store) = store().await;
    let mut conn = AsyncPgConnection::establish(db.url()).await.unwrap();
    let options = "SELECT reloptions FROM pg_class WHERE relname = 'message_search_words_idx'";
    let rows: Vec<IndexOptions> = diesel::sql_query(options).load(&mut conn).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].reloptions.as_deref(), Some(&["fastupdate=off".to_owned()][..]));
}
