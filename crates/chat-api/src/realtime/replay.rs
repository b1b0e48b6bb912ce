//! Replaying the events a resuming client missed, up to where live delivery takes over.

use super::acks::Acks;
use super::frames;
use super::hub::Closer;
use super::sending::{Stop, send};
use actix_ws::Session;
use chat_domain::Subscription;
use chat_store::{Replay, Store};

const REPLAY_BATCH: i64 = 500;

/// Everything after the subscription's position up to `until` (the live position) of the log in
/// epoch `epoch`, in seq order, in batches, read and admitted by the store's one read path.
pub(super) async fn replay(
    session: &mut Session,
    closer: &Closer,
    store: &Store,
    subscription: &mut Subscription,
    acks: &mut Acks,
    until: i64,
    epoch: i64,
) -> Result<(), Stop> {
    while subscription.position() < until {
        let from = subscription.position();
        let events = match store.events_for(subscription, until, REPLAY_BATCH).await.map_err(|_| Stop::Gone)? {
            Replay::ResyncRequired { .. } => {
                send(session, closer, frames::resync_required()).await?;
                // The client reloads what it shows; live delivery goes on after `until`, with the
                // chats the user is in there (a chat joined meanwhile included).
                let scope = subscription.scope().clone();
                *subscription =
                    store.subscription_at(subscription.user(), until).await.map_err(|_| Stop::Gone)?.limited_to(scope);
                return Ok(());
            }
            Replay::Events(events) => events,
        };
        for event in &events {
            acks.sent(&event.envelope);
            send(session, closer, frames::event(event, epoch)).await?;
        }
        if subscription.position() <= from {
            return Ok(());
        }
    }
    Ok(())
}
