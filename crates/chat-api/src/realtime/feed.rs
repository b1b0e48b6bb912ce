//! `GET /events`: a page of the caller's events after where they stand, as the WebSocket would
//! have sent them. A deployment of one cluster reads its log as it always has (the head, the
//! caller's chats, the events, the delivery marks: four statements); one of several reads every
//! cluster's log through `Clusters`' readers, and each frame's token names every log.

use super::frames;
use crate::problem::ApiResult;
use crate::state::AppState;
use chat_domain::{ChatScope, DeliveredMarks, EventFeed, LogId, LogPosition, ResumeToken, Since, UserId};
use chat_store::{LogsRead, Replay, Resumed, Store};
use serde_json::value::RawValue;

/// The page of `user`'s events (within `scope`) after `since`, at most `limit` looked at in each
/// log. Reading a page counts as delivering what it holds.
pub async fn page(
    state: &AppState,
    user: UserId,
    scope: &ChatScope,
    since: Since,
    limit: i64,
) -> ApiResult<EventFeed<Box<RawValue>>> {
    if let [only] = state.clusters.all() {
        return one_log(only, user, scope, since, limit).await;
    }
    let clusters = &state.clusters;
    let mut readers = match clusters.readers_at(user, Some(&since), scope).await? {
        Resumed::At(readers) => readers,
        Resumed::ResyncRequired { from } => return Ok(resync(from)),
    };
    let before = readers.token();
    let (events, missing_clusters) = match clusters.events_for(&mut readers, limit).await? {
        LogsRead::Events { events, missing } => (events, missing),
        LogsRead::ResyncRequired { from } => return Ok(resync(from)),
    };
    let after = readers.token();
    // Each frame's token: where the reader stood before the page, moved past the frame in its
    // own log (the logs need no order between them).
    let mut token = before;
    let mut delivered = vec![DeliveredMarks::default(); clusters.all().len()];
    let mut frames = Vec::with_capacity(events.len());
    for (log, event) in &events {
        if let Some(at) = after.position_in(*log) {
            token.advance(LogPosition { seq: event.envelope.seq, ..at });
        }
        frames.push(frames::raw(frames::event_resuming_at(event, *log, &token)));
        if let Some(marks) = delivered.get_mut(usize::from(log.0)) {
            marks.note(&event.envelope);
        }
    }
    for (store, mut marks) in clusters.all().iter().zip(delivered) {
        if !marks.is_empty() {
            mark_delivered(store, user, &mut marks).await;
        }
    }
    let next_since = after.position_in(LogId(0)).map_or(0, |at| at.seq);
    Ok(EventFeed {
        events: frames,
        next_since,
        resume: Some(after.to_string()),
        resync_required: false,
        missing_clusters,
    })
}

async fn one_log(
    store: &Store,
    user: UserId,
    scope: &ChatScope,
    since: Since,
    limit: i64,
) -> ApiResult<EventFeed<Box<RawValue>>> {
    let log = store.log_head().await?;
    let Some(after) = log.resume_point(&since) else { return Ok(resync(log.token_at(log.seq))) };
    let mut subscription = store.subscription_at(user, after).await?.limited_to(scope.clone());
    let feed = match store.events_within(&log, &mut subscription, i64::MAX, limit).await? {
        Replay::ResyncRequired { head } => resync(log.token_at(head)),
        Replay::Events(events) => {
            let mut delivered = DeliveredMarks::default();
            events.iter().for_each(|event| delivered.note(&event.envelope));
            mark_delivered(store, user, &mut delivered).await;
            let events =
                events.iter().map(|event| frames::raw(frames::event(event, LogId::FIRST, log.epoch))).collect();
            let next_since = subscription.position();
            EventFeed {
                events,
                next_since,
                resume: Some(log.token_at(next_since).to_string()),
                resync_required: false,
                missing_clusters: Vec::new(),
            }
        }
    };
    Ok(feed)
}

/// A page that says: reload over REST, then go on from `from`.
fn resync(from: ResumeToken) -> EventFeed<Box<RawValue>> {
    let next_since = from.position_in(LogId(0)).map_or(0, |at| at.seq);
    EventFeed {
        events: vec![frames::raw(frames::resync_required())],
        next_since,
        resume: Some(from.to_string()),
        resync_required: true,
        missing_clusters: Vec::new(),
    }
}

/// A feed page counts as delivered; bookkeeping that fails does not fail the read.
async fn mark_delivered(store: &Store, user: UserId, marks: &mut DeliveredMarks) {
    if let Err(error) = store.mark_delivered(user, &marks.take()).await {
        tracing::warn!(%error, "recording a feed page's delivery failed");
    }
}
