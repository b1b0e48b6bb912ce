//! Every cluster's event log read as one stream for a user (docs/ARCHITECTURE.md, "Spreading
//! chats over several clusters", step 4): a subscription per log, each at its own position, and
//! a resume token holding them all.
//!
//! A chat's events are all in its cluster's log, so the logs need no order between them: each is
//! read after its own position with the store's one read path (`events_within`), and a reader
//! that resumes with the token misses nothing of any and repeats nothing. For the same reason a
//! log whose cluster does not answer waits where it stood, named missing, while the others are
//! read on: each log's position moves only with its own read.

use super::Clusters;
use crate::error::{StoreError, StoreResult};
use crate::events::published::PublishedEvent;
use crate::events::replay::{LogHead, Replay};
use chat_domain::{ChatScope, LogId, LogPosition, ResumeToken, Since, Subscription, UserId};
use futures_util::future::join_all;

/// A user's place in every cluster's log.
#[derive(Debug)]
pub struct LogReaders {
    user: UserId,
    scope: ChatScope,
    /// By cluster number.
    logs: Vec<LogReader>,
}

#[derive(Debug)]
enum LogReader {
    /// Read after its subscription's position, in the log of this epoch.
    Reading { epoch: i64, subscription: Subscription },
    /// Its cluster did not answer when the reader was made: where the token put it (`None`: the
    /// token did not name it, so from the log's start), checked when the cluster answers.
    Waiting { since: Option<LogPosition> },
}

/// Where a reader resumes, or that it must resync (reload over REST, then go on from `from`).
#[derive(Debug)]
pub enum Resumed {
    /// Read on from here.
    At(LogReaders),
    /// A log pruned past the token's position, of another epoch, or not at a position it ever
    /// had: go on from `from`, every answering log's head now (a log that does not answer at the
    /// token's position in it, to be read from there when it answers).
    ResyncRequired {
        /// Where to go on from.
        from: ResumeToken,
    },
}

/// A page of a reader's events.
#[derive(Debug)]
pub enum LogsRead {
    /// The events after the reader's positions, with the log each came from; the clusters whose
    /// logs did not answer (their positions stay where they were).
    Events { events: Vec<(LogId, PublishedEvent)>, missing: Vec<u16> },
    /// A log was pruned past the reader meanwhile, or restored (its epoch is not the reader's):
    /// go on from `from`, every answering log's head now (a log that does not answer at the
    /// reader's position in it).
    ResyncRequired {
        /// Where to go on from.
        from: ResumeToken,
    },
}

impl LogReaders {
    /// The token of where the reader stands (a log still waiting for the token's position as it
    /// was, or unnamed when the token did not name it).
    pub fn token(&self) -> ResumeToken {
        position_token((0..self.logs.len()).filter_map(|log| self.position_in(log)))
    }

    /// The user whose reader this is.
    pub fn user(&self) -> UserId {
        self.user
    }

    /// The chats the reader may see.
    pub fn scope(&self) -> &ChatScope {
        &self.scope
    }

    /// The subscription reading log `log`; `None` while that log waits (its cluster did not
    /// answer, or its reader's caller does not follow it yet).
    pub fn subscription(&self, log: LogId) -> Option<&Subscription> {
        match self.logs.get(usize::from(log.0)) {
            Some(LogReader::Reading { subscription, .. }) => Some(subscription),
            _ => None,
        }
    }

    /// `subscription`, to admit events to (live delivery) or move on.
    pub fn subscription_mut(&mut self, log: LogId) -> Option<&mut Subscription> {
        match self.logs.get_mut(usize::from(log.0)) {
            Some(LogReader::Reading { subscription, .. }) => Some(subscription),
            _ => None,
        }
    }

    /// Every log's subscription, of the logs being read.
    pub fn subscriptions(&self) -> impl Iterator<Item = &Subscription> {
        self.logs.iter().filter_map(|reader| match reader {
            LogReader::Reading { subscription, .. } => Some(subscription),
            LogReader::Waiting { .. } => None,
        })
    }

    /// The epoch of log `log` as read, while it is.
    pub fn epoch(&self, log: LogId) -> Option<i64> {
        match self.logs.get(usize::from(log.0)) {
            Some(LogReader::Reading { epoch, .. }) => Some(*epoch),
            _ => None,
        }
    }

    /// Whether every log `ends` names an end for (`Clusters::events_until`) is being read.
    pub fn reads_every(&self, ends: &[Option<i64>]) -> bool {
        ends.iter().enumerate().all(|(log, end)| end.is_none() || self.subscription(LogId::of_cluster(log)).is_some())
    }

    /// Where the reader stands in log `log`, if anywhere yet.
    fn position_in(&self, log: usize) -> Option<LogPosition> {
        match &self.logs[log] {
            LogReader::Reading { epoch, subscription } => {
                Some(LogPosition { log: LogId::of_cluster(log), epoch: *epoch, seq: subscription.position() })
            }
            LogReader::Waiting { since } => *since,
        }
    }
}

impl Clusters {
    /// Every cluster's log head, by cluster number.
    pub async fn log_heads(&self) -> StoreResult<Vec<LogHead>> {
        futures_util::future::try_join_all(self.all().iter().map(|store| store.log_head())).await
    }

