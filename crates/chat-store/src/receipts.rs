//! Delivery markers and receipts. Moving a marker takes the chat's receipt lock, so the frontier a
//! `receipt.updated` reports is the one every concurrent move left behind.

use crate::error::StoreResult;
use crate::pool::Store;
use crate::prepared::{prepared, statement};
use crate::rows::MemberRow;
use crate::schema::{chat_members, messages};
use chat_domain::{ChatId, DomainError, EventKind, MessageId, Receipt, ReceiptList, Resource, UserId, policy};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;

/// Takes the receipt locks of chats `$1`, in ascending order (so two movers never deadlock).
const LOCK_SQL: &str = "
SELECT count(pg_advisory_xact_lock(7370, (chat_id % 2147483647)::int)) AS locked
  FROM (SELECT DISTINCT chat_id FROM unnest($1::bigint[]) AS chat_id ORDER BY chat_id) chats";
statement!(LockReceipts, LOCK_SQL);

/// Moves `$1`'s delivery markers forward to `$3` in chats `$2` (never back, and not below their
/// read marker), records each advance, and answers the chats whose lowest two delivery markers it
/// changed (`$1` was among them).
const DELIVER_SQL: &str = "
WITH wanted AS (
    SELECT chat_id, max(message_id) AS message_id
      FROM unnest($2::bigint[], $3::bigint[]) AS w(chat_id, message_id) GROUP BY chat_id
), ranked AS (
    SELECT chat_id, user_id, row_number() OVER (PARTITION BY chat_id ORDER BY
               GREATEST(COALESCE(last_delivered_message_id, 0), COALESCE(last_read_message_id, 0)), user_id) AS rank
      FROM chat_members WHERE chat_id IN (SELECT chat_id FROM wanted)
), moved AS (
    UPDATE chat_members cm SET last_delivered_message_id = w.message_id
      FROM wanted w
     WHERE cm.chat_id = w.chat_id AND cm.user_id = $1
       AND GREATEST(COALESCE(cm.last_delivered_message_id, 0), COALESCE(cm.last_read_message_id, 0)) < w.message_id
    RETURNING cm.chat_id, cm.last_delivered_message_id
), marked AS (
    INSERT INTO receipt_marks (chat_id, user_id, kind, message_id)
    SELECT chat_id, $1, 'delivered', last_delivered_message_id FROM moved
)
SELECT moved.chat_id FROM moved JOIN ranked ON ranked.chat_id = moved.chat_id AND ranked.user_id = $1
 WHERE ranked.rank <= 2";
statement!(Deliver, DELIVER_SQL);

/// `receipt.updated` for chats `$1`: their two lowest delivery and read markers as they are now
/// (`ReceiptChange` in chat-domain; `tests/api/receipts.rs` decodes it). `$2` is its kind.
pub(crate) const RECEIPT_EVENTS_SQL: &str = "
INSERT INTO events (chat_id, kind, data)
SELECT chat_id, $2, jsonb_build_object('chat_id', chat_id,
       'delivered', jsonb_agg(jsonb_build_object('user_id', user_id, 'message_id', delivered) ORDER BY delivered_rank)
                    FILTER (WHERE delivered_rank <= 2),
       'read', jsonb_agg(jsonb_build_object('user_id', user_id, 'message_id', read) ORDER BY read_rank)
               FILTER (WHERE read_rank <= 2))
  FROM (SELECT chat_id, user_id, read, delivered,
               row_number() OVER (PARTITION BY chat_id ORDER BY read, user_id) AS read_rank,
               row_number() OVER (PARTITION BY chat_id ORDER BY delivered, user_id) AS delivered_rank
          FROM (SELECT chat_id, user_id, COALESCE(last_read_message_id, 0) AS read,
                       GREATEST(COALESCE(last_delivered_message_id, 0), COALESCE(last_read_message_id, 0)) AS delivered
                  FROM chat_members WHERE chat_id = ANY($1)) markers) ranked
 GROUP BY chat_id";
statement!(ReceiptEvents, RECEIPT_EVENTS_SQL);

