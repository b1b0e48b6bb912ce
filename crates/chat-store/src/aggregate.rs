//! The aggregate builder: turns message rows into whole `Message`s. Every read of messages ends
//! here, so every message carries its reactions, thread summary and read status, loaded in a fixed
//! number of queries (three, pipelined in one round trip) whatever the number of messages.

use crate::error::StoreResult;
use crate::prepared::{prepared, statement};
use crate::rows::{MessageRow, ReactionRow, ThreadRow};
use crate::schema::{reactions, threads};
use chat_domain::{ChatId, Message, MessageId, Reaction, ReadFrontier, ThreadSummary, UserId};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;

/// One of the two lowest read markers of a chat (see `ReadFrontier`).
#[derive(QueryableByName)]
struct FrontierRow {
    #[diesel(sql_type = BigInt)]
    chat_id: i64,
    #[diesel(sql_type = BigInt)]
    user_id: i64,
    #[diesel(sql_type = BigInt)]
    last_read: i64,
}

const FRONTIER_SQL: &str = "
    SELECT chat_id, user_id, last_read FROM (
        SELECT chat_id, user_id, COALESCE(last_read_message_id, 0) AS last_read,
               row_number() OVER (PARTITION BY chat_id
                                  ORDER BY COALESCE(last_read_message_id, 0), user_id) AS rank
        FROM chat_members WHERE chat_id = ANY($1)
    ) ranked
    WHERE rank <= 2
    ORDER BY chat_id, rank";
statement!(ReadFrontiers, FRONTIER_SQL);

/// Builds whole messages from `rows`, keeping their order.
pub(crate) async fn build_messages(conn: &mut AsyncPgConnection, rows: Vec<MessageRow>) -> StoreResult<Vec<Message>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let message_ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut chat_ids: Vec<i64> = rows.iter().map(|row| row.chat_id).collect();
    chat_ids.sort_unstable();
    chat_ids.dedup();

    let shared: &AsyncPgConnection = conn;
    let reactions_query = reactions::table
        .filter(reactions::message_id.eq_any(&message_ids))
        .order((reactions::message_id, reactions::created_at, reactions::user_id))
        .select(ReactionRow::as_select())
        .load::<ReactionRow>(&mut &*shared);
    let threads_query = threads::table
        .filter(threads::root_id.eq_any(&message_ids))
        .select(ThreadRow::as_select())
        .load::<ThreadRow>(&mut &*shared);
    let frontier_query =
        prepared::<ReadFrontiers>().bind::<Array<BigInt>, _>(&chat_ids).load::<FrontierRow>(&mut &*shared);
    let (reaction_rows, thread_rows, frontier_rows) =
        futures_util::try_join!(reactions_query, threads_query, frontier_query)?;

    let mut reactions_by_message: HashMap<MessageId, Vec<Reaction>> = HashMap::new();
    for row in reaction_rows {
        let (message_id, reaction) = row.into_reaction()?;
        reactions_by_message.entry(message_id).or_default().push(reaction);
    }
    let mut threads_by_root: HashMap<MessageId, ThreadSummary> = HashMap::new();
    for row in thread_rows {
        let (root, summary) = row.into_summary()?;
        threads_by_root.insert(root, summary);
    }
    let mut frontiers: HashMap<ChatId, ReadFrontier> = HashMap::new();
    for row in frontier_rows {
        frontiers.entry(ChatId(row.chat_id)).or_default().push(UserId(row.user_id), MessageId(row.last_read));
    }

    rows.into_iter()
        .map(|row| {
            let record = row.into_record()?;
            let reactions = reactions_by_message.get(&record.id).map(Vec::as_slice).unwrap_or_default();
            let frontier = frontiers.get(&record.chat_id).copied().unwrap_or_default();
            let thread = threads_by_root.get(&record.id).cloned();
            Ok(Message::assemble(record, reactions, thread, &frontier))
        })
        .collect()
}
