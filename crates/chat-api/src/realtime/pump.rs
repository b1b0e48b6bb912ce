//! The pump: publishes what this process committed, and hands every published seq to the hub in
//! order, from the batch it just sequenced or from the table.

use super::frames;
use super::hub::{Delivery, Hub};
use chat_store::{PublishedEvent, Store, StoreResult};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

const BATCH: i64 = 500;

/// What the listener heard for the pump: the newest seq any process announced, whether the
/// table must be read whatever the head (after reconnecting, notifications may have been lost),
/// and a wake-up.
#[derive(Debug, Default)]
pub(super) struct Announced {
    head: AtomicI64,
    read_anyway: AtomicBool,
    wake: Notify,
}

impl Announced {
    pub fn announce(&self, head: i64) {
        self.head.fetch_max(head, Ordering::Relaxed);
        self.wake.notify_one();
    }

    pub fn read_everything(&self) {
        self.read_anyway.store(true, Ordering::Relaxed);
        self.wake.notify_one();
    }
}

/// Publishes after this process's own commits (and on every tick, which also covers a process
/// that died between commit and publish), and reads from the table what other processes
/// published. What this process publishes goes to its hub as it comes back from the publish;
/// the table is read only when a newer seq was announced, or on the tick.
///
/// Ends (and so stops the server, for its supervisor to start it again) once the log's epoch is
/// not the hub's: the database was restored under the running process, and the hub's position,
/// the frames' tokens and every socket's subscription belong to the history that is gone. It
/// looks on each safety tick, so a restored log is served as the old one for a second at most,
/// with tokens of the old epoch, which resync.
pub(super) async fn pump_until_replaced(
    store: Store,
    hub: Arc<Hub>,
    announced: Arc<Announced>,
    safety_tick: Duration,
) -> String {
    let epoch = hub.epoch();
    let (mut must_publish, mut must_read) = (true, true);
    // An interval, not a sleep begun anew after each wake-up: under steady traffic a sleep
    // would never run out, and the epoch would never be looked at.
    let mut safety = tokio::time::interval_at(tokio::time::Instant::now() + safety_tick, safety_tick);
    safety.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let outcome = async {
            if must_publish {
                loop {
                    let batch = store.publish_pending(BATCH).await?;
                    let first = batch.first().map(|event| event.envelope.seq);
                    // Only a batch that follows the hub's position directly: it must never skip a seq.
                    if first.is_some_and(|first| first == hub.position() + 1) {
                        deliver(&hub, &batch, epoch);
                    } else if first.is_some() {
                        must_read = true;
                    }
                    if batch.len() < BATCH as usize {
                        break;
                    }
                }
            }
            let read_anyway = announced.read_anyway.swap(false, Ordering::Relaxed);
            if must_read || read_anyway || announced.head.load(Ordering::Relaxed) > hub.position() {
                read_and_deliver(&store, &hub, epoch).await?;
            }
            StoreResult::Ok(())
        };
        must_read = match outcome.await {
            Ok(()) => false,
            Err(error) => {
                tracing::warn!(%error, "event pump failed; retrying");
                true
            }
        };
        tokio::select! {
            () = store.events_written() => must_publish = true,
            () = announced.wake.notified() => {}
            _ = safety.tick() => {
                (must_publish, must_read) = (true, true);
                match store.log_head().await {
                    Ok(log) if log.epoch != epoch => {
                        return format!("the event log's epoch is {}, not {epoch}: its database was restored", log.epoch);
                    }
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "reading the event log's epoch failed"),
                }
            }
        }
    }
}

/// Hands every seq after the hub's position to the hub, in order, from the table.
async fn read_and_deliver(store: &Store, hub: &Hub, epoch: i64) -> StoreResult<()> {
    loop {
        let events = store.events_after(hub.position(), BATCH).await?;
        deliver(hub, &events, epoch);
        if events.len() < BATCH as usize {
            return Ok(());
        }
    }
}

fn deliver(hub: &Hub, events: &[PublishedEvent], epoch: i64) {
    let log = hub.log();
    hub.publish(events.iter().map(|event| Delivery::Event {
        log,
        envelope: Arc::new(event.envelope.clone()),
        frame: frames::event(event, log, epoch).into(),
    }));
}
