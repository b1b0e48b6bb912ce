//! The preview jobs the planner queued: claiming the due ones under a lease, the cache of fetched
//! pages, and attaching a preview to its message with `message.updated`.
//!
//! A worker claims a job, fetches outside any transaction, records the fetch in `link_previews`,
//! then attaches in one transaction that deletes the job only if it still names the link fetched
//! (an edit may have re-pointed it meanwhile). A process killed mid-fetch leaves its job to another
//! once the lease ends: a preview is attached at least once, and attaching again changes nothing.

use crate::connection::pool::Store;
use crate::connection::prepared::{plan_for_values, prepared, statement};
use crate::error::StoreResult;
use crate::events::record::event_data;
use crate::locking::lock_message_for_server;
use crate::schema::{events, link_preview_jobs, link_previews, message_link_previews, messages};
use crate::uploads::ERASING;
use chat_domain::link_preview::{PageSummary, first_link};
use chat_domain::{ChatId, DomainError, EventKind, Message, MessageId, Resource, UploadId, UserId};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::time::Duration;

/// Leases up to `$1` due jobs for `$2` seconds, oldest due first, skipping those another process
/// is claiming right now.
const CLAIM_SQL: &str = "
    UPDATE link_preview_jobs job SET claimed_until = now() + make_interval(secs => $2)
      FROM messages m
     WHERE m.id = job.message_id
       AND job.message_id IN (
           SELECT message_id FROM link_preview_jobs
            WHERE not_before <= now() AND (claimed_until IS NULL OR claimed_until < now())
            ORDER BY not_before LIMIT $1 FOR UPDATE SKIP LOCKED)
    RETURNING job.message_id, job.url, job.attempts, m.author_id, m.chat_id";
statement!(ClaimPreviewJobs, CLAIM_SQL);

/// The newest fetch of `$1` younger than `$2` seconds.
const CACHED_SQL: &str = "
    SELECT id, found FROM link_previews
     WHERE url = $1 AND fetched_at > now() - make_interval(secs => $2)
     ORDER BY fetched_at DESC LIMIT 1";
statement!(CachedPreview, CACHED_SQL);

/// Forgets fetches older than `$1` seconds that no message shows, and marks their pictures
/// `$2` (erasing).
const PRUNE_SQL: &str = "
    WITH gone AS (
        DELETE FROM link_previews lp
         WHERE fetched_at < now() - make_interval(secs => $1)
           AND NOT EXISTS (SELECT 1 FROM message_link_previews mp WHERE mp.preview_id = lp.id)
        RETURNING image_upload_id
    ), pictures AS (
        UPDATE uploads SET state = $2 WHERE id IN (SELECT image_upload_id FROM gone)
    )
    SELECT count(*) AS pruned FROM gone";
statement!(PruneLinkPreviews, PRUNE_SQL);

/// A job this process holds until its lease ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewJob {
    pub message_id: MessageId,
    /// The link to preview; `None`: the message's preview is to go.
    pub url: Option<String>,
    /// Earlier attempts that failed on the network.
    pub attempts: i32,
    /// Who posted the message: a preview's picture is stored as their upload.
    pub author_id: UserId,
    pub chat_id: ChatId,
}

#[derive(QueryableByName)]
struct JobRow {
    #[diesel(sql_type = BigInt)]
    message_id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    url: Option<String>,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = BigInt)]
    author_id: i64,
    #[diesel(sql_type = BigInt)]
    chat_id: i64,
}

#[derive(QueryableByName)]
struct Pruned {
    #[diesel(sql_type = BigInt)]
    pruned: i64,
}

/// A fetch of a link, as the cache keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct FetchedPage {
    /// The fetch's row, which messages name.
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    /// The page had something to show.
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub found: bool,
}

