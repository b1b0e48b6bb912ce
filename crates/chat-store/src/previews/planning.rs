//! The `previews` consumer of the event log: for each message a published `message.*` event
//! names, compares the first link its text has now with the preview it shows (or the job already
//! queued for it) and queues a job where they differ: a link to preview, or none, for a preview
//! to go (the text was edited, or the message deleted).
//!
//! A message is read as it is now, not as its event describes it, so a step done twice or out of
//! order queues the same jobs. Attaching a preview writes `message.updated` too; its step finds
//! the preview already shown and queues nothing, so previews never feed themselves.

use crate::connection::prepared::{prepared, statement};
use crate::error::StoreResult;
use crate::events::consumers::{LogConsumer, LogPlanner};
use crate::events::published::{PublishedEvent, messages_changed};
use chat_domain::link_preview::first_link;
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// What the step needs of each named message: its text, whether it is deleted, the address of
/// the preview it shows and of the job queued for it.
const STATE_SQL: &str = "
    SELECT m.id, m.content, m.deleted_at IS NOT NULL AS deleted, lp.url AS shown, j.message_id IS NOT NULL AS queued,
           j.url AS queued_url
      FROM messages m
      LEFT JOIN message_link_previews mp ON mp.message_id = m.id
      LEFT JOIN link_previews lp ON lp.id = mp.preview_id
      LEFT JOIN link_preview_jobs j ON j.message_id = m.id
     WHERE m.id = ANY($1)";
statement!(PreviewState, STATE_SQL);

/// Queues (or re-points) a job per message: `$1` the messages, `$2` their links (null: the
/// preview is to go). A job re-pointed while a worker fetches the old link is released to any
/// worker; the old fetch finds its job changed and attaches nothing.
const QUEUE_SQL: &str = "
    INSERT INTO link_preview_jobs AS job (message_id, url)
    SELECT * FROM unnest($1::bigint[], $2::text[])
    ON CONFLICT (message_id) DO UPDATE
       SET url = EXCLUDED.url, attempts = 0, not_before = now(), claimed_until = NULL
     WHERE job.url IS DISTINCT FROM EXCLUDED.url";
statement!(QueuePreviewJobs, QUEUE_SQL);

#[derive(QueryableByName)]
struct MessageState {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    content: Option<String>,
    #[diesel(sql_type = Bool)]
    deleted: bool,
    #[diesel(sql_type = Nullable<Text>)]
    shown: Option<String>,
    #[diesel(sql_type = Bool)]
    queued: bool,
    #[diesel(sql_type = Nullable<Text>)]
    queued_url: Option<String>,
}

impl MessageState {
    /// The link to preview now: the first one of a live message's text.
    fn wanted(&self) -> Option<&str> {
        if self.deleted { None } else { self.content.as_deref().and_then(first_link) }
    }

    /// Whether what the message shows, or is about to, differs from what it should.
    fn needs_job(&self) -> bool {
        let heading_for = if self.queued { self.queued_url.as_deref() } else { self.shown.as_deref() };
        heading_for != self.wanted()
    }
}

/// The planner of the `previews` consumer.
pub(crate) struct PreviewPlanner;

impl LogPlanner for PreviewPlanner {
    fn consumer(&self) -> LogConsumer {
        LogConsumer::Previews
    }

    async fn plan(&self, conn: &mut AsyncPgConnection, events: &[PublishedEvent]) -> StoreResult<()> {
        let ids = messages_changed(events);
        if ids.is_empty() {
            return Ok(());
        }
        let states: Vec<MessageState> = prepared::<PreviewState>().bind::<Array<BigInt>, _>(&ids).load(conn).await?;
        let (messages, links): (Vec<i64>, Vec<Option<&str>>) =
            states.iter().filter(|state| state.needs_job()).map(|state| (state.id, state.wanted())).unzip();
        if !messages.is_empty() {
            prepared::<QueuePreviewJobs>()
                .bind::<Array<BigInt>, _>(&messages)
                .bind::<Array<Nullable<Text>>, _>(&links)
                .execute(conn)
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(content: &str, deleted: bool, shown: Option<&str>, queued: Option<Option<&str>>) -> MessageState {
        MessageState {
            id: 1,
            content: Some(content.into()),
            deleted,
            shown: shown.map(Into::into),
            queued: queued.is_some(),
            queued_url: queued.flatten().map(Into::into),
        }
    }

    #[test]
    fn a_job_is_queued_only_where_the_preview_would_change() {
        let link = "https://a.example";
        assert!(state("see https://a.example", false, None, None).needs_job(), "a new link");
        assert!(!state("see https://a.example", false, Some(link), None).needs_job(), "its preview is shown");
        assert!(!state("see https://a.example", false, None, Some(Some(link))).needs_job(), "already queued");
        assert!(state("see https://b.example", false, Some(link), None).needs_job(), "edited to another link");
        assert!(state("no link now", false, Some(link), None).needs_job(), "edited to no link");
        assert!(state("see https://a.example", true, Some(link), None).needs_job(), "deleted");
        assert!(!state("no link", false, None, None).needs_job(), "nothing to do");
        assert!(!state("no link", false, None, Some(None)).needs_job(), "a removal is queued");
    }
}
