//! The link preview worker: plans jobs from the event log (the store's `previews` consumer), then
//! claims the due ones and works them side by side: a fresh fetch of the link from the cache, else
//! a fetch of the page, recorded, then attached to the message with `message.updated`. Woken by
//! the hub's published head and a fallback tick.
//!
//! Guarantees (docs/ARCHITECTURE.md): every message posted or edited with a link is previewed at
//! least once (a job is deleted only in the transaction that attaches its result; a process killed
//! mid-fetch leaves the job's lease to run out); attaching twice changes nothing; an edit that
//! changes the link re-points the job, and a fetch of the old link attaches nothing.

use super::fetch::{Fetched, Fetcher};
use crate::config::{PreviewConfig, UploadConfig};
use crate::log_follower::LogFollower;
use crate::uploads::UploadTarget;
use crate::workers::Worker;
use chat_media::MediaStore;
use chat_outbound::Outbound;
use chat_store::{FetchedPage, PreviewJob, Store};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Events planned per planning transaction.
const PLAN_BATCH: i64 = 500;
/// How long the planner waits after a wake for more events, so that a burst is one step.
const GATHER: Duration = Duration::from_millis(20);
/// A round whatever the head says: retries come due, and a wake may be missed.
const TICK: Duration = Duration::from_secs(1);
/// Jobs claimed (and fetched side by side) per round.
const JOBS_PER_ROUND: i64 = 16;
/// Fetches no message has shown for this long are forgotten, with their pictures.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// What the worker needs besides the store.
#[derive(Debug)]
pub struct PreviewWorker {
    pub store: Store,
    pub media: MediaStore,
    pub uploads: UploadConfig,
    pub fetcher: Fetcher,
}

/// The worker; with previews off, none (messages keep no preview and no page is fetched).
pub fn worker(previews: PreviewWorker, head: watch::Receiver<i64>) -> Option<Worker> {
    previews.fetcher.config.enabled.then(|| Worker::new("link previews", run(Arc::new(previews), head)))
}

impl PreviewWorker {
    pub fn new(
        store: Store,
        media: MediaStore,
        uploads: UploadConfig,
        config: &PreviewConfig,
    ) -> Result<Self, chat_outbound::OutboundError> {
        let outbound = Outbound::new(chat_outbound::OutboundPolicy {
            allowed_hosts: config.allowed_hosts.clone(),
            timeout: config.timeout,
            max_answer_bytes: config.max_page_bytes,
        })?;
        Ok(Self { store, media, uploads, fetcher: Fetcher { outbound, config: config.clone() } })
    }

    fn config(&self) -> &PreviewConfig {
        &self.fetcher.config
    }

    fn upload_target(&self) -> UploadTarget<'_> {
        UploadTarget { store: &self.store, media: &self.media, limits: &self.uploads }
    }
}

async fn run(previews: Arc<PreviewWorker>, head: watch::Receiver<i64>) -> Infallible {
    let mut follower = LogFollower::new("link preview planner", head, GATHER, TICK);
    let mut pruned = tokio::time::Instant::now();
    loop {
        if pruned.elapsed() >= PRUNE_EVERY {
            pruned = tokio::time::Instant::now();
            let kept = previews.config().cache_for.max(PRUNE_EVERY);
            if let Err(error) = previews.store.prune_link_previews(kept).await {
                tracing::warn!(%error, "pruning link previews failed");
            }
        }
        follower.plan(PLAN_BATCH, || previews.store.plan_link_previews(PLAN_BATCH)).await;
        if work_due(&previews).await > 0 {
            continue;
        }
        follower.wait().await;
    }
}

/// Claims the due jobs and works them side by side; answers how many it claimed.
async fn work_due(previews: &Arc<PreviewWorker>) -> usize {
    // Held past the longest a job can take (a page's fetch, then its picture's), so a job is
    // never worked by two processes at once but by a crash.
    let lease = previews.config().timeout * 2 + Duration::from_secs(5);
    let jobs = match previews.store.claim_preview_jobs(JOBS_PER_ROUND, lease).await {
        Ok(jobs) => jobs,
        Err(error) => {
            tracing::warn!(%error, "claiming link preview jobs failed; retrying next round");
            return 0;
        }
    };
    let claimed = jobs.len();
    let mut working = tokio::task::JoinSet::new();
    for job in jobs {
        let previews = previews.clone();
        working.spawn(async move { previews.work(job).await });
    }
    while working.join_next().await.is_some() {}
    claimed
}

impl PreviewWorker {
    async fn work(&self, job: PreviewJob) {
        let page = match job.url.as_deref() {
            None => None,
            Some(link) => match self.page_for(&job, link).await {
                Some(page) => Some(page),
                // Tried again later (or given up, recorded as nothing to show).
                None => return,
            },
        };
        if let Err(error) = self.store.finish_preview_job(&job, page).await {
            // The job stays; its lease runs out and it is worked again.
            tracing::warn!(%error, message = job.message_id.0, "attaching a link preview failed");
        }
    }

    /// The cached fetch of `link`, else a new one, recorded; `None` when the job was put back to
    /// be tried again after a network failure.
    async fn page_for(&self, job: &PreviewJob, link: &str) -> Option<FetchedPage> {
        match self.store.cached_page(link, self.config().cache_for).await {
            Ok(Some(page)) => return Some(page),
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(%error, "reading the link preview cache failed");
                return None;
            }
        }
        let (summary, picture) = match self.fetcher.fetch(link, job.author_id, self.upload_target()).await {
            Fetched::Page(summary, picture) => (Some(summary), picture),
            Fetched::Nothing => (None, None),
            Fetched::Failed(error) => {
                let retry = &self.config().retry;
                let failed = u32::try_from(job.attempts).unwrap_or(u32::MAX).saturating_add(1);
                if let Some(wait) = retry.delay(failed) {
                    tracing::debug!(%error, failed, "a link's page could not be fetched; trying again later");
                    if let Err(error) = self.store.retry_preview_job(job, wait).await {
                        tracing::warn!(%error, "putting a link preview job back failed");
                    }
                    return None;
                }
                (None, None)
            }
        };
        match self.store.record_page(link, summary.as_ref(), picture).await {
            Ok(page) => Some(page),
            Err(error) => {
                // The picture, if any, is unattached and expires with the janitor's next rounds.
                tracing::warn!(%error, "recording a link's page failed");
                None
            }
        }
    }
}