impl Store {
    /// Leases up to `limit` due preview jobs for `lease`.
    pub async fn claim_preview_jobs(&self, limit: i64, lease: Duration) -> StoreResult<Vec<PreviewJob>> {
        let mut conn = self.conn().await?;
        let rows: Vec<JobRow> = prepared::<ClaimPreviewJobs>()
            .bind::<BigInt, _>(limit)
            .bind::<Double, _>(lease.as_secs_f64())
            .load(&mut conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| PreviewJob {
                message_id: MessageId(row.message_id),
                url: row.url,
                attempts: row.attempts,
                author_id: UserId(row.author_id),
                chat_id: ChatId(row.chat_id),
            })
            .collect())
    }

    /// The newest fetch of `url` younger than `fresh_for`, if any.
    pub async fn cached_page(&self, url: &str, fresh_for: Duration) -> StoreResult<Option<FetchedPage>> {
        let mut conn = self.conn().await?;
        let mut pages: Vec<FetchedPage> = prepared::<CachedPreview>()
            .bind::<Text, _>(url)
            .bind::<Double, _>(fresh_for.as_secs_f64())
            .load(&mut conn)
            .await?;
        Ok(pages.pop())
    }

    /// Records a fetch of `url`: what it showed (`None`: nothing to show) and its stored picture.
    pub async fn record_page(
        &self,
        url: &str,
        page: Option<&PageSummary>,
        image: Option<UploadId>,
    ) -> StoreResult<FetchedPage> {
        let mut conn = self.conn().await?;
        let id = diesel::insert_into(link_previews::table)
            .values((
                link_previews::url.eq(url),
                link_previews::found.eq(page.is_some()),
                link_previews::title.eq(page.and_then(|page| page.title.as_deref())),
                link_previews::description.eq(page.and_then(|page| page.description.as_deref())),
                link_previews::site_name.eq(page.and_then(|page| page.site_name.as_deref())),
                link_previews::image_upload_id.eq(image.map(|id| id.0)),
            ))
            .returning(link_previews::id)
            .get_result::<i64>(&mut conn)
            .await?;
        Ok(FetchedPage { id, found: page.is_some() })
    }

    /// Ends `job`: the message shows `page` if it had something to show and the message still
    /// names the link, else no preview; a change is sent as `message.updated`. Does nothing if
    /// the job was re-pointed or done meanwhile. Answers the message when it changed.
    pub async fn finish_preview_job(
        &self,
        job: &PreviewJob,
        page: Option<FetchedPage>,
    ) -> StoreResult<Option<Message>> {
        self.write(async |conn| {
            let queued = link_preview_jobs::table
                .find(job.message_id.0)
                .select(link_preview_jobs::url)
                .for_update()
                .first::<Option<String>>(conn)
                .await
                .optional()?;
            if queued.as_ref() != Some(&job.url) {
                return Ok(None);
            }
            diesel::delete(link_preview_jobs::table.find(job.message_id.0)).execute(conn).await?;
            // Its text and state, the row locked as `lock_message_for_server` locks it: the whole
            // message is built once, after its preview changed, and only if anyone is told.
            let (content, deleted) = messages::table
                .find(job.message_id.0)
                .select((messages::content, messages::deleted_at.is_not_null()))
                .for_no_key_update()
                .first::<(Option<String>, bool)>(conn)
                .await
                .optional()?
                .ok_or(DomainError::NotFound(Resource::Message))?;
            let shown = message_link_previews::table
                .find(job.message_id.0)
                .select(message_link_previews::preview_id)
                .first::<i64>(conn)
                .await
                .optional()?;
            let named = if deleted { None } else { content.as_deref().and_then(first_link) };
            let names_link = job.url.is_some() && named == job.url.as_deref();
            if !names_link {
                // The job is for a link the text no longer names (or for none). A stored preview is
                // always of the link the text names, as an edit that changes the link drops it
                // (`edit_message`): one shown now is of the link named again, still what clients
                // see, and stays for that link's own job. Only a tombstone's goes, already hidden
                // (`with_link_preview`), so nothing needs telling.
                if named.is_none() && shown.is_some() {
                    diesel::delete(message_link_previews::table.find(job.message_id.0)).execute(conn).await?;
                }
                return Ok(None);
            }
            let wanted = page.filter(|page| page.found).map(|page| page.id);
            if wanted == shown {
                return Ok(None);
            }
            match wanted {
                Some(preview) => {
                    diesel::insert_into(message_link_previews::table)
                        .values((
                            message_link_previews::message_id.eq(job.message_id.0),
                            message_link_previews::preview_id.eq(preview),
                        ))
                        .on_conflict(message_link_previews::message_id)
                        .do_update()
                        .set(message_link_previews::preview_id.eq(preview))
                        .execute(conn)
                        .await?;
                }
                None => {
                    diesel::delete(message_link_previews::table.find(job.message_id.0)).execute(conn).await?;
                }
            }
            let message = lock_message_for_server(conn, job.message_id).await?;
            record_message_updated(conn, &message).await?;
            Ok(Some(message))
        })
        .await
    }

    /// Puts `job` back to be tried again after `wait` (a network failure), unless it changed.
    pub async fn retry_preview_job(&self, job: &PreviewJob, wait: Duration) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let wait = time::Duration::try_from(wait).unwrap_or(time::Duration::MINUTE);
        diesel::update(
            link_preview_jobs::table
                .find(job.message_id.0)
                .filter(link_preview_jobs::url.is_not_distinct_from(job.url.as_deref())),
        )
        .set((
            link_preview_jobs::attempts.eq(job.attempts + 1),
            link_preview_jobs::not_before.eq(time::OffsetDateTime::now_utc() + wait),
            link_preview_jobs::claimed_until.eq(None::<time::OffsetDateTime>),
        ))
        .execute(&mut conn)
        .await?;
        Ok(())
    }

    /// Forgets fetches older than `kept` that no message shows, and marks their pictures for
    /// erasing; answers how many.
    pub async fn prune_link_previews(&self, kept: Duration) -> StoreResult<usize> {
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            plan_for_values(conn).await?;
            let pruned: Pruned = prepared::<PruneLinkPreviews>()
                .bind::<Double, _>(kept.as_secs_f64())
                .bind::<Text, _>(ERASING)
                .get_result(conn)
                .await?;
            Ok(usize::try_from(pruned.pruned).unwrap_or_default())
        })
        .await
    }
}

/// Records `message.updated` with the message as it is now (its row names the message, as the
/// edit's does, so a later delete rewrites it to the tombstone); call it inside the change's
/// transaction.
async fn record_message_updated(conn: &mut AsyncPgConnection, message: &Message) -> StoreResult<()> {
    diesel::insert_into(events::table)
        .values((
            events::chat_id.eq(message.chat_id.0),
            events::message_id.eq(Some(message.id.0)),
            events::kind.eq(EventKind::MessageUpdated.as_str()),
            events::data.eq(event_data(message)?),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
