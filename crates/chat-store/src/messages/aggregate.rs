//! The aggregate builder: turns message rows into whole `Message`s. Every read of messages ends
//! here, so every message carries its reactions, thread summary, read and delivery status and
//! attachments, link preview and (a tombstone) who deleted it, in a fixed number of queries (three
//! to six, pipelined in one round trip: the attachments' only when a message is an image or a file,
//! the previews' only when one's text has a web address, the deletions' only when one is deleted)
//! whatever the number of messages.

use crate::connection::prepared::{prepared, statement};
use crate::error::{StoreError, StoreResult};
use crate::rows::{MessageRow, PreviewRow, ReactionRow, ThreadRow, UploadRow};
use crate::schema::{message_deletions, reactions, threads, uploads};
use crate::uploads::READY;
use chat_domain::link_preview::first_link;
use chat_domain::{
    ChatId, Deletion, DomainError, LinkPreview, Message, MessageId, MessageKind, Reaction, ReadFrontier, Resource,
    ThreadSummary, Upload, UserId,
};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;

/// A member whose read or delivery marker is among the two lowest of its chat (see
/// `ReadFrontier`), with both markers and their ranks.
#[derive(QueryableByName)]
struct FrontierRow {
    #[diesel(sql_type = BigInt)]
    chat_id: i64,
    #[diesel(sql_type = BigInt)]
    user_id: i64,
    #[diesel(sql_type = BigInt)]
    last_read: i64,
    #[diesel(sql_type = BigInt)]
    last_delivered: i64,
    #[diesel(sql_type = BigInt)]
    read_rank: i64,
    #[diesel(sql_type = BigInt)]
    delivered_rank: i64,
}

/// A read marker counts as a delivery marker too.
const FRONTIER_SQL: &str = "
    SELECT chat_id, user_id, last_read, last_delivered, read_rank, delivered_rank FROM (
        SELECT chat_id, user_id, last_read, last_delivered,
               row_number() OVER (PARTITION BY chat_id ORDER BY last_read, user_id) AS read_rank,
               row_number() OVER (PARTITION BY chat_id ORDER BY last_delivered, user_id) AS delivered_rank
        FROM (SELECT chat_id, user_id, COALESCE(last_read_message_id, 0) AS last_read,
                     GREATEST(COALESCE(last_delivered_message_id, 0), COALESCE(last_read_message_id, 0)) AS last_delivered
                FROM chat_members WHERE chat_id = ANY($1)) markers
    ) ranked
    WHERE read_rank <= 2 OR delivered_rank <= 2";
statement!(ReadFrontiers, FRONTIER_SQL);

/// The previews of messages `$1`, each with its picture while that is stored.
const PREVIEWS_SQL: &str = "
    SELECT mp.message_id, lp.url, lp.title, lp.description, lp.site_name,
           u.id AS image_id, u.name AS image_name, u.content_type AS image_content_type, u.size AS image_size,
           u.sha256 AS image_sha256, u.width AS image_width, u.height AS image_height
      FROM message_link_previews mp
      JOIN link_previews lp ON lp.id = mp.preview_id
      LEFT JOIN uploads u ON u.id = lp.image_upload_id AND u.state = 'ready'
     WHERE mp.message_id = ANY($1)";
