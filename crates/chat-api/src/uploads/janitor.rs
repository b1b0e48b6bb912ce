//! The janitor: erases the bytes of uploads marked `erasing` (a deleted message's files, uploads
//! never attached within their time, uploads whose process died mid-way), then forgets their rows.
//! It runs every `prune_interval`, and right after a message is deleted.

use crate::config::UploadConfig;
use crate::workers::Worker;
use chat_domain::{MessageId, UploadId};
use chat_media::MediaStore;
use chat_store::Store;
use std::convert::Infallible;
use std::time::Duration;

/// Uploads erased per batch.
const BATCH: i64 = 100;
/// A pending upload older than this belonged to a process that died: a live one gives up on a
/// body within `UploadConfig::max_duration` (30 minutes).
const PENDING_AT_MOST: Duration = Duration::from_secs(3600);

/// The janitor, every `prune_interval`, for as long as the process.
pub fn worker(store: Store, media: MediaStore, config: &UploadConfig) -> Worker {
    Worker::new("upload janitor", tidy_forever(store, media, config.prune_interval, config.unattached_ttl))
}

async fn tidy_forever(store: Store, media: MediaStore, interval: Duration, unattached_ttl: Duration) -> Infallible {
    let mut ticks = tokio::time::interval(interval);
    loop {
        ticks.tick().await;
        match store.expire_uploads(unattached_ttl, PENDING_AT_MOST).await {
            Ok(0) => {}
            Ok(expired) => tracing::info!(expired, "uploads expired"),
            Err(error) => tracing::warn!(%error, "expiring uploads failed"),
        }
        erase_marked(&store, &media).await;
    }
}

/// Erases every upload marked `erasing`; what fails stays marked for the next run (and is not
/// tried again in this one, so it cannot hold up the rest).
async fn erase_marked(store: &Store, media: &MediaStore) {
    let mut failed = Vec::new();
    loop {
        let ids = match store.erasable_uploads(BATCH, &failed).await {
            Ok(ids) if ids.is_empty() => return,
            Ok(ids) => ids,
            Err(error) => return tracing::warn!(%error, "listing uploads to erase failed"),
        };
        if erase(store, media, ids, &mut failed).await.is_err() {
            return;
        }
    }
}

/// Erases the files of deleted message `message` (the janitor retries what fails).
pub async fn erase_files_of(store: &Store, media: &MediaStore, message: MessageId) {
    match store.erasable_uploads_of(message).await {
        Ok(ids) => {
            let _ = erase(store, media, ids, &mut Vec::new()).await;
        }
        Err(error) => tracing::warn!(%message, %error, "listing a deleted message's files failed"),
    }
}

/// Erases `ids`' bytes, then forgets the rows of those erased; adds the others to `failed`.
async fn erase(store: &Store, media: &MediaStore, ids: Vec<UploadId>, failed: &mut Vec<UploadId>) -> Result<(), ()> {
    let mut erased = Vec::with_capacity(ids.len());
    for id in ids {
        match media.erase(id).await {
            Ok(()) => erased.push(id),
            Err(error) => {
                tracing::warn!(%id, %error, "erasing an upload failed");
                failed.push(id);
            }
        }
    }
    if erased.is_empty() {
        return Ok(());
    }
    store.forget_uploads(&erased).await.map_err(|error| tracing::warn!(%error, "forgetting erased uploads failed"))
}
