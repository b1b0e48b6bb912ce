//! The messages that mention a user, newest first, in the chats they are still in.

use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::error::StoreResult;
use crate::messages::aggregate::build_messages;
use crate::rows::MessageRow;
use chat_domain::{Message, MessageId, UserId};
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;

/// `$1`'s mentions older than message `$2`, at most `$3`: a backward range scan of
/// `mentions (user_id, message_id)`, keeping chats `$1` is still a member of.
const MENTIONS_SQL: &str = "
SELECT m.id, m.chat_id, m.author_id, m.kind, m.content, m.payload, m.ts, m.reply_to_id, m.deleted_at, m.updated_at,
       m.thread_root_id
  FROM mentions mn
  JOIN chat_members cm ON cm.chat_id = mn.chat_id AND cm.user_id = mn.user_id
  JOIN messages m ON m.id = mn.message_id
 WHERE mn.user_id = $1 AND mn.message_id < $2
 ORDER BY mn.user_id DESC, mn.message_id DESC
 LIMIT $3";
statement!(MentionsOf, MENTIONS_SQL);

impl Store {
    /// Up to `limit` messages mentioning `user`, newest first, older than `before`; and whether
    /// there are more.
    pub async fn mentions_of(
        &self,
        user: UserId,
        before: Option<MessageId>,
        limit: i64,
    ) -> StoreResult<(Vec<Message>, bool)> {
        let mut conn = self.conn().await?;
        let mut rows: Vec<MessageRow> = prepared::<MentionsOf>()
            .bind::<BigInt, _>(user.0)
            .bind::<BigInt, _>(before.map_or(i64::MAX, |id| id.0))
            .bind::<BigInt, _>(limit + 1)
            .load(&mut conn)
            .await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok((build_messages(&mut conn, rows).await?, more))
    }
}
