//! Delivery markers and receipts. A move marks its chat dirty; the receipt publisher turns dirty
//! chats into `receipt.updated` events at most once a second, so a busy group yields one event a
//! second, not one per member's move.

use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::connection::seen::Seen;
use crate::error::StoreResult;
use crate::rows::MemberRow;
use crate::schema::{chat_members, messages};
use chat_domain::{ChatId, DomainError, EventKind, MessageId, Receipt, ReceiptList, Resource, UserId, policy};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;

/// Marks the chats of the rows `moved` returns (`chat_id`) dirty. Unconditionally, so a move
/// waits for a publisher holding the row and is seen by its next round; in chat order, as the
/// publisher claims them, so the two never deadlock.
macro_rules! mark_dirty {
    () => {
        "INSERT INTO receipt_frontiers (chat_id, dirty) SELECT chat_id, true FROM moved ORDER BY chat_id
         ON CONFLICT (chat_id) DO UPDATE SET dirty = true"
    };
}
pub(crate) use mark_dirty;

/// Moves `$1`'s delivery markers forward to `$3` in chats `$2` (never back, and not below their
/// read marker), records each advance, and marks those chats dirty: one statement.
const DELIVER_SQL: &str = concat!(
    "
WITH wanted AS (
    SELECT chat_id, max(message_id) AS message_id
      FROM unnest($2::bigint[], $3::bigint[]) AS w(chat_id, message_id) GROUP BY chat_id
), moved AS (
    UPDATE chat_members cm SET last_delivered_message_id = w.message_id
      FROM wanted w
     WHERE cm.chat_id = w.chat_id AND cm.user_id = $1
       AND GREATEST(COALESCE(cm.last_delivered_message_id, 0), COALESCE(cm.last_read_message_id, 0)) < w.message_id
    RETURNING cm.chat_id, cm.last_delivered_message_id
), marked AS (
    -- (A member who left and came back may pass an id again.)
    INSERT INTO receipt_marks (chat_id, user_id, kind, message_id)
    SELECT chat_id, $1, 'delivered', last_delivered_message_id FROM moved ON CONFLICT DO NOTHING
)
",
    mark_dirty!()
);
statement!(Deliver, DELIVER_SQL);

/// Marks chat `$1` dirty: its members changed, and so may its lowest markers.
const MEMBERS_CHANGED_SQL: &str =
    "INSERT INTO receipt_frontiers (chat_id, dirty) VALUES ($1, true) ON CONFLICT (chat_id) DO UPDATE SET dirty = true";
statement!(MembersChanged, MEMBERS_CHANGED_SQL);

/// Claims the dirty chats, locking them in chat order (waiting for any move still holding one, so
/// the next statement's snapshot sees every move that marked it).
const CLAIM_SQL: &str = "
UPDATE receipt_frontiers f SET dirty = false
  FROM (SELECT chat_id FROM receipt_frontiers WHERE dirty ORDER BY chat_id FOR UPDATE) claimed
 WHERE f.chat_id = claimed.chat_id
RETURNING f.chat_id";
statement!(ClaimDirty, CLAIM_SQL);

/// For chats `$1`: their two lowest delivery and read markers as they are now, kept as `sent`, and
/// `receipt.updated` (`$2`) where that changed (`ReceiptChange` in chat-domain;
/// `tests/api/receipts.rs` decodes it).
const PUBLISH_SQL: &str = "
WITH current AS (
    SELECT chat_id, jsonb_build_object('chat_id', chat_id,
           'delivered', jsonb_agg(jsonb_build_object('user_id', user_id, 'message_id', delivered) ORDER BY delivered_rank)
                        FILTER (WHERE delivered_rank <= 2),
           'read', jsonb_agg(jsonb_build_object('user_id', user_id, 'message_id', read) ORDER BY read_rank)
                   FILTER (WHERE read_rank <= 2)) AS data
      FROM (SELECT chat_id, user_id, read, delivered,
                   row_number() OVER (PARTITION BY chat_id ORDER BY read, user_id) AS read_rank,
                   row_number() OVER (PARTITION BY chat_id ORDER BY delivered, user_id) AS delivered_rank
              FROM (SELECT chat_id, user_id, COALESCE(last_read_message_id, 0) AS read,
                           GREATEST(COALESCE(last_delivered_message_id, 0), COALESCE(last_read_message_id, 0)) AS delivered
                      FROM chat_members WHERE chat_id = ANY($1)) markers) ranked
     GROUP BY chat_id
), changed AS (
    UPDATE receipt_frontiers f SET sent = c.data FROM current c
     WHERE f.chat_id = c.chat_id AND f.sent IS DISTINCT FROM c.data
    RETURNING f.chat_id, c.data
)
INSERT INTO events (chat_id, kind, data) SELECT chat_id, $2, data FROM changed";
statement!(PublishReceipts, PUBLISH_SQL);

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

/// Marks `chat` for the receipt publisher after its members changed (a new member has no markers;
/// one who left no longer counts).
pub(crate) async fn receipts_changed(conn: &mut AsyncPgConnection, chat: ChatId) -> StoreResult<()> {
    prepared::<MembersChanged>().bind::<BigInt, _>(chat.0).execute(conn).await?;
    Ok(())
}

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
        let deliver = prepared::<Deliver>().bind::<BigInt, _>(user.0).bind::<Array<BigInt>, _>(&chats);
        deliver.bind::<Array<BigInt>, _>(&ids).execute(&mut conn).await?;
        Ok(())
    }

    /// Sends `receipt.updated` for the chats whose markers moved since the last call and whose two
    /// lowest delivery or read markers changed; answers how many chats it looked at. Any process
    /// may call it: each dirty chat is claimed by one.
    pub async fn publish_receipts(&self) -> StoreResult<usize> {
        self.write(async |conn| {
            let claimed: Vec<ChatRow> = prepared::<ClaimDirty>().load(conn).await?;
            let chats: Vec<i64> = claimed.into_iter().map(|row| row.chat_id).collect();
            if !chats.is_empty() {
                let publish = prepared::<PublishReceipts>().bind::<Array<BigInt>, _>(&chats);
                publish.bind::<Text, _>(EventKind::ReceiptUpdated.as_str()).execute(conn).await?;
            }
            Ok(chats.len())
        })
        .await
    }

    /// Who got message `id` and who read it, for its author and the chat's admins and owners.
    pub async fn receipts(&self, seen: &mut Seen, id: MessageId, viewer: UserId) -> StoreResult<ReceiptList> {
        self.read(seen, async |conn| {
            let (author, member) = messages::table
                .inner_join(
                    chat_members::table
                        .on(chat_members::chat_id.eq(messages::chat_id).and(chat_members::user_id.eq(viewer.0))),
                )
                .filter(messages::id.eq(id.0))
                .select((messages::author_id, MemberRow::as_select()))
                .first::<(i64, MemberRow)>(&mut *conn)
                .await
                .optional()?
                .ok_or(DomainError::NotFound(Resource::Message))?;
            policy::can_see_receipts(UserId(author), &member.into_membership()?)?;
            let rows: Vec<ReceiptRow> = prepared::<Receipts>().bind::<BigInt, _>(id.0).load(&mut *conn).await?;
            let receipts = rows
                .into_iter()
                .map(|row| Receipt {
                    user_id: UserId(row.user_id),
                    delivered_at: row.delivered_at.map(Into::into),
                    read_at: row.read_at.map(Into::into),
                })
                .collect();
            Ok(ReceiptList { receipts })
        })
        .await
    }
}
