//! The chat aggregate builder: chats as a member sees them, each with its last message (whole)
//! and unread count, in a fixed number of queries for any number of chats.

use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::connection::seen::Seen;
use crate::error::{StoreError, StoreResult};
use crate::messages::aggregate::build_messages;
use crate::rows::{ChatRow, MessageRow};
use crate::schema::messages;
use chat_domain::{ChatId, ChatScope, ChatSummary, DomainError, MessageId, Resource, Role, UserId};
use diesel::QueryableByName;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;
use time::OffsetDateTime;

/// Where a page of the chat list starts: after this activity time and chat id (newest first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChatCursor {
    pub activity: OffsetDateTime,
    pub chat_id: ChatId,
}

/// A page of the caller's chats, most recently active first.
#[derive(Clone, Debug)]
pub struct ChatPage {
    pub chats: Vec<ChatSummary>,
    pub next: Option<ChatCursor>,
}

/// The page is chosen by `chat_activity` (a chat's creation, then its last message's time, which
/// the create statement keeps), one narrow row per chat, and only the page's chats are read whole
/// and have their newest message probed: ordered by each chat's newest message, a member of 1,000
/// chats paid 1,000 probes for a page of 20 (`make bench`: 6.5 times a member of 20's cost).
/// The last message comes from a backward range scan of `(chat_id, id)` that stops at the first
/// row (kept only if it is this chat's): written as `chat_id = c.id ... ORDER BY id DESC`, the
/// planner may walk `messages_pkey` backwards instead and read every newer message of every other
/// chat (287 ms for 20 chats beside one of 200,000 messages; `query_plans` tests it).
/// The unread counts stop at 100 (`UNREAD_COUNTED_UP_TO`; a test holds the two equal): uncapped,
/// a chat list cost a row per unread message (245 ms for 5 chats of 23,500 unread). Each is a range of its index bounded by
/// row comparisons on both sides, of the member row's columns (not `$1`, which a custom plan
/// would turn into a range of `mentions_user_message_idx`): written with `mn.user_id = $1 AND
/// mn.chat_id = c.id`, the planner counted mentions through `mentions_message_idx`, every mention
/// of every user after the marker (20 ms for a list of 20 chats; `query_plans` tests it). With
/// statistics taken before a chat grew, the planner may still read a whole unread range through
/// a bitmap, but no other chat's rows. The author is compared as `author_id + 0`, which has no
/// statistics: with statistics taken while one user had written every message (an import, a
/// bot), `author_id <> $1` was estimated to keep no row, so no `LIMIT` could end a count early
/// and the planner counted by a scan of every message, once per chat (`make bench`, 12,000,000
/// messages of one author: a chat list no longer answered; `query_plans` tests it). The messages
/// of users the reader blocks are not counted (their ids read once per statement, an initplan).
/// The read marker's answer and a push's badge count the same way.
///
/// Its generic plan is the one that runs (`connect.rs`: `SESSION_OPTIONS`), and under `auto` it
/// must cost what a custom one does, or PostgreSQL plans the statement again on every execution
/// (0.4 ms of the database's CPU, half of a one-chat list's cost in `make bench`). Hence the cap as
/// a literal (a `LIMIT $n` is costed as a tenth of the rows) and the optional filters on
/// `m.chat_id`: on `c.id`, the generic plan took every chat for the outer side and scanned the
/// members for each (7 ms for one chat).
pub(crate) const SUMMARY_SQL: &str = "
SELECT c.id, c.kind, c.title, c.created_by, c.created_at, c.slow_mode_secs, page.role, page.last_read_message_id,
       last.id AS last_message_id, page.activity,
       (SELECT count(*) FROM (SELECT 1 FROM messages u
         WHERE (u.chat_id, u.id) > (c.id, COALESCE(page.last_read_message_id, 0))
           AND (u.chat_id, u.id) <= (c.id, 9223372036854775807)
           AND u.author_id + 0 <> $1 AND u.deleted_at IS NULL
           AND u.author_id + 0 <> ALL (ARRAY(SELECT blocked_id FROM user_blocks WHERE blocker_id = $1))
         ORDER BY u.chat_id, u.id LIMIT 100) unread_rows) AS unread_count,
       (SELECT count(*) FROM (SELECT 1 FROM mentions mn
         WHERE (mn.user_id, mn.chat_id, mn.message_id) > (page.user_id, c.id, COALESCE(page.last_read_message_id, 0))
           AND (mn.user_id, mn.chat_id, mn.message_id) <= (page.user_id, c.id, 9223372036854775807)
         ORDER BY mn.user_id, mn.chat_id, mn.message_id LIMIT 100) mention_rows) AS unread_mentions
FROM (
    SELECT m.chat_id, m.user_id, m.role, m.last_read_message_id, a.last_message_at AS activity
    FROM chat_members m
    JOIN chat_activity a ON a.chat_id = m.chat_id
    WHERE m.user_id = $1
      AND ($2::bigint IS NULL OR m.chat_id = $2)
      AND ($3::timestamptz IS NULL OR (a.last_message_at, a.chat_id) < ($3, $4))
      AND ($6::bigint[] IS NULL OR m.chat_id = ANY($6))
    ORDER BY a.last_message_at DESC, a.chat_id DESC
    LIMIT $5
) page
JOIN chats c ON c.id = page.chat_id
LEFT JOIN LATERAL (
    SELECT chat_id, id FROM messages WHERE (chat_id, id) <= (c.id, 9223372036854775807)
    ORDER BY chat_id DESC, id DESC LIMIT 1
) last ON last.chat_id = c.id
ORDER BY page.activity DESC, c.id DESC";
statement!(ChatSummaries, SUMMARY_SQL);

