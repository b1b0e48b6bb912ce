//! Planning pushes from the event log: for each published `message.created`, the deliveries to
//! the pushers of the members it should notify; for each `read.updated`, a `clear` to the devices
//! of members whose pushed messages are now read. The outbox rows are written in the consumer's
//! transaction (`events::consumers`), so the plan and the consumer's position commit together:
//! however many processes run, an event is planned once.

use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::error::StoreResult;
use crate::events::consumers::{LogConsumer, LogPlanner};
use crate::events::published::PublishedEvent;
use crate::push::settings::effective_level;
use chat_domain::EventKind;
use diesel::sql_types::{Array, BigInt};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::time::Duration;

// The recipients of each message: members other than the author whose level takes it (`all`,
// or `mentions` and it mentions them), who are not muted and have not read it; one delivery per
// pusher of theirs whose session is live, due after the hold (`$2` ms); none for a member who
// blocks the author. Only a message of a
// member (not `system`), still there. Each recipient's badge notes the message, for `clear`.
//
// A step plans many messages of a busy chat at once, so what it reads must not be each chat's
// members once per message: members pushed for every message (level `all`, with a pusher, not
// muted) are read once per chat per step (`candidate`) and meet each message; members at
// `mentions` are found from the message's mentions, each by its membership's key.
// Per message, a chat of 5,000 members cost 5,000 membership rows and as many probes for a pusher
// and a mention (`query_plans.rs` holds the difference).
pub(crate) const PLAN_MESSAGES_SQL: &str = concat!(
    "
WITH message AS (
    SELECT id, chat_id, author_id FROM messages
    WHERE id = ANY($1) AND deleted_at IS NULL AND kind <> 'system'
), candidate AS MATERIALIZED (
    SELECT m.chat_id, m.user_id, COALESCE(m.last_read_message_id, 0) AS marker
    FROM chat_members m
    JOIN chats c ON c.id = m.chat_id
    WHERE m.chat_id IN (SELECT chat_id FROM message)
      AND ",
    effective_level!("m", "c"),
    " = 'all'
      AND (m.muted_until IS NULL OR m.muted_until <= now())
      AND EXISTS (SELECT 1 FROM pushers WHERE pushers.user_id = m.user_id)
), reached AS (
    SELECT message.id AS message_id, message.chat_id, cand.user_id, message.author_id
    FROM message
    JOIN candidate cand ON cand.chat_id = message.chat_id
    WHERE cand.user_id <> message.author_id AND cand.marker < message.id
    UNION ALL
    SELECT message.id, message.chat_id, m.user_id, message.author_id
    FROM message
    JOIN mentions mn ON mn.message_id = message.id
    JOIN chat_members m ON m.chat_id = message.chat_id AND m.user_id = mn.user_id
    JOIN chats c ON c.id = message.chat_id
    WHERE ",
    effective_level!("m", "c"),
    " = 'mentions' AND m.user_id <> message.author_id
      AND (m.muted_until IS NULL OR m.muted_until <= now())
      AND COALESCE(m.last_read_message_id, 0) < message.id
      AND EXISTS (SELECT 1 FROM pushers WHERE pushers.user_id = m.user_id)
), recipient AS (
    -- Nobody is pushed a message of someone they block.
    SELECT message_id, chat_id, user_id FROM reached
     WHERE NOT EXISTS (SELECT 1 FROM user_blocks b WHERE b.blocker_id = reached.user_id AND b.blocked_id = reached.author_id)
), badge AS (
    INSERT INTO push_badges (user_id, chat_id, message_id)
    SELECT user_id, chat_id, max(message_id) FROM recipient GROUP BY user_id, chat_id
    ON CONFLICT (user_id, chat_id) DO UPDATE SET message_id = GREATEST(push_badges.message_id, EXCLUDED.message_id)
)
INSERT INTO push_deliveries (pusher_id, kind, chat_id, message_id, due_at)
SELECT p.id, 'message', r.chat_id, r.message_id, now() + $2::float8 * interval '1 millisecond'
FROM recipient r
JOIN pushers p ON p.user_id = r.user_id
JOIN auth_tokens t ON t.token_hash = p.token_hash AND t.revoked_at IS NULL AND t.expires_at > now()
ON CONFLICT DO NOTHING"
);
statement!(PlanMessagePushes, PLAN_MESSAGES_SQL);

// Members of these chats whose read marker passed the newest message they were pushed for: a
// `clear` to each of their pushers, due at once, and the badge forgotten.
statement!(
    PlanClears,
    "
WITH cleared AS (
    DELETE FROM push_badges b USING chat_members m
    WHERE b.chat_id = ANY($1) AND m.chat_id = b.chat_id AND m.user_id = b.user_id
      AND m.last_read_message_id >= b.message_id
    RETURNING b.user_id, b.chat_id, m.last_read_message_id AS marker
)
INSERT INTO push_deliveries (pusher_id, kind, chat_id, message_id, due_at)
SELECT p.id, 'clear', c.chat_id, c.marker, now()
FROM cleared c
JOIN pushers p ON p.user_id = c.user_id
JOIN auth_tokens t ON t.token_hash = p.token_hash AND t.revoked_at IS NULL AND t.expires_at > now()
ON CONFLICT DO NOTHING"
);

/// The push consumer's planner: message deliveries due `hold_ms` after planning.
struct PushPlanner {
    hold_ms: i64,
}

impl LogPlanner for PushPlanner {
    fn consumer(&self) -> LogConsumer {
        LogConsumer::Push
    }

    async fn plan(&self, conn: &mut AsyncPgConnection, events: &[PublishedEvent]) -> StoreResult<()> {
        let mut messages = Vec::new();
        let mut read_chats = Vec::new();
        for event in events {
            let envelope = &event.envelope;
            match (envelope.kind, envelope.message_id) {
                (EventKind::MessageCreated, Some(message)) => messages.push(message.0),
                (EventKind::ReadUpdated, _) => read_chats.push(envelope.chat_id.0),
                _ => {}
            }
        }
        if !messages.is_empty() {
            prepared::<PlanMessagePushes>()
                .bind::<Array<BigInt>, _>(messages)
                .bind::<BigInt, _>(self.hold_ms)
                .execute(conn)
                .await?;
        }
        if !read_chats.is_empty() {
            read_chats.sort_unstable();
            read_chats.dedup();
            prepared::<PlanClears>().bind::<Array<BigInt>, _>(read_chats).execute(conn).await?;
        }
        Ok(())
    }
}

impl Store {
    /// Plans the pushes of up to `batch` published events past the push consumer's position, and
    /// moves it past them; how many events were looked at (0: caught up). Message deliveries
    /// become due `hold` after planning, so a device that acknowledges the message meanwhile
    /// spares the push (`deliveries.rs` checks the markers when it is due).
    pub async fn plan_pushes(&self, batch: i64, hold: Duration) -> StoreResult<usize> {
        let planner = PushPlanner { hold_ms: i64::try_from(hold.as_millis()).unwrap_or(i64::MAX) };
        self.consume_log(&planner, batch).await
    }
}
