//! The create statement, in three variants: a plain message's (no mention, thread or upload:
//! nearly every message), one with mentions or a thread, and one with uploads too. Each leaves
//! out what its messages do not use: the uploads table (measured 10-20% cheaper in PostgreSQL
//! alone), the mention and thread CTEs (about a third more creates a second without them).

use crate::connection::pool::SendLimit;
use crate::connection::prepared::{StatementText, prepared, statement};
use crate::error::StoreResult;
use crate::events::record::event_data;
use crate::messages::threads::thread_change_json;
use crate::rows::{MessageRow, payload_to_json};
use chat_domain::{EventKind, IdempotencyKey, Message, NewMessage, Timestamp, UserId, thread::MAX_THREAD_PARTICIPANTS};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Bytea, Double, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid};
use diesel_async::AsyncPgConnection;
use time::OffsetDateTime;

/// Membership check (a member blocked by the other of a direct chat may not post: its row's
/// `may_post`; one held by slow mode waits: its `slow_until`, kept by `slowed` from the row's
/// `slow_mode_secs`), the author's send
/// budget (`budget`: `$19` burst, `$20` a second), idempotency claim, insert and its `message.created` event, as one statement,
/// so the answer always describes what committed and costs one round trip; with, where the
/// variant has them, `$attachable`/`$attached` (the uploads it carries, `$18`, checked beforehand
/// by `attachments_for`, locked here), `$thread_check` (a thread reply's root, `$15`) and
/// `$features` (`mentions_and_thread!`: the members it mentions, `$12` usernames and `$13` ids,
/// with their `mention` event, and a thread reply's root summary with its `thread.updated`). The
/// membership row is read with a lock, so a removal committing meanwhile is seen (and the post
/// refused). The chat's `chat_activity` row moves to the message's time (`activity`). The event's data is the aggregate serialised here beforehand; only the id, known once
/// the sequence is read, is patched in. A key claimed by a concurrent request makes the
/// `ON CONFLICT` wait for that request's outcome, then insert nothing.
macro_rules! create_sql {
    ($attachable:literal, $attach_ok:literal, $thread_check:expr, $attached:literal, $features:expr) => {
        concat!(
            "
WITH ",
            $attachable,
            "allowed AS (
    SELECT member.may_post IS NOT NULL AS is_member, COALESCE(member.may_post, false) AS may_post,
           ($6::bigint IS NULL OR EXISTS (SELECT 1 FROM messages WHERE id = $6 AND chat_id = $1)) AS reply_ok,
           ",
            $thread_check,
            " AS thread_check,
           ",
            $attach_ok,
            " AS attach_ok,
           COALESCE(GREATEST(EXTRACT(EPOCH FROM member.slow_until - now()), 0), 0)::float8 AS slow_wait,
           COALESCE(member.slow_mode_secs, 0) AS slow_mode_secs, member.role = 'member' AS held_by_slow_mode
      FROM (SELECT 1) one
      LEFT JOIN LATERAL (SELECT may_post, slow_until, slow_mode_secs, role FROM chat_members
                          WHERE chat_id = $1 AND user_id = $2 FOR KEY SHARE) member ON true
), budget AS (
    -- The author's send budget (`send_budgets`, unlogged: soft state, emptied by a crash, hence
    -- the upsert): a token taken from a bucket of at most the burst, refilled at the rate a
    -- second (the last two binds); none left, no message. Only a post that passed every other
    -- check takes one. The row lock makes one user's concurrent posts take their tokens one at a
    -- time. (No bind is named in these comments: pgbench, which replays this statement in
    -- `make bench`, would take it for one.)
    INSERT INTO send_budgets AS b (user_id, tokens, refilled_at)
    SELECT $2, $19::float8 - 1, now() FROM allowed
     WHERE is_member AND may_post AND reply_ok AND thread_check = 'ok' AND attach_ok AND slow_wait = 0
    ON CONFLICT (user_id) DO UPDATE
       SET tokens = LEAST($19::float8, b.tokens + EXTRACT(EPOCH FROM now() - b.refilled_at)::float8 * $20::float8) - 1,
           refilled_at = now()
     WHERE LEAST($19::float8, b.tokens + EXTRACT(EPOCH FROM now() - b.refilled_at)::float8 * $20::float8) >= 1
    RETURNING 1
), new_message AS (
    -- The id names the chat's logical shard in its low six bits (64 shards: chat_domain's
    -- LOGICAL_SHARDS, which Store::shard_layout checks the database is laid out for), so a
    -- request naming only this message finds its chat's cluster.
    SELECT nextval(pg_get_serial_sequence('messages', 'id')) * 64 + $1::bigint % 64 AS id FROM budget
), claim AS (
    INSERT INTO idempotency_keys (user_id, key, request_hash, message_id)
    SELECT $2, $7, $8, id FROM new_message WHERE $7::text IS NOT NULL
    ON CONFLICT (user_id, key) DO NOTHING
    RETURNING message_id
), inserted AS (
    INSERT INTO messages (id, chat_id, author_id, kind, content, payload, reply_to_id, ts, thread_root_id)
    SELECT id, $1, $2, $3, $4, $5, $6, $9, $15 FROM new_message WHERE $7::text IS NULL OR EXISTS (SELECT 1 FROM claim)
    RETURNING id, chat_id, author_id, kind, content, payload, ts, reply_to_id, deleted_at, updated_at, thread_root_id
), activity AS (
    -- The chat list's order (`summaries.rs`). Skipped while another post to the chat holds the
    -- row: waiting would make a busy chat's posts commit one at a time; the other post's time is
    -- the chat's instead, earlier by at most how long the two overlapped (or the time before both,
    -- should that post roll back, until the chat's next post).
    UPDATE chat_activity SET last_message_at = GREATEST(last_message_at, $9)
     WHERE chat_id = (SELECT chat_id FROM chat_activity
                       WHERE chat_id = $1 AND EXISTS (SELECT 1 FROM inserted) FOR NO KEY UPDATE SKIP LOCKED)
), slowed AS (
    -- Slow mode: a plain member's next post in this chat waits the chat's setting, which their
    -- membership row carries. A one-time filter on what `allowed` read: in the many chats without
    -- slow mode, nothing more is read or written.
    UPDATE chat_members SET slow_until = now() + make_interval(secs => (SELECT slow_mode_secs FROM allowed))
     WHERE chat_id = $1 AND user_id = $2
       AND (SELECT slow_mode_secs > 0 AND held_by_slow_mode FROM allowed) AND EXISTS (SELECT 1 FROM inserted)
), ",
            $attached,
            "event AS (
    INSERT INTO events (chat_id, message_id, kind, data)
    SELECT chat_id, id, $11, jsonb_set($10, '{id}', to_jsonb(id)) FROM inserted
)",
            $features,
            "
