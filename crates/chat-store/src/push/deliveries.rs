//! Sending from the push outbox: claiming due deliveries (a lease, so processes never send one row
//! at once and a killed process's claims come back), and recording what came of each.

use crate::connection::pool::Store;
use crate::connection::prepared::{plan_for_values, prepared, statement};
use crate::error::{StoreError, StoreResult};
use chat_domain::{ChatId, MessageId, PushType, PusherKind};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Bool, Double, Integer, Nullable, Text};
use diesel_async::{AsyncConnection, RunQueryDsl};
use std::time::Duration;

// Claims up to `$1` due deliveries for `$2` ms, counting the attempt, and reads what sending each
// needs: the pusher, the message's author and text, the recipient's unread count in the chat
// (once per recipient and chat, not per pusher: `reader` is materialized, or its count is made
// per row; counted up to 100 (`UNREAD_COUNTED_UP_TO`, a literal as in `SUMMARY_SQL`, which says
// why), on a range of `(chat_id, id)` bounded, and with its author compared, as `SUMMARY_SQL`'s:
// uncapped, every push of a long unread stretch counted all of it again; and with `x.id > marker`
// the planner walked `messages_pkey` through every other chat's newer messages, as history.rs
// describes: 6 ms a push in `make bench`), and whether the push has become pointless (`seen`): the
// recipient's read or delivery marker reached the message (a device of theirs got it over its
// WebSocket, or they read the chat), they muted the chat, left it, or the message was deleted.
statement!(
    ClaimDeliveries,
    "
WITH due AS (
    SELECT id FROM push_deliveries
    WHERE state = 'pending' AND due_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
    ORDER BY due_at LIMIT $1
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE push_deliveries d
    SET claimed_until = now() + $2::float8 * interval '1 millisecond', attempts = d.attempts + 1
    FROM due WHERE d.id = due.id
    RETURNING d.id, d.pusher_id, d.kind, d.chat_id, d.message_id, d.attempts
), target AS (
    SELECT d.*, p.user_id, p.kind AS pusher_kind, p.url, p.pushkey, p.p256dh, p.auth
    FROM claimed d JOIN pushers p ON p.id = d.pusher_id
), reader AS MATERIALIZED (
    SELECT r.user_id, r.chat_id, m.user_id IS NOT NULL AS member, m.last_read_message_id, m.last_delivered_message_id,
           COALESCE(m.muted_until > now(), FALSE) AS muted,
           (SELECT count(*) FROM (SELECT 1 FROM messages x
             WHERE (x.chat_id, x.id) > (r.chat_id, COALESCE(m.last_read_message_id, 0))
               AND (x.chat_id, x.id) <= (r.chat_id, 9223372036854775807)
               AND x.author_id + 0 <> r.user_id AND x.deleted_at IS NULL
               AND x.author_id + 0 <> ALL (ARRAY(SELECT blocked_id FROM user_blocks WHERE blocker_id = r.user_id))
             ORDER BY x.chat_id, x.id LIMIT 100) unread_rows) AS unread
    FROM (SELECT DISTINCT user_id, chat_id FROM target) r
    LEFT JOIN chat_members m ON m.chat_id = r.chat_id AND m.user_id = r.user_id
)
SELECT t.id, t.kind, t.chat_id, t.message_id, t.attempts,
       t.pusher_id, t.pusher_kind, t.url, t.pushkey, t.p256dh, t.auth,
       COALESCE(t.kind = 'message' AND (
            NOT r.member OR msg.id IS NULL OR msg.deleted_at IS NOT NULL
            OR GREATEST(COALESCE(r.last_read_message_id, 0), COALESCE(r.last_delivered_message_id, 0)) >= t.message_id
            OR r.muted
       ), FALSE) AS seen,
       author.display_name AS sender_name, msg.kind AS message_kind, msg.content, r.unread
FROM target t
JOIN reader r ON r.user_id = t.user_id AND r.chat_id = t.chat_id
LEFT JOIN messages msg ON msg.id = t.message_id AND t.kind = 'message'
LEFT JOIN users author ON author.id = msg.author_id"
);

// Records how a round's claimed deliveries ended, in one statement (a commit per push cost more
// than the push's planning): `$1` ids, `$2` their new states (`pending` to be tried again, due
// `$3` ms later), and `$4` the pushers whose endpoints said they are gone, deleted with their
// deliveries (which the update leaves to that cascade). It finds the rows by primary key: with
// `state = 'pending'` the planner took the pending index (its statistics a few rows, though dead
// entries fill it between vacuums) and walked 15,000 entries a round in `make bench`; so the
// finished states are excluded instead, which no partial index matches.
statement!(
    RecordDeliveries,
    "
WITH gone AS (
    DELETE FROM pushers WHERE id = ANY($4)
)
UPDATE push_deliveries d
SET state = o.state,
    finished_at = CASE WHEN o.state = 'pending' THEN NULL ELSE now() END,
    due_at = CASE WHEN o.state = 'pending' THEN now() + o.retry_ms * interval '1 millisecond' ELSE d.due_at END,
    claimed_until = NULL
FROM unnest($1::bigint[], $2::text[], $3::float8[]) AS o(id, state, retry_ms)
WHERE d.id = ANY($1) AND d.id = o.id AND d.state NOT IN ('sent', 'skipped', 'failed') AND d.pusher_id <> ALL($4)"
);

statement!(
    PruneDeliveries,
    "DELETE FROM push_deliveries WHERE state <> 'pending' AND finished_at < now() - $1::float8 * interval '1 millisecond'"
);