statement!(LinkPreviews, PREVIEWS_SQL);

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
    // Only image and file messages carry uploads: a page without any costs no query for them.
    let carriers: Vec<i64> = rows
        .iter()
        .filter(|row| row.kind.parse::<MessageKind>().is_ok_and(MessageKind::carries_uploads))
        .map(|row| row.id)
        .collect();
    let uploads_query = async {
        if carriers.is_empty() {
            return Ok(Vec::new());
        }
        uploads::table
            .filter(uploads::message_id.eq_any(&carriers).and(uploads::state.eq(READY)))
            .order((uploads::message_id, uploads::position))
            .select(UploadRow::as_select())
            .load::<UploadRow>(&mut &*shared)
            .await
    };
    // Only a message whose text has a web address can have a preview.
    let linking: Vec<i64> = rows
        .iter()
        .filter(|row| row.content.as_deref().is_some_and(|text| text.contains("://") && first_link(text).is_some()))
        .map(|row| row.id)
        .collect();
    let previews_query = async {
        if linking.is_empty() {
            return Ok(Vec::new());
        }
        prepared::<LinkPreviews>().bind::<Array<BigInt>, _>(&linking).load::<PreviewRow>(&mut &*shared).await
    };
    // Only a tombstone has a deletion.
    let tombstones: Vec<i64> = rows.iter().filter(|row| row.deleted_at.is_some()).map(|row| row.id).collect();
    let deletions_query = async {
        if tombstones.is_empty() {
            return Ok(Vec::new());
        }
        message_deletions::table
            .filter(message_deletions::message_id.eq_any(&tombstones))
            .select((message_deletions::message_id, message_deletions::deleted_by, message_deletions::reason))
            .load::<(i64, i64, Option<String>)>(&mut &*shared)
            .await
    };
    let frontier_query =
        prepared::<ReadFrontiers>().bind::<Array<BigInt>, _>(&chat_ids).load::<FrontierRow>(&mut &*shared);
    let (reaction_rows, thread_rows, upload_rows, preview_rows, deletion_rows, frontier_rows) = futures_util::try_join!(
        reactions_query,
        threads_query,
        uploads_query,
        previews_query,
        deletions_query,
        frontier_query
    )?;

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
    let mut uploads_by_message: HashMap<MessageId, Vec<Upload>> = HashMap::new();
    for row in upload_rows {
        let message_id = row.message_id.map(MessageId);
        uploads_by_message.entry(message_id.unwrap_or(MessageId(0))).or_default().push(row.into_upload()?);
    }
    let mut previews: HashMap<MessageId, LinkPreview> = HashMap::new();
    for row in preview_rows {
        let (message_id, preview) = row.into_preview()?;
        previews.insert(message_id, preview);
    }
    let mut deletions: HashMap<MessageId, Deletion> = deletion_rows
        .into_iter()
        .map(|(message, by, reason)| (MessageId(message), Deletion { by: UserId(by), reason }))
        .collect();
    let frontiers = frontiers_of(frontier_rows);

    rows.into_iter()
        .map(|row| {
            let record = row.into_record()?;
            let reactions = reactions_by_message.get(&record.id).map(Vec::as_slice).unwrap_or_default();
            let frontier = frontiers.get(&record.chat_id).copied().unwrap_or_default();
            let thread = threads_by_root.get(&record.id).cloned();
            let attachments = uploads_by_message.get(&record.id).map(Vec::as_slice).unwrap_or_default();
            let preview = previews.remove(&record.id);
            let deletion = deletions.remove(&record.id);
            Ok(Message::assemble(record, reactions, thread, attachments, &frontier)
                .with_link_preview(preview)
                .with_deletion(deletion))
        })
        .collect()
}

/// Each chat's frontiers, fed in rank order.
fn frontiers_of(mut rows: Vec<FrontierRow>) -> HashMap<ChatId, ReadFrontier> {
    let mut frontiers: HashMap<ChatId, ReadFrontier> = HashMap::new();
    rows.sort_unstable_by_key(|row| (row.chat_id, row.read_rank));
    for row in rows.iter().filter(|row| row.read_rank <= 2) {
        frontiers.entry(ChatId(row.chat_id)).or_default().read.push(UserId(row.user_id), MessageId(row.last_read));
    }
    rows.sort_unstable_by_key(|row| (row.chat_id, row.delivered_rank));
    for row in rows.iter().filter(|row| row.delivered_rank <= 2) {
        let frontier = frontiers.entry(ChatId(row.chat_id)).or_default();
        frontier.delivered.push(UserId(row.user_id), MessageId(row.last_delivered));
    }
    frontiers
}

/// The one message of a page built for one row.
pub(crate) fn single(mut messages: Vec<Message>) -> StoreResult<Message> {
    messages.pop().ok_or(StoreError::Domain(DomainError::NotFound(Resource::Message)))
}
