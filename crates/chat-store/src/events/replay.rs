//! Reading the log back for one user: which chats they were in at a given seq, and the events
//! of those chats after it. Membership is taken *as of* that seq, so a user who left since still
//! gets that chat's events up to their removal, and one who joined since gets them from the join.

use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::error::StoreResult;
use crate::events::published::PublishedEvent;
use crate::rows::EventRow;
use crate::schema::event_head;
use chat_domain::{ChatId, EventKind, ResumeToken, Since, Subscription, UserId};
use diesel::QueryableByName;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;

/// What a reader gets from the log after its subscription's position.
#[derive(Debug)]
pub enum Replay {
    /// The user's events, oldest first, as their `Subscription` admitted them; the subscription's
    /// position has moved past everything looked at, so read on from there even when no event
    /// was theirs.
    Events(Vec<PublishedEvent>),
    /// Events after the position were pruned (or the position is from the future): refetch
    /// state, then continue after `head`, the newest published seq.
    ResyncRequired { head: i64 },
}

/// The user's chats now, plus those they left after the seq, minus those they joined after it
/// (an event without a seq yet counts as after).
/// `$3` is `member.removed`: the other events naming the user in `member_ids` add them.
const CHATS_AS_OF_SQL: &str = "
SELECT chat_id FROM chat_members WHERE user_id = $1
UNION
SELECT chat_id FROM events
 WHERE cardinality(member_ids) > 0 AND member_ids @> ARRAY[$1::bigint] AND kind = $3 AND (seq IS NULL OR seq > $2)
EXCEPT
SELECT chat_id FROM events
 WHERE cardinality(member_ids) > 0 AND member_ids @> ARRAY[$1::bigint] AND kind <> $3 AND (seq IS NULL OR seq > $2)";
statement!(ChatsAsOf, CHATS_AS_OF_SQL);

/// The reader's chats are gathered once into an array, so the plan walks `events_seq_key` from the
/// position and stops at the limit, whatever the gap: with `chat_id IN (...)`, the generic plan
/// (`connect.rs`: `SESSION_OPTIONS`) read the whole gap, joined and sorted it (447 ms for a gap of
/// 1,000,000 events, against 21 ms now; `query_plans` tests it). A gap holding none of the
/// reader's events is still read through.
pub(crate) const EVENTS_FOR_SQL: &str = "
SELECT seq, chat_id, kind, data, member_ids, message_id FROM events
 WHERE seq > $2 AND seq <= $3
   AND chat_id = ANY (ARRAY(SELECT chat_id FROM chat_members WHERE user_id = $1
                            UNION
                            SELECT chat_id FROM events r
                             WHERE cardinality(r.member_ids) > 0 AND r.member_ids @> ARRAY[$1::bigint]
                               AND r.kind = $5 AND r.seq > $2))
 ORDER BY seq
 LIMIT $4";
statement!(EventsFor, EVENTS_FOR_SQL);

#[derive(QueryableByName)]
struct ChatIdRow {
    #[diesel(sql_type = BigInt)]
    chat_id: i64,
}

/// The log as it stands: its epoch, its published head, and how far retention has pruned it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogHead {
    /// Names the log's history: it moves on when the database is restored from a backup.
    pub epoch: i64,
    /// The newest published seq.
    pub seq: i64,
    /// Events up to here were pruned.
    pub pruned_through: i64,
}

impl LogHead {
    /// Where a reader that resumes after `since` continues, or `None` when it must resync: the
    /// token is of another epoch (the database was restored, or is another one) or names logs
    /// this deployment does not have, the events after it were pruned, or it claims seqs that
    /// were never published.
    pub fn resume_point(&self, since: &Since) -> Option<i64> {
        let after = match since {
            Since::Seq(seq) => *seq,
            Since::Token(token) => token.single_position().filter(|position| position.epoch == self.epoch)?.seq,
        };
        (!self.must_resync(after)).then_some(after)
    }

    /// The token of a reader that has everything up to `seq` of this log.
    pub fn token_at(&self, seq: i64) -> ResumeToken {
        ResumeToken::single(self.epoch, seq)
    }

    /// A reader that has everything up to `after` lost events to pruning, or claims seqs that
    /// were never published.
    fn must_resync(&self, after: i64) -> bool {
        after < self.pruned_through || after > self.seq
    }
}

impl Store {
    /// The log's epoch, head and pruning point, read together.
    pub async fn log_head(&self) -> StoreResult<LogHead> {
        let mut conn = self.conn().await?;
        let (seq, pruned_through, epoch) = event_head::table
            .select((event_head::seq, event_head::pruned_through, event_head::epoch))
            .first(&mut conn)
            .await?;
        Ok(LogHead { epoch, seq, pruned_through })
    }

    /// `user`'s subscription as it stood at seq `at`: positioned there, with the chats they were
    /// in then.
    pub async fn subscription_at(&self, user: UserId, at: i64) -> StoreResult<Subscription> {
        let mut conn = self.conn().await?;
        let rows: Vec<ChatIdRow> = prepared::<ChatsAsOf>()
            .bind::<BigInt, _>(user.0)
            .bind::<BigInt, _>(at)
            .bind::<Text, _>(EventKind::MemberRemoved.as_str())
            .load(&mut conn)
            .await?;
        Ok(Subscription::new(user, at, rows.into_iter().map(|row| ChatId(row.chat_id))))
    }

    /// The one read path of the log for a user: events after `subscription`'s position up to
    /// `until` (inclusive), at most `limit` of them looked at, admitted by the subscription, which
    /// moves past them. The WebSocket's replay and `GET /events` both read through here; live
    /// delivery admits through the same `Subscription`.
    pub async fn events_for(&self, subscription: &mut Subscription, until: i64, limit: i64) -> StoreResult<Replay> {
        // Read before the events: every seq up to this head is visible to the query that follows.
        let bounds = self.log_head().await?;
        self.events_within(&bounds, subscription, until, limit).await
    }

    /// `events_for` within `bounds`, a head its caller read (for the epoch its answer names)
    /// before this call: every seq up to it is visible to the query here, so nothing past it is
    /// passed over. Saves reading the head twice.
    pub async fn events_within(
        &self,
        bounds: &LogHead,
        subscription: &mut Subscription,
        until: i64,
        limit: i64,
    ) -> StoreResult<Replay> {
        let after = subscription.position();
        if bounds.must_resync(after) {
            return Ok(Replay::ResyncRequired { head: bounds.seq });
        }
        let head = bounds.seq;
        let mut conn = self.conn().await?;
        let rows: Vec<EventRow> = prepared::<EventsFor>()
            .bind::<BigInt, _>(subscription.user().0)
            .bind::<BigInt, _>(after)
            .bind::<BigInt, _>(until)
            .bind::<BigInt, _>(limit)
            .bind::<Text, _>(EventKind::MemberRemoved.as_str())
            .load(&mut conn)
            .await?;
        let complete = rows.len() < usize::try_from(limit).unwrap_or(usize::MAX);
        // Every row is read before any is admitted: a row that fails leaves the subscription
        // where it was, not past events it never handed over.
        let events: Vec<PublishedEvent> = rows.into_iter().map(EventRow::into_published).collect::<StoreResult<_>>()?;
        let admitted: Vec<PublishedEvent> =
            events.into_iter().filter(|event| subscription.admit(&event.envelope)).collect();
        // A short page saw every matching event up to the head (and `until`).
        if complete {
            subscription.pass_to(head.min(until));
        }
        Ok(Replay::Events(admitted))
    }
}