    /// Every cluster's log head, or `None` for a cluster that does not answer; an outage when
    /// none does.
    pub async fn answering_heads(&self) -> StoreResult<Vec<Option<LogHead>>> {
        let mut heads = Vec::with_capacity(self.all().len());
        for head in join_all(self.all().iter().map(|store| store.log_head())).await {
            heads.push(answered(head)?);
        }
        if heads.iter().all(Option::is_none) {
            return Err(StoreError::Unavailable("no cluster's event log answers".into()));
        }
        Ok(heads)
    }

    /// `user`'s readers after `since` (from every log's head without one), limited to `scope`.
    /// A log the token does not name (a cluster added after it was given) is read from its
    /// start, or resyncs once that log pruned anything; a token naming a log this deployment
    /// does not have resyncs. A plain seq is a position in the first cluster's log, as in a
    /// deployment of one (the other logs from their start). A log whose cluster does not answer
    /// waits at the token's position (a fresh reader's: at its start, having had none of that
    /// cluster's chats to show).
    pub async fn readers_at(&self, user: UserId, since: Option<&Since>, scope: &ChatScope) -> StoreResult<Resumed> {
        let heads = self.answering_heads().await?;
        self.readers_within(&heads, user, since, scope).await
    }

    /// `readers_at` over the logs `ends` names an end for only (a socket's: those it follows
    /// live), the others waiting as if their clusters did not answer.
    pub async fn readers_following(
        &self,
        ends: &[Option<i64>],
        user: UserId,
        since: Option<&Since>,
        scope: &ChatScope,
    ) -> StoreResult<Resumed> {
        let heads = mask(self.answering_heads().await?, ends);
        self.readers_within(&heads, user, since, scope).await
    }

    /// `readers_at`, against `heads` its caller read (`answering_heads`), a log whose head is
    /// `None` waiting.
    pub async fn readers_within(
        &self,
        heads: &[Option<LogHead>],
        user: UserId,
        since: Option<&Since>,
        scope: &ChatScope,
    ) -> StoreResult<Resumed> {
        let token = match since {
            Some(Since::Token(token)) => Some(token),
            _ => None,
        };
        let foreign =
            token.is_some_and(|token| token.positions().iter().any(|at| usize::from(at.log.0) >= heads.len()));
        if foreign {
            return Ok(Resumed::ResyncRequired { from: resync_token(heads, |log| named_in(token, log)) });
        }
        let mut readers = LogReaders { user, scope: scope.clone(), logs: Vec::with_capacity(heads.len()) };
        for (log, head) in heads.iter().enumerate() {
            let named = named_in(token, log);
            let Some(head) = head else {
                readers.logs.push(LogReader::Waiting { since: named });
                continue;
            };
            let seq = match since {
                None => Some(head.seq),
                Some(Since::Seq(seq)) if log == 0 => head.resume_point(&Since::Seq(*seq)),
                Some(Since::Seq(_)) => head.resume_point(&Since::Seq(0)),
                Some(Since::Token(_)) => resume_point(head, named),
            };
            let Some(seq) = seq else {
                return Ok(Resumed::ResyncRequired { from: resync_token(heads, |log| named_in(token, log)) });
            };
            let position = LogPosition { log: LogId::of_cluster(log), epoch: head.epoch, seq };
            readers.logs.push(LogReader::Waiting { since: Some(position) });
        }
        // Checked against the heads just read: a position of this epoch, not pruned.
        let checked: Vec<bool> = heads.iter().map(Option::is_some).collect();
        self.subscribe_waiting(&mut readers, &checked).await?;
        Ok(Resumed::At(readers))
    }

    /// The reader's events after its positions, at most `limit` looked at in each log. Each log
    /// that answers moves past what was looked at in it; one that does not stays where it was,
    /// and is named. A log that waited since its cluster did not answer is checked against its
    /// head first, then read like the others.
    pub async fn events_for(&self, readers: &mut LogReaders, limit: i64) -> StoreResult<LogsRead> {
        self.events_until(readers, None, limit).await
    }