#[derive(QueryableByName)]
struct SummaryRow {
    #[diesel(embed)]
    chat: ChatRow,
    #[diesel(sql_type = Text)]
    role: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    last_read_message_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    last_message_id: Option<i64>,
    #[diesel(sql_type = Timestamptz)]
    activity: OffsetDateTime,
    #[diesel(sql_type = BigInt)]
    unread_count: i64,
    #[diesel(sql_type = BigInt)]
    unread_mentions: i64,
}

impl Store {
    /// A page of `viewer`'s chats within `scope` (their token's), most recently active first.
    pub async fn chats_of(
        &self,
        seen: &mut Seen,
        viewer: UserId,
        scope: &ChatScope,
        after: Option<ChatCursor>,
        limit: u32,
    ) -> StoreResult<ChatPage> {
        self.read(seen, async |conn| {
            let mut chats =
                summaries(&mut *conn, viewer, Scoped { only: None, scope }, after, i64::from(limit) + 1).await?;
            let next = (chats.len() > limit as usize).then(|| {
                chats.truncate(limit as usize);
                chats.last().map(|last| ChatCursor { activity: last.last_activity_at.0, chat_id: last.chat.id })
            });
            Ok(ChatPage { chats, next: next.flatten() })
        })
        .await
    }

    /// One chat as `viewer` sees it; outsiders get the same answer as for a chat that does not exist.
    pub async fn chat_summary(&self, seen: &mut Seen, chat: ChatId, viewer: UserId) -> StoreResult<ChatSummary> {
        self.read(seen, async |conn| chat_summary(&mut *conn, chat, viewer).await).await
    }
}

pub(crate) async fn chat_summary(
    conn: &mut AsyncPgConnection,
    chat: ChatId,
    viewer: UserId,
) -> StoreResult<ChatSummary> {
    let mut found = summaries(conn, viewer, Scoped { only: Some(chat), scope: &ChatScope::Every }, None, 1).await?;
    found.pop().ok_or(StoreError::Domain(DomainError::NotFound(Resource::Chat)))
}

/// Which of the viewer's chats a summary query reads: `only` one, and those within `scope`.
struct Scoped<'a> {
    only: Option<ChatId>,
    scope: &'a ChatScope,
}

async fn summaries(
    conn: &mut AsyncPgConnection,
    viewer: UserId,
    Scoped { only, scope }: Scoped<'_>,
    after: Option<ChatCursor>,
    limit: i64,
) -> StoreResult<Vec<ChatSummary>> {
    let rows: Vec<SummaryRow> = prepared::<ChatSummaries>()
        .bind::<BigInt, _>(viewer.0)
        .bind::<Nullable<BigInt>, _>(only.map(|id| id.0))
        .bind::<Nullable<Timestamptz>, _>(after.map(|cursor| cursor.activity))
        .bind::<BigInt, _>(after.map_or(0, |cursor| cursor.chat_id.0))
        .bind::<BigInt, _>(limit)
        .bind::<Nullable<Array<BigInt>>, _>(
            scope.chats().map(|chats| chats.into_iter().map(|id| id.0).collect::<Vec<_>>()),
        )
        .load(conn)
        .await?;
    let last_ids: Vec<i64> = rows.iter().filter_map(|row| row.last_message_id).collect();
    let last_rows = if last_ids.is_empty() {
        Vec::new()
    } else {
        let query = messages::table.filter(messages::id.eq_any(&last_ids)).select(MessageRow::as_select());
        query.load::<MessageRow>(conn).await?
    };
    let mut last_messages: HashMap<MessageId, _> =
        build_messages(conn, last_rows).await?.into_iter().map(|message| (message.id, message)).collect();
    rows.into_iter()
        .map(|row| {
            let role: Role = row.role.parse().map_err(|()| StoreError::Corrupt(format!("role {}", row.role)))?;
            Ok(ChatSummary {
                chat: row.chat.into_chat()?,
                role,
                unread_count: row.unread_count,
                unread_mentions: row.unread_mentions,
                last_read_message_id: row.last_read_message_id.map(MessageId),
                last_message: row.last_message_id.and_then(|id| last_messages.remove(&MessageId(id))),
                last_activity_at: row.activity.into(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chat_domain::UNREAD_COUNTED_UP_TO;

    #[test]
    fn the_statements_count_unread_messages_up_to_the_domains_cap() {
        let cap = format!("LIMIT {UNREAD_COUNTED_UP_TO})");
        assert_eq!(super::SUMMARY_SQL.matches(&cap).count(), 2, "the chat list's two counts");
        assert_eq!(crate::chats::read_markers::MARK_SQL.matches(&cap).count(), 1, "a read marker's answer");
        let push = <crate::push::deliveries::ClaimDeliveries as crate::connection::prepared::StatementText>::SQL;
        assert_eq!(push.matches(&cap).count(), 1, "a push's badge");
    }
}
