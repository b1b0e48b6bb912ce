//! Replaying the events a resuming client missed, up to where live delivery takes over.

use super::acks::Acks;
use super::connection::{Stop, send};
use super::frames;
use super::hub::Closer;
use actix_ws::Session;
use chat_domain::Subscription;
use chat_store::{Replay, Store};

const REPLAY_BATCH: i64 = 500;

/// Everything after `since` up to the live position, in seq order, in batches.
pub(super) async fn replay(
    session: &mut Session,
    closer: &Closer,
    store: &Store,
    subscription: &mut Subscription,
    acks: &mut Acks,
    since: i64,
    until: i64,
) -> Result<(), Stop> {
    let mut after = since;
    while after < until {
        let batch = store.events_for(subscription.user(), after, until, REPLAY_BATCH).await.map_err(|_| Stop::Gone)?;
        let (events, scanned_through) = match batch {
            Replay::ResyncRequired { .. } => return send(session, closer, frames::resync_required()).await,
            Replay::Events { events, scanned_through } => (events, scanned_through),
        };
        if scanned_through <= after {
            return Ok(());
        }
        after = scanned_through;
        for event in &events {
            if subscription.admit(&event.envelope) {
                acks.sent(&event.envelope);
                send(session, closer, frames::event(event)).await?;
            }
        }
    }
    Ok(())
}
