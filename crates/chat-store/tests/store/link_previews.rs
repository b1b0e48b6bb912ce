//! Link preview jobs follow the log: a message with a link gets one job, leased to one worker at a
//! time and worked again when its worker died mid-fetch; attaching writes one `message.updated`
//! and queues nothing more; an edit re-points the job, and the old link's fetch attaches nothing.

use crate::support::{group, post, store, user};
use chat_domain::link_preview::PageSummary;
use chat_domain::{MessageId, MessagePatch};
use chat_store::{PreviewJob, Store};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(60);

/// Publishes what is pending and plans all of it, as the server's workers do.
async fn plan_everything(store: &Store) {
    while !store.publish_pending(500).await.unwrap().is_empty() {}
    while store.plan_link_previews(500).await.unwrap() > 0 {}
}

fn page(title: &str) -> PageSummary {
    PageSummary::new(Some(title), Some("about it"), None, None)
}

async fn sql(url: &str, statement: &str) {
    AsyncPgConnection::establish(url).await.unwrap().batch_execute(statement).await.unwrap();
}

/// The `message.updated` events written for `message`.
async fn updates_of(url: &str, message: MessageId) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = AsyncPgConnection::establish(url).await.unwrap();
    let count: Count =
        diesel::sql_query("SELECT count(*) AS n FROM events WHERE kind = 'message.updated' AND message_id = $1")
            .bind::<diesel::sql_types::BigInt, _>(message.0)
            .get_result(&mut conn)
            .await
            .unwrap();
    count.n
}

#[tokio::test]
async fn a_link_is_previewed_once_even_when_its_first_worker_dies_mid_fetch() {
    let (db, store) = store().await;
    let ann = user(&store, "ann").await;
    let chat = group(&store, ann, &[]).await;
    // The consumer starts at the head the first time it steps: step it once before posting.
    plan_everything(&store).await;
    let posted = post(&store, ann, chat, "see https://a.example/launch.").await;
    post(&store, ann, chat, "no link here").await;
    plan_everything(&store).await;

    let jobs = store.claim_preview_jobs(10, LEASE).await.unwrap();
    let expected = PreviewJob {
        message_id: posted.id,
        url: Some("https://a.example/launch".into()),
        attempts: 0,
        author_id: ann,
        chat_id: chat,
    };
    assert_eq!(jobs, std::slice::from_ref(&expected), "one job, for the message with a link");
    assert!(store.claim_preview_jobs(10, LEASE).await.unwrap().is_empty(), "leased to its worker");

    // The worker dies before attaching; once its lease ends the job is another's.
    sql(db.url(), "UPDATE link_preview_jobs SET claimed_until = now() - interval '1 second'").await;
    let again = store.claim_preview_jobs(10, LEASE).await.unwrap();
    assert_eq!(again, std::slice::from_ref(&expected));

    let fetched = store.record_page("https://a.example/launch", Some(&page("Launch")), None).await.unwrap();
    let attached = store.finish_preview_job(&again[0], Some(fetched)).await.unwrap().expect("attached");
    assert_eq!(attached.link_preview.as_ref().and_then(|preview| preview.title.as_deref()), Some("Launch"));
    // The first worker comes back after all: its job is done, nothing changes.
    assert!(store.finish_preview_job(&jobs[0], Some(fetched)).await.unwrap().is_none());

    // The attach's own `message.updated`, and the whole log planned again, queue nothing.
    plan_everything(&store).await;
    sql(db.url(), "UPDATE log_consumers SET position = 0 WHERE name = 'previews'").await;
    plan_everything(&store).await;
    assert!(store.claim_preview_jobs(10, LEASE).await.unwrap().is_empty());
    assert_eq!(updates_of(db.url(), posted.id).await, 1);
    let shown = store.message_for_member(posted.id, ann).await.unwrap();
    assert_eq!(shown.link_preview, attached.link_preview);
}