SELECT allowed.is_member, allowed.may_post, allowed.reply_ok, allowed.thread_check, allowed.attach_ok, allowed.slow_wait,
       EXISTS (SELECT 1 FROM budget) AS within_limit, inserted.* FROM allowed LEFT JOIN inserted ON true"
        )
    };
}

/// Whether a thread reply's root (`$15`) is a root of this chat: `ok`, `nested` or `not_in_chat`.
macro_rules! thread_check {
    () => {
        "COALESCE((SELECT CASE WHEN thread_root_id IS NULL THEN 'ok' ELSE 'nested' END
                       FROM messages WHERE id = $15 AND chat_id = $1),
                    CASE WHEN $15::bigint IS NULL THEN 'ok' ELSE 'not_in_chat' END)"
    };
}

/// The members a message mentions and their `mention` event; a thread reply's root summary and
/// its `thread.updated` event.
macro_rules! mentions_and_thread {
    () => {
        concat!(
            ", mentioned AS (
    -- The named users first (by name or id, each once), then each one's membership row by its
    -- key: the chat's other members are never read, whatever their number. Joined any other
    -- way, the planner (which expects a chat to be small) filtered every member of the chat by
    -- the names; `LIMIT 1` (one row per key anyway) keeps the lookup a probe per name.
    INSERT INTO mentions (user_id, chat_id, message_id)
    SELECT member.user_id, i.chat_id, i.id
      FROM inserted i
     CROSS JOIN (SELECT DISTINCT unnest(ARRAY(SELECT id FROM users WHERE username = ANY($12::text[])) || $13::bigint[])
                 AS user_id) named
     CROSS JOIN LATERAL (SELECT cm.user_id FROM chat_members cm
                          WHERE cm.chat_id = i.chat_id AND cm.user_id = named.user_id LIMIT 1) member
     WHERE member.user_id <> i.author_id
       AND NOT EXISTS (SELECT 1 FROM user_blocks b WHERE b.blocker_id = member.user_id AND b.blocked_id = i.author_id)
    RETURNING user_id, message_id, chat_id
), mention_event AS (
    -- `mention`'s data is `MentionChange` (chat-domain); tests/api/domain_types.rs decodes it.
    INSERT INTO events (chat_id, message_id, kind, data)
    SELECT chat_id, message_id, $14, jsonb_build_object('message_id', message_id, 'user_ids', jsonb_agg(user_id ORDER BY user_id))
      FROM mentioned GROUP BY chat_id, message_id
), thread AS (
    -- (The slice is spaced: `make bench` replays this in pgbench, which reads a colon before a name as a variable.)
    INSERT INTO threads AS t (root_id, reply_count, last_reply_at, participant_ids)
    SELECT thread_root_id, 1, ts, ARRAY[author_id] FROM inserted WHERE thread_root_id IS NOT NULL
    ON CONFLICT (root_id) DO UPDATE
       SET reply_count = t.reply_count + 1,
           last_reply_at = GREATEST(t.last_reply_at, EXCLUDED.last_reply_at),
           participant_ids = (EXCLUDED.participant_ids
                              || array_remove(t.participant_ids, EXCLUDED.participant_ids[1]))[1 : $17::int]
    RETURNING root_id, reply_count, last_reply_at, participant_ids
), thread_event AS (
    INSERT INTO events (chat_id, message_id, kind, data)
    SELECT $1, root_id, $16, ",
            thread_change_json!(),
            " FROM thread
)"
        )
    };
}

