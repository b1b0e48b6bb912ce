//! Every cluster's event log read as one stream for a user (docs/ARCHITECTURE.md, "Spreading
//! chats over several clusters", step 4): a subscription per log, each at its own position, and
//! a resume token holding them all.
//!
//! A chat's events are all in its cluster's log, so the logs need no order between them: each is
//! read after its own position with the store's one read path (`events_for`), and a reader that
//! resumes with the token misses nothing of any and repeats nothing.

use super::Clusters;
use crate::error::StoreResult;
use crate::events::published::PublishedEvent;
use crate::events::replay::{LogHead, Replay};
use chat_domain::{ChatScope, LogId, LogPosition, ResumeToken, Subscription, UserId};
use futures_util::future::try_join_all;

/// A user's place in every cluster's log.
#[derive(Debug)]
pub struct LogReaders {
    /// By cluster number.
    logs: Vec<LogReader>,
}

#[derive(Debug)]
struct LogReader {
    epoch: i64,
    subscription: Subscription,
}

/// Where a reader resumes, or that it must resync (reload over REST, then go on from `from`).
#[derive(Debug)]
pub enum Resumed {
    /// Read on from here.
    At(LogReaders),
    /// A log pruned past the token's position, of another epoch, or not at a position it ever
    /// had: go on from `from`, every log's head now.
    ResyncRequired {
        /// Every log's head.
        from: ResumeToken,
    },
}

impl LogReaders {
    /// The token of where the reader stands.
    pub fn token(&self) -> ResumeToken {
        position_token(
            self.logs.iter().enumerate().map(|(log, reader)| (log, reader.epoch, reader.subscription.position())),
        )
    }
}

impl Clusters {
    /// Every cluster's log head, by cluster number.
    pub async fn log_heads(&self) -> StoreResult<Vec<LogHead>> {
        try_join_all(self.all().iter().map(|store| store.log_head())).await
    }

    /// `user`'s readers after `since` (from every log's head without one), limited to `scope`.
    /// A log the token does not name (a cluster added after it was given) is read from its
    /// start, or resyncs once that log pruned anything; a token naming a log this deployment
    /// does not have resyncs.
    pub async fn readers_at(
        &self,
        user: UserId,
        since: Option<&ResumeToken>,
        scope: &ChatScope,
    ) -> StoreResult<Resumed> {
        let heads = self.log_heads().await?;
        let foreign =
            since.is_some_and(|token| token.positions().iter().any(|at| usize::from(at.log.0) >= heads.len()));
        if foreign {
            return Ok(Resumed::ResyncRequired { from: heads_token(&heads) });
        }
        let mut positions = Vec::with_capacity(heads.len());
        for (log, head) in heads.iter().enumerate() {
            let this_log = log_id(log);
            let position = match since {
                None => Some(head.seq),
                Some(token) => match token.position_in(this_log) {
                    Some(position) => head.resume_point(&ResumeToken::single(position.epoch, position.seq).into()),
                    None => head.resume_point(&0.into()),
                },
            };
            match position {
                Some(position) => positions.push(position),
                None => return Ok(Resumed::ResyncRequired { from: heads_token(&heads) }),
            }
        }
        let subscriptions = try_join_all(
            self.all().iter().zip(&positions).map(|(store, position)| store.subscription_at(user, *position)),
        )
        .await?;
        let logs = subscriptions
            .into_iter()
            .zip(&heads)
            .map(|(subscription, head)| LogReader {
                epoch: head.epoch,
                subscription: subscription.limited_to(scope.clone()),
            })
            .collect();
        Ok(Resumed::At(LogReaders { logs }))
    }

    /// The reader's events after its positions, at most `limit` looked at in each log, with the
    /// log each came from; every log's position moves past what was looked at. `None` when a
    /// log was pruned past the reader meanwhile, or restored (its epoch is not the reader's):
    /// resync. The positions move only when every log was read: a log that failed leaves all of
    /// them where they were, so no log's events are dropped with the error.
    pub async fn events_for(
        &self,
        readers: &mut LogReaders,
        limit: i64,
    ) -> StoreResult<Option<Vec<(LogId, PublishedEvent)>>> {
        // A log restored under the reader: its seqs past the restore point are another history's.
        let heads = self.log_heads().await?;
        if heads.iter().zip(&readers.logs).any(|(head, reader)| head.epoch != reader.epoch) {
            return Ok(None);
        }
        let mut moved: Vec<Subscription> = readers.logs.iter().map(|reader| reader.subscription.clone()).collect();
        let pages = try_join_all(
            self.all()
                .iter()
                .zip(moved.iter_mut())
                .map(|(store, subscription)| store.events_for(subscription, i64::MAX, limit)),
        )
        .await?;
        let mut events = Vec::new();
        for (log, page) in pages.into_iter().enumerate() {
            match page {
                Replay::Events(page) => events.extend(page.into_iter().map(|event| (log_id(log), event))),
                Replay::ResyncRequired { .. } => return Ok(None),
            }
        }
        for (reader, subscription) in readers.logs.iter_mut().zip(moved) {
            reader.subscription = subscription;
        }
        Ok(Some(events))
    }
}

fn heads_token(heads: &[LogHead]) -> ResumeToken {
    position_token(heads.iter().enumerate().map(|(log, head)| (log, head.epoch, head.seq)))
}

fn position_token(positions: impl Iterator<Item = (usize, i64, i64)>) -> ResumeToken {
    let positions: Vec<LogPosition> =
        positions.map(|(log, epoch, seq)| LogPosition { log: log_id(log), epoch, seq }).collect();
    // One position per cluster, and a deployment has at least one: never refused.
    ResumeToken::new(positions).unwrap_or_else(|| ResumeToken::single(0, 0))
}

/// The log of cluster number `cluster`.
fn log_id(cluster: usize) -> LogId {
    LogId(u16::try_from(cluster).unwrap_or(u16::MAX))
}