#[derive(QueryableByName)]
struct DueRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = BigInt)]
    chat_id: i64,
    #[diesel(sql_type = BigInt)]
    message_id: i64,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = BigInt)]
    pusher_id: i64,
    #[diesel(sql_type = Text)]
    pusher_kind: String,
    #[diesel(sql_type = Text)]
    url: String,
    #[diesel(sql_type = Text)]
    pushkey: String,
    #[diesel(sql_type = Nullable<Text>)]
    p256dh: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    auth: Option<String>,
    #[diesel(sql_type = Bool)]
    seen: bool,
    #[diesel(sql_type = Nullable<Text>)]
    sender_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    message_kind: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    content: Option<String>,
    #[diesel(sql_type = BigInt)]
    unread: i64,
}

/// Where a delivery goes.
#[derive(Clone)]
pub struct PushTarget {
    pub pusher_id: i64,
    pub kind: PusherKind,
    /// The endpoint or gateway URL: a credential, never logged.
    pub url: String,
    /// The gateway's device key (empty for Web Push).
    pub pushkey: String,
    /// Web Push: the browser's keys, base64url.
    pub p256dh: Option<String>,
    pub auth: Option<String>,
}

/// The pusher's id and kind only: its URL and keys are credentials, never logged.
impl std::fmt::Debug for PushTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushTarget")
            .field("pusher_id", &self.pusher_id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A claimed delivery and what sending it needs.
#[derive(Clone, Debug)]
pub struct DueDelivery {
    pub id: i64,
    pub kind: PushType,
    pub chat_id: ChatId,
    pub message_id: MessageId,
    /// Attempts so far, this one included.
    pub attempts: u32,
    pub target: PushTarget,
    /// The recipient has the message already (or muted the chat, left it, or it was deleted):
    /// record it as skipped, send nothing.
    pub seen: bool,
    pub sender_name: Option<String>,
    /// `text`, `image` or `file`, for a message push.
    pub message_kind: Option<String>,
    pub content: Option<String>,
    /// The recipient's unread messages in the chat.
    pub unread: i64,
}

/// How a claimed delivery's attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushEnd {
    /// The endpoint took it.
    Sent,
    /// Not sent: the recipient had it already.
    Skipped,
    /// Given up on: refused, or still failing after the last attempt.
    Failed,
    /// Failed for now: due again after this long.
    Retry(Duration),
    /// The endpoint says the subscription is gone (404, 410): the pusher is deleted, with
    /// everything still to be sent to it.
    Gone,
}

/// What to record of one claimed delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PushRecord {
    pub delivery: i64,
    pub pusher: i64,
    pub end: PushEnd,
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl DueRow {
    fn into_delivery(self) -> StoreResult<DueDelivery> {
        let corrupt =
            |what: &str, text: &str| StoreError::Corrupt(format!("push delivery {}: {what} {text:?}", self.id));
        let kind: PushType = self.kind.parse().map_err(|()| corrupt("kind", &self.kind))?;
        let pusher_kind: PusherKind =
            self.pusher_kind.parse().map_err(|()| corrupt("pusher kind", &self.pusher_kind))?;
        Ok(DueDelivery {
            id: self.id,
            kind,
            chat_id: ChatId(self.chat_id),
            message_id: MessageId(self.message_id),
            attempts: u32::try_from(self.attempts).unwrap_or(0),
            target: PushTarget {
                pusher_id: self.pusher_id,
                kind: pusher_kind,
                url: self.url,
                pushkey: self.pushkey,
                p256dh: self.p256dh,
                auth: self.auth,
            },
            seen: self.seen,
            sender_name: self.sender_name,
            message_kind: self.message_kind,
            content: self.content,
            unread: self.unread,
        })
    }
}

impl Store {
    /// Claims up to `limit` due deliveries for `lease` (longer than a send can take: a claim that
    /// outlives its process comes back to any process after it).
    pub async fn claim_pushes(&self, limit: i64, lease: Duration) -> StoreResult<Vec<DueDelivery>> {
        let mut conn = self.conn().await?;
        // In a transaction, which ends in COMMIT: nothing is sent on a claim that did not commit.
        let rows: Vec<DueRow> = conn
            .transaction(async |conn| {
                prepared::<ClaimDeliveries>()
                    .bind::<BigInt, _>(limit)
                    .bind::<BigInt, _>(millis(lease))
                    .load::<DueRow>(conn)
                    .await
            })
            .await?;
        rows.into_iter().map(DueRow::into_delivery).collect()
    }

    /// Records how claimed deliveries ended, all in one statement, and lets go of their leases.
    pub async fn record_pushes(&self, records: &[PushRecord]) -> StoreResult<()> {
        let mut gone: Vec<i64> = Vec::new();
        let (mut ids, mut states, mut retry_ms) = (Vec::new(), Vec::new(), Vec::new());
        for record in records {
            let (state, retry) = match record.end {
                PushEnd::Sent => ("sent", Duration::ZERO),
                PushEnd::Skipped => ("skipped", Duration::ZERO),
                PushEnd::Failed => ("failed", Duration::ZERO),
                PushEnd::Retry(after) => ("pending", after),
                PushEnd::Gone => {
                    gone.push(record.pusher);
                    continue;
                }
            };
            ids.push(record.delivery);
            states.push(state);
            retry_ms.push(retry.as_secs_f64() * 1000.0);
        }
        if records.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn().await?;
        prepared::<RecordDeliveries>()
            .bind::<Array<BigInt>, _>(ids)
            .bind::<Array<Text>, _>(states)
            .bind::<Array<Double>, _>(retry_ms)
            .bind::<Array<BigInt>, _>(gone)
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Forgets finished deliveries older than `kept`; how many.
    pub async fn prune_pushes(&self, kept: Duration) -> StoreResult<usize> {
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            plan_for_values(conn).await?;
            Ok(prepared::<PruneDeliveries>().bind::<BigInt, _>(millis(kept)).execute(conn).await?)
        })
        .await
    }
}