// A plain message (no mention, no thread, no upload: nearly every message) leaves the parts it
// does not use out of its statement. Even doing nothing, their CTEs cost: the statement with them
// ran at about three quarters of the rate without them in pgbench alone (2026-12-06). Its
// `$12`-`$18` are bound and not read, as the statement is prepared with every bind's type.
statement!(CreatePlainMessage, create_sql!("", "true", "'ok'::text", "", ""));
statement!(CreateMessage, create_sql!("", "cardinality($18::uuid[]) = 0", thread_check!(), "", mentions_and_thread!()));
statement!(
    CreateMessageWithUploads,
    create_sql!(
        "attachable AS (
    -- Locked, so that of two messages naming one upload, the second sees it taken.
    SELECT id FROM uploads
     WHERE id = ANY($18) AND uploader_id = $2 AND state = 'ready' AND message_id IS NULL FOR UPDATE
), ",
        "(SELECT count(*) FROM attachable) = cardinality($18::uuid[])",
        thread_check!(),
        "attached AS (
    UPDATE uploads u SET message_id = i.id, position = array_position($18::uuid[], u.id)
      FROM inserted i WHERE u.id IN (SELECT id FROM attachable)
), ",
        mentions_and_thread!()
    )
);

#[derive(QueryableByName)]
pub(crate) struct CreateOutcome {
    #[diesel(sql_type = Bool)]
    pub is_member: bool,
    /// False in a direct chat whose other member blocks the author (`chat_members.may_post`).
    #[diesel(sql_type = Bool)]
    pub may_post: bool,
    #[diesel(sql_type = Bool)]
    pub reply_ok: bool,
    #[diesel(sql_type = Text)]
    pub thread_check: String,
    #[diesel(sql_type = Bool)]
    pub attach_ok: bool,
    /// Seconds until slow mode lets the author post in this chat again (0: now).
    #[diesel(sql_type = Double)]
    pub slow_wait: f64,
    /// Whether the author's send budget had a token (false too when another check failed first).
    #[diesel(sql_type = Bool)]
    pub within_limit: bool,
    #[diesel(sql_type = Nullable<BigInt>)]
    id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    chat_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    author_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    kind: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    content: Option<String>,
    #[diesel(sql_type = Nullable<Jsonb>)]
    payload: Option<serde_json::Value>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    ts: Option<OffsetDateTime>,
    #[diesel(sql_type = Nullable<BigInt>)]
    reply_to_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    thread_root_id: Option<i64>,
}