/// Every member of message `$1`'s chat but its author, with the first advance of their markers
/// at or past it (a read counts as a delivery).
const RECEIPTS_SQL: &str = "
SELECT cm.user_id,
       LEAST((SELECT at FROM receipt_marks r WHERE r.chat_id = m.chat_id AND r.user_id = cm.user_id
                AND r.kind = 'delivered' AND r.message_id >= m.id ORDER BY r.message_id LIMIT 1),
             (SELECT at FROM receipt_marks r WHERE r.chat_id = m.chat_id AND r.user_id = cm.user_id
                AND r.kind = 'read' AND r.message_id >= m.id ORDER BY r.message_id LIMIT 1)) AS delivered_at,
       (SELECT at FROM receipt_marks r WHERE r.chat_id = m.chat_id AND r.user_id = cm.user_id
          AND r.kind = 'read' AND r.message_id >= m.id ORDER BY r.message_id LIMIT 1) AS read_at
  FROM messages m JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id <> m.author_id
 WHERE m.id = $1
 ORDER BY cm.user_id";
statement!(Receipts, RECEIPTS_SQL);

#[derive(QueryableByName)]
struct ChatRow {
    #[diesel(sql_type = BigInt)]
    chat_id: i64,
}

#[derive(QueryableByName)]
struct ReceiptRow {
    #[diesel(sql_type = BigInt)]
    user_id: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    delivered_at: Option<OffsetDateTime>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    read_at: Option<OffsetDateTime>,
}

/// Takes the receipt locks of `chats` for the rest of the transaction.
pub(crate) async fn lock_receipts(conn: &mut AsyncPgConnection, chats: &[i64]) -> StoreResult<()> {
    prepared::<LockReceipts>().bind::<Array<BigInt>, _>(chats).execute(conn).await?;
    Ok(())
}

/// Writes `receipt.updated` for `chats`, as their markers are now.
pub(crate) async fn receipt_events(conn: &mut AsyncPgConnection, chats: &[i64]) -> StoreResult<()> {
    if !chats.is_empty() {
        let events = prepared::<ReceiptEvents>().bind::<Array<BigInt>, _>(chats);
        events.bind::<Text, _>(EventKind::ReceiptUpdated.as_str()).execute(conn).await?;
    }
    Ok(())
}

impl Store {
    /// Records that messages up to each id reached one of `user`'s devices, per chat (chats
    /// they are not in are ignored); a marker never moves back.
    pub async fn mark_delivered(&self, user: UserId, marks: &[(ChatId, MessageId)]) -> StoreResult<()> {
        if marks.is_empty() {
            return Ok(());
        }
        let chats: Vec<i64> = marks.iter().map(|(chat, _)| chat.0).collect();
        let ids: Vec<i64> = marks.iter().map(|(_, message)| message.0).collect();
        let mut conn = self.conn().await?;
        let written = conn
            .transaction(async |conn| {
                lock_receipts(conn, &chats).await?;
                let deliver = prepared::<Deliver>().bind::<BigInt, _>(user.0).bind::<Array<BigInt>, _>(&chats);
                let changed: Vec<ChatRow> = deliver.bind::<Array<BigInt>, _>(&ids).load(conn).await?;
                let changed: Vec<i64> = changed.into_iter().map(|row| row.chat_id).collect();
                receipt_events(conn, &changed).await
            })
            .await;
        self.after_write(written)
    }

    /// Who got message `id` and who read it, for its author and the chat's admins and owners.
    pub async fn receipts(&self, id: MessageId, viewer: UserId) -> StoreResult<ReceiptList> {
        let mut conn = self.conn().await?;
        let (author, member) = messages::table
            .inner_join(
                chat_members::table
                    .on(chat_members::chat_id.eq(messages::chat_id).and(chat_members::user_id.eq(viewer.0))),
            )
            .filter(messages::id.eq(id.0))
            .select((messages::author_id, MemberRow::as_select()))
            .first::<(i64, MemberRow)>(&mut conn)
            .await
            .optional()?
            .ok_or(DomainError::NotFound(Resource::Message))?;
        policy::can_see_receipts(UserId(author), &member.into_membership()?)?;
        let rows: Vec<ReceiptRow> = prepared::<Receipts>().bind::<BigInt, _>(id.0).load(&mut conn).await?;
        let receipts = rows
            .into_iter()
            .map(|row| Receipt {
                user_id: UserId(row.user_id),
                delivered_at: row.delivered_at.map(Into::into),
                read_at: row.read_at.map(Into::into),
            })
            .collect();
        Ok(ReceiptList { receipts })
    }
}
