//! A scenario's counts, printed whatever happens, and the promises they must keep.

use super::checks::{Delivered, Stored};
use super::load::Tally;
use std::fmt;
use std::time::Duration;

/// A 503 must come at once: a client learns of the outage instead of waiting on it.
pub const PROMPT_ANSWER: Duration = Duration::from_secs(2);

/// What a scenario tolerates beyond the promises every scenario keeps.
#[derive(Clone, Copy, Debug)]
pub struct Expect {
    /// The server itself goes away (kill -9): refused connections and 5xx are retried, not faults.
    pub server_may_vanish: bool,
    /// How soon after the database accepts connections again a write must succeed.
    pub recovery_within: Option<Duration>,
    /// The slowest a 503 may be (`PROMPT_ANSWER` unless a node may hang: then the bounded wait).
    pub unavailable_within: Duration,
}

#[derive(Debug)]
pub struct Report {
    pub name: String,
    pub took: Duration,
    pub tally: Tally,
    /// From the database accepting connections again to the first acknowledged write after it.
    pub recovery: Option<Duration>,
    pub stored: Stored,
    pub delivered: Delivered,
}

impl Report {
    /// Prints the counts, or fails with them and every broken promise.
    pub fn assert_kept(&self, expect: Expect) {
        let broken = self.broken_promises(expect);
        assert!(broken.is_empty(), "\n{self}{} broke its promises:\n  - {}\n", self.name, broken.join("\n  - "));
        println!("{self}");
    }

    fn broken_promises(&self, expect: Expect) -> Vec<String> {
        let (t, s, d) = (&self.tally, &self.stored, &self.delivered);
        let mut checks = vec![
            (t.pending.is_empty(), format!("{} keys never acknowledged: {:?}", t.pending.len(), t.pending.keys())),
            (s.lost.is_empty(), format!("{} acknowledged messages lost: {:?}", s.lost.len(), s.lost)),
            (s.duplicates == 0, format!("{} duplicate messages (one key's content stored twice)", s.duplicates)),
            (s.unacknowledged == 0, format!("{} stored messages no acknowledgement names", s.unacknowledged)),
            (s.key_mismatches == 0, format!("{} keys not recorded with their acknowledged message", s.key_mismatches)),
            (s.shared_ids == 0, format!("{} message ids acknowledged for two keys", s.shared_ids)),
            (
                s.unindexed.is_empty(),
                format!("{} acknowledged messages not in the search index: {:?}", s.unindexed.len(), s.unindexed),
            ),
            (t.other_statuses == 0, format!("{} answers other than 2xx, 500 and 503", t.other_statuses)),
            (d.duplicate_seqs == 0, format!("{} events delivered twice (same seq)", d.duplicate_seqs)),
            (d.out_of_order == 0, format!("{} events whose seq was not above the previous", d.out_of_order)),
            (d.duplicate_ids == 0, format!("{} message.created delivered twice (same id)", d.duplicate_ids)),
            (d.missing == 0, format!("{} acknowledged messages never delivered as message.created", d.missing)),
            (d.unacknowledged == 0, format!("{} message.created of messages nobody was told of", d.unacknowledged)),
            (d.log.resyncs == 0, format!("{} resync_required frames", d.log.resyncs)),
        ];
        if !expect.server_may_vanish {
            checks.extend([
                (
                    t.internal_errors == 0,
                    format!("{} answers were 500 (a lost database answers 503)", t.internal_errors),
                ),
                (
                    t.unavailable_without_retry_after == 0,
                    format!("{} 503s without Retry-After", t.unavailable_without_retry_after),
                ),
                (
                    t.unreachable + t.broken == 0,
                    format!("{} connection errors from the server", t.unreachable + t.broken),
                ),
                (t.timeouts == 0, format!("{} requests without an answer", t.timeouts)),
                (
                    t.slowest_unavailable <= expect.unavailable_within,
                    format!(
                        "a 503 took {:.2?}: requests wait on the outage (limit {:?})",
                        t.slowest_unavailable, expect.unavailable_within
                    ),
                ),
            ]);
        }
        if let Some(limit) = expect.recovery_within {
            let recovered = self.recovery.is_some_and(|took| took <= limit);
            checks.push((recovered, format!("no write succeeded within {limit:?} of the database's return")));
        }
        checks.into_iter().filter(|(kept, _)| !kept).map(|(_, broken)| broken).collect()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (t, s, d) = (&self.tally, &self.stored, &self.delivered);
        writeln!(f, "== {} ({:.1?}) ==", self.name, self.took)?;
        writeln!(
            f,
            "writes:    {} acknowledged ({} replays) in {} attempts; {} never acknowledged",
            t.acks.len(),
            t.replayed,
            t.attempts,
            t.pending.len()
        )?;
        writeln!(
            f,
            "answers:   503 {} ({} without Retry-After, slowest {:.2?}); 500 {}; other {}; refused {}; broken {}; timed out {}",
            t.unavailable,
            t.unavailable_without_retry_after,
            t.slowest_unavailable,
            t.internal_errors,
            t.other_statuses,
            t.unreachable,
            t.broken,
            t.timeouts
        )?;
        match self.recovery {
            Some(took) => writeln!(f, "recovery:  a write succeeded {took:.2?} after the database was back")?,
            None => writeln!(f, "recovery:  not measured, or no write succeeded")?,
        }
        writeln!(
            f,
            "database:  {} messages; lost {}; duplicates {}; unacknowledged {}; key mismatches {}; unindexed {}",
            s.rows,
            s.lost.len(),
            s.duplicates,
            s.unacknowledged,
            s.key_mismatches,
            s.unindexed.len()
        )?;
        writeln!(
            f,
            "websocket: {} events, {} message.created over {} connections ({} failed connects); duplicate seqs {}; \
             out of order {}; duplicate ids {}; missing {}; unacknowledged {}; resync_required {}",
            d.log.seqs.len(),
            d.log.created.len(),
            d.log.connections,
            d.log.failed_connects,
            d.duplicate_seqs,
            d.out_of_order,
            d.duplicate_ids,
            d.missing,
            d.unacknowledged,
            d.log.resyncs
        )?;
        t.samples.iter().try_for_each(|sample| writeln!(f, "sample:    {sample}"))
    }
}