#[tokio::test]
async fn an_edit_repoints_the_job_and_the_old_links_fetch_attaches_nothing() {
    let (_db, store) = store().await;
    let ann = user(&store, "ann").await;
    let chat = group(&store, ann, &[]).await;
    plan_everything(&store).await;
    let posted = post(&store, ann, chat, "https://old.example").await;
    plan_everything(&store).await;
    let old = store.claim_preview_jobs(10, LEASE).await.unwrap();

    let patch = MessagePatch { content: Some("https://new.example".into()), payload: None };
    store.edit_message(posted.id, ann, patch).await.unwrap();
    plan_everything(&store).await;
    let old_page = store.record_page("https://old.example", Some(&page("Old")), None).await.unwrap();
    assert!(store.finish_preview_job(&old[0], Some(old_page)).await.unwrap().is_none(), "re-pointed meanwhile");

    let new = store.claim_preview_jobs(10, LEASE).await.unwrap();
    assert_eq!(new.len(), 1, "the re-pointed job is free for any worker at once");
    assert_eq!(new[0].url.as_deref(), Some("https://new.example"));
    let new_page = store.record_page("https://new.example", Some(&page("New")), None).await.unwrap();
    let attached = store.finish_preview_job(&new[0], Some(new_page)).await.unwrap().expect("attached");
    assert_eq!(attached.link_preview.and_then(|preview| preview.title), Some("New".into()));

    // Deleted: the preview goes without a word (a tombstone shows none).
    store.delete_message(posted.id, ann, false, None).await.unwrap();
    plan_everything(&store).await;
    let removal = store.claim_preview_jobs(10, LEASE).await.unwrap();
    assert_eq!(removal[0].url, None);
    assert!(store.finish_preview_job(&removal[0], None).await.unwrap().is_none());
    assert!(store.claim_preview_jobs(10, LEASE).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_link_edited_away_and_back_shows_what_the_edits_said_until_its_own_job_attaches_it() {
    let (_db, store) = store().await;
    let ann = user(&store, "ann").await;
    let chat = group(&store, ann, &[]).await;
    plan_everything(&store).await;
    let posted = post(&store, ann, chat, "https://a.example").await;
    plan_everything(&store).await;
    let first = store.claim_preview_jobs(10, LEASE).await.unwrap();
    let a = store.record_page("https://a.example", Some(&page("A")), None).await.unwrap();
    store.finish_preview_job(&first[0], Some(a)).await.unwrap().expect("attached");
    let shown = async || store.message_for_member(posted.id, ann).await.unwrap().link_preview;

    // Edited to another link, whose job a worker takes; then back, before the planner has seen
    // the second edit. Each edit's answer (its event's message) is what a read shows.
    let to = |link: &str| MessagePatch { content: Some(link.into()), payload: None };
    let away = store.edit_message(posted.id, ann, to("https://b.example")).await.unwrap();
    assert_eq!(shown().await, away.link_preview);
    plan_everything(&store).await;
    let other = store.claim_preview_jobs(10, LEASE).await.unwrap();
    let back = store.edit_message(posted.id, ann, to("https://a.example")).await.unwrap();
    assert_eq!(shown().await, back.link_preview, "the edit back says what a read shows");

    // The other link's job ends with nothing to tell, and changes nothing.
    let b = store.record_page("https://b.example", Some(&page("B")), None).await.unwrap();
    assert!(store.finish_preview_job(&other[0], Some(b)).await.unwrap().is_none());
    assert_eq!(shown().await, back.link_preview);

    // The link's own job attaches its preview again, and says so.
    plan_everything(&store).await;
    let again = store.claim_preview_jobs(10, LEASE).await.unwrap();
    let attached = store.finish_preview_job(&again[0], Some(a)).await.unwrap().expect("attached, with an event");
    assert_eq!(attached.link_preview.as_ref().and_then(|preview| preview.title.as_deref()), Some("A"));
    assert_eq!(shown().await, attached.link_preview);
}