    /// `events_for`, up to `ends[log]` in each log (a socket's replay, up to where its live
    /// delivery starts in each log it follows): a log whose end is `None` is not read, nor taken
    /// up if it waited, as if its cluster did not answer (nothing would carry its events on).
    pub async fn events_until(
        &self,
        readers: &mut LogReaders,
        ends: Option<&[Option<i64>]>,
        limit: i64,
    ) -> StoreResult<LogsRead> {
        // Read before the events: every seq up to each head is visible to its log's read.
        let mut heads = self.answering_heads().await?;
        if let Some(ends) = ends {
            heads = mask(heads, ends);
        }
        let until = |log: usize| ends.and_then(|ends| ends.get(log).copied().flatten()).unwrap_or(i64::MAX);
        let resync = |readers: &LogReaders| LogsRead::ResyncRequired {
            from: resync_token(&heads, |log| readers.position_in(log)),
        };
        let mut checked_waiting = Vec::new();
        for (log, (head, reader)) in heads.iter().zip(&readers.logs).enumerate() {
            match (head, reader) {
                // A log restored under the reader: its seqs past the restore point are another history's.
                (Some(head), LogReader::Reading { epoch, .. }) if head.epoch != *epoch => return Ok(resync(readers)),
                (Some(head), LogReader::Waiting { since }) => match resume_point(head, *since) {
                    Some(seq) => {
                        checked_waiting.push((log, LogPosition { log: LogId::of_cluster(log), epoch: head.epoch, seq }))
                    }
                    None => return Ok(resync(readers)),
                },
                _ => {}
            }
        }
        for (log, position) in checked_waiting {
            readers.logs[log] = LogReader::Waiting { since: Some(position) };
        }
        let checked: Vec<bool> = heads.iter().map(Option::is_some).collect();
        self.subscribe_waiting(readers, &checked).await?;

        let reads = self.all().iter().zip(&heads).zip(&readers.logs).enumerate().filter_map(
            |(log, ((store, head), reader))| {
                let (Some(head), LogReader::Reading { subscription, .. }) = (head, reader) else { return None };
                let mut moved = subscription.clone();
                let until = until(log);
                Some(async move {
                    let page = store.events_within(head, &mut moved, until, limit).await;
                    (log, page, moved)
                })
            },
        );
        let pages = join_all(reads).await;
        let mut read: Vec<usize> = Vec::new();
        let (mut events, mut moves) = (Vec::new(), Vec::new());
        for (log, page, moved) in pages {
            match answered(page)? {
                Some(Replay::Events(page)) => {
                    read.push(log);
                    events.extend(page.into_iter().map(|event| (LogId::of_cluster(log), event)));
                    moves.push((log, moved));
                }
                Some(Replay::ResyncRequired { .. }) => return Ok(resync(readers)),
                None => {}
            }
        }
        for (log, moved) in moves {
            if let LogReader::Reading { subscription, .. } = &mut readers.logs[log] {
                *subscription = moved;
            }
        }
        let missing =
            (0..readers.logs.len()).filter(|log| !read.contains(log)).map(|log| LogId::of_cluster(log).0).collect();
        Ok(LogsRead::Events { events, missing })
    }

    /// Subscribes each waiting log whose position was `checked` against its head: the user's
    /// chats in that log as of its position (`Store::subscription_at`). A cluster that does not
    /// answer leaves its log waiting.
    async fn subscribe_waiting(&self, readers: &mut LogReaders, checked: &[bool]) -> StoreResult<()> {
        let user = readers.user;
        let subscribing = readers.logs.iter().enumerate().filter_map(|(log, reader)| match reader {
            LogReader::Waiting { since: Some(at) } if checked[log] => {
                let (store, at) = (&self.all()[log], *at);
                Some(async move { (log, at.epoch, store.subscription_at(user, at.seq).await) })
            }
            _ => None,
        });
        for (log, epoch, subscription) in join_all(subscribing).await {
            if let Some(subscription) = answered(subscription)? {
                let subscription = subscription.limited_to(readers.scope.clone());
                readers.logs[log] = LogReader::Reading { epoch, subscription };
            }
        }
        Ok(())
    }
}

/// `heads` with the head of every log whose end is `None` left out (as if its cluster did not
/// answer).
fn mask(heads: Vec<Option<LogHead>>, ends: &[Option<i64>]) -> Vec<Option<LogHead>> {
    heads
        .into_iter()
        .enumerate()
        .map(|(log, head)| head.filter(|_| ends.get(log).is_some_and(Option::is_some)))
        .collect()
}

/// A cluster's answer, `None` when it is down; any other error stands.
fn answered<T>(result: StoreResult<T>) -> StoreResult<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(StoreError::Unavailable(_)) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Where a log's reader resumes given the token's position in it (`None`: from its start), or
/// `None` when it must resync.
fn resume_point(head: &LogHead, named: Option<LogPosition>) -> Option<i64> {
    match named {
        Some(position) => head.resume_point(&ResumeToken::single(position.epoch, position.seq).into()),
        None => head.resume_point(&Since::Seq(0)),
    }
}

/// Every answering log's head, and for a log that does not answer the position `kept` gives it
/// (read from there when it answers: a resync reloads what the clusters that answer hold).
fn resync_token(heads: &[Option<LogHead>], kept: impl Fn(usize) -> Option<LogPosition>) -> ResumeToken {
    position_token(heads.iter().enumerate().filter_map(|(log, head)| match head {
        Some(head) => Some(LogPosition { log: LogId::of_cluster(log), epoch: head.epoch, seq: head.seq }),
        None => kept(log),
    }))
}

/// The position `since` names in log `log`.
fn named_in(since: Option<&ResumeToken>, log: usize) -> Option<LogPosition> {
    since.and_then(|token| token.position_in(LogId::of_cluster(log)))
}

fn position_token(positions: impl Iterator<Item = LogPosition>) -> ResumeToken {
    // A deployment has at least one cluster, and the directory answers whenever anything does.
    ResumeToken::new(positions.collect()).unwrap_or_else(|| ResumeToken::single(0, 0))
}
