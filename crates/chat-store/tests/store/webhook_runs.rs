//! A webhook's deliveries are one process's at a time, in runs that start at its oldest pending
//! delivery: what keeps a receiver's events in order across processes and retries.

use crate::support::{group, post, store, user};
use chat_domain::{EventKind, WebhookId};
use chat_store::{DeliveryOutcome, DeliveryRecord, OutgoingRegistration, PoolSettings, Store};
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(30);

fn delivered(id: i64) -> DeliveryRecord<'static> {
    DeliveryRecord { id, outcome: DeliveryOutcome::Delivered { status: 200 } }
}

/// The seqs of a claimed round's deliveries.
fn seqs(round: &chat_store::WebhookRound) -> Vec<i64> {
    round
        .deliveries
        .iter()
        .map(|delivery| match &delivery.body {
            chat_store::DeliveryBody::Event(event) => event.envelope.seq,
            other => panic!("an event delivery, not {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn a_leased_webhook_is_no_other_process_s_until_its_round_is_recorded_and_runs_resume_in_order() {
    let (db, one) = store().await;
    let two = Store::connect(db.url(), &PoolSettings { max_size: 2, ..PoolSettings::default() }).await.unwrap();
    let ann = user(&one, "ann").await;
    let chat = group(&one, ann, &[]).await;
    let registration = OutgoingRegistration {
        url: "https://hooks.example/in".into(),
        secret: "s".into(),
        events: vec![EventKind::MessageCreated],
        bot_id: None,
        mentions_only: false,
        commands_only: false,
        name: None,
    };
    let webhook: WebhookId = one.register_outgoing_webhook(chat, ann, registration).await.unwrap().id;
    // The consumer starts at the head: its first step, before any message, places it there.
    assert_eq!(one.plan_webhook_deliveries(100).await.unwrap(), 0);
    for n in 0..5 {
        post(&one, ann, chat, &format!("m{n}")).await;
    }
    while !one.publish_pending(100).await.unwrap().is_empty() {}
    while one.plan_webhook_deliveries(100).await.unwrap() > 0 {}

    let first = one.claim_webhook_deliveries(8, 3, LEASE).await.unwrap();
    assert_eq!(first.leased, [webhook]);
    let first_seqs = seqs(&first);
    assert_eq!(first_seqs.len(), 3, "a run of at most 3");
    assert!(first_seqs.is_sorted());

    // While the first process holds the webhook, the second gets nothing of it, not even the
    // deliveries after the first one's run.
    let meanwhile = two.claim_webhook_deliveries(8, 10, LEASE).await.unwrap();
    assert!(meanwhile.leased.is_empty() && meanwhile.deliveries.is_empty(), "{meanwhile:?}");

    // The first delivers the first of its run; the second is to be tried again later; the third
    // is released untried. The webhook is let go of, but its oldest pending delivery is not due.
    let records = [
        delivered(first.deliveries[0].id),
        DeliveryRecord {
            id: first.deliveries[1].id,
            outcome: DeliveryOutcome::Retry { status: Some(503), error: None, after: Duration::from_millis(300) },
        },
        DeliveryRecord { id: first.deliveries[2].id, outcome: DeliveryOutcome::Released },
    ];
    one.record_webhook_deliveries(&first.leased, &records).await.unwrap();
    let early = two.claim_webhook_deliveries(8, 10, LEASE).await.unwrap();
    assert!(early.deliveries.is_empty(), "nothing jumps the delivery waiting to be retried: {early:?}");

    // Once it is due, the next run starts at it, in order, and holds the rest.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let next = two.claim_webhook_deliveries(8, 10, LEASE).await.unwrap();
    let next_seqs = seqs(&next);
    assert_eq!(next_seqs[0], first_seqs[1], "the run resumes at the retried delivery");
    assert_eq!(next_seqs.len(), 4, "it and the three after it");
    assert!(next_seqs.is_sorted());
    assert_eq!(next.deliveries[0].attempts, 2, "its second attempt");
    assert_eq!(next.deliveries[1].attempts, 1, "the released one was never tried");
}
