//! Replaying the events a resuming client missed, up to where live delivery takes over.

use super::acks::Acks;
use super::frames::{self, CloseCode};
use super::hub::Closer;
use super::sending::{Stop, send};
use actix_ws::Session;
use chat_domain::{LogId, LogPosition, ResumeToken, Since};
use chat_store::{Clusters, LogReaders, LogsRead, Resumed};

const REPLAY_BATCH: i64 = 500;

/// Where a socket's replay ends in each log: `until[log]`, where live delivery takes over, for
/// the logs it follows live (`None`: not followed, so neither read nor taken up).
pub(super) struct ReplayEnd<'a> {
    pub until: &'a [Option<i64>],
    /// Whether the deployment has several logs: then each frame's token is the reader's own.
    pub several_logs: bool,
}

/// Everything after the readers' positions up to each followed log's end, each log in seq order,
/// in batches, read and admitted by the store's one read path.
pub(super) async fn replay(
    session: &mut Session,
    closer: &Closer,
    clusters: &Clusters,
    readers: &mut LogReaders,
    acks: &mut Acks,
    end: &ReplayEnd<'_>,
) -> Result<(), Stop> {
    while behind(readers, end.until) {
        let before = readers.token();
        let read = clusters.events_until(readers, Some(end.until), REPLAY_BATCH).await.map_err(|_| Stop::Gone)?;
        let events = match read {
            LogsRead::ResyncRequired { .. } => {
                send(session, closer, frames::resync_required()).await?;
                // The client reloads what it shows; live delivery goes on after each log's end,
                // with the chats the user is in there (a chat joined meanwhile included).
                let live = Since::Token(live_token(readers, end.until));
                let (user, scope) = (readers.user(), readers.scope().clone());
                let resumed = clusters.readers_following(end.until, user, Some(&live), &scope).await;
                *readers = match resumed.map_err(|_| Stop::Gone)? {
                    Resumed::At(readers) if readers.reads_every(end.until) => readers,
                    // Pruned or restored under the replay, or a followed log that stopped
                    // answering: a new connection starts afresh.
                    _ => return Err(Stop::Closed(CloseCode::GoingAway)),
                };
                return Ok(());
            }
            LogsRead::Events { events, missing } => {
                // A followed log that stopped answering cannot hand over to live delivery
                // without a gap: the client reconnects, and waits for that log meanwhile.
                let followed = |log: &u16| end.until.get(usize::from(*log)).is_some_and(Option::is_some);
                if missing.iter().any(followed) {
                    return Err(Stop::Closed(CloseCode::GoingAway));
                }
                events
            }
        };
        let mut token = before.clone();
        for (log, event) in &events {
            acks.sent(*log, &event.envelope);
            let epoch = readers.epoch(*log).unwrap_or_default();
            let frame = if end.several_logs {
                token.advance(LogPosition { log: *log, epoch, seq: event.envelope.seq });
                frames::event_resuming_at(event, *log, &token)
            } else {
                frames::event(event, *log, epoch)
            };
            send(session, closer, frame).await?;
        }
        if readers.token() == before {
            return Ok(());
        }
    }
    Ok(())
}

/// Whether a followed log's reader has not reached its end.
fn behind(readers: &LogReaders, until: &[Option<i64>]) -> bool {
    until.iter().enumerate().any(|(log, until)| {
        let subscription = readers.subscription(LogId::of_cluster(log));
        matches!((subscription, until), (Some(subscription), Some(until)) if subscription.position() < *until)
    })
}

/// The readers' token with every followed log at its end.
fn live_token(readers: &LogReaders, until: &[Option<i64>]) -> ResumeToken {
    let mut token = readers.token();
    for (log, until) in until.iter().enumerate() {
        let log = LogId::of_cluster(log);
        if let (Some(seq), Some(epoch)) = (until, readers.epoch(log)) {
            token.advance(LogPosition { log, epoch, seq: *seq });
        }
    }
    token
}