impl CreateOutcome {
    pub fn into_row(self) -> Option<MessageRow> {
        Some(MessageRow {
            id: self.id?,
            chat_id: self.chat_id?,
            author_id: self.author_id?,
            kind: self.kind?,
            content: self.content,
            payload: self.payload,
            ts: self.ts?,
            reply_to_id: self.reply_to_id,
            deleted_at: None,
            updated_at: None,
            thread_root_id: self.thread_root_id,
        })
    }
}

/// The create statement's values, bound in the order of its placeholders.
pub(crate) struct CreateStatement<'a> {
    pub new: &'a NewMessage,
    pub author: UserId,
    pub key: Option<&'a IdempotencyKey>,
    pub fingerprint: Option<&'a [u8]>,
    pub ts: Timestamp,
    /// The message as it will be, for its event's data.
    pub draft: &'a Message,
    pub limit: SendLimit,
}

impl CreateStatement<'_> {
    /// Runs variant `S` (`CreatePlainMessage`, `CreateMessage` or `CreateMessageWithUploads`),
    /// answering once committed.
    pub async fn run<S: StatementText>(&self, conn: &mut AsyncPgConnection) -> StoreResult<CreateOutcome> {
        let new = self.new;
        Ok(prepared::<S>()
            .bind::<BigInt, _>(new.chat_id.0)
            .bind::<BigInt, _>(self.author.0)
            .bind::<Text, _>(new.kind.as_str())
            .bind::<Nullable<Text>, _>(new.content.as_deref())
            .bind::<Nullable<Jsonb>, _>(payload_to_json(&new.payload)?)
            .bind::<Nullable<BigInt>, _>(new.reply_to_id.map(|id| id.0))
            .bind::<Nullable<Text>, _>(self.key.map(IdempotencyKey::as_str))
            .bind::<Nullable<Bytea>, _>(self.fingerprint)
            .bind::<Timestamptz, _>(self.ts.0)
            .bind::<Jsonb, _>(event_data(self.draft)?)
            .bind::<Text, _>(EventKind::MessageCreated.as_str())
            .bind::<Array<Text>, _>(&new.mentioned_usernames)
            .bind::<Array<BigInt>, _>(new.mentioned_ids.iter().map(|user| user.0).collect::<Vec<_>>())
            .bind::<Text, _>(EventKind::Mention.as_str())
            .bind::<Nullable<BigInt>, _>(new.thread_root_id.map(|id| id.0))
            .bind::<Text, _>(EventKind::ThreadUpdated.as_str())
            .bind::<Integer, _>(MAX_THREAD_PARTICIPANTS as i32)
            .bind::<Array<Uuid>, _>(new.upload_ids.iter().map(|id| id.0).collect::<Vec<_>>())
            .bind::<Double, _>(f64::from(self.limit.burst))
            .bind::<Double, _>(self.limit.per_second())
            .get_committed(conn)
            .await?)
    }
}
