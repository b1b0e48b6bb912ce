//! Receiving an upload: claim its row (or find the key's earlier upload), stream the body into
//! storage, decide its type from the bytes, and record it. A refused or broken upload leaves
//! neither bytes nor row behind.

use crate::config::UploadConfig;
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use chat_domain::upload::{display_name, stored_content_type};
use chat_domain::{IdempotencyKey, Upload, UploadId, UserId};
use chat_media::{MediaStore, Pace};
use chat_store::{Store, UploadStart};
use futures_util::Stream;
use rand::TryRngCore as _;
use rand::rngs::OsRng;

/// The stored upload, and whether it was stored by an earlier request with the same key.
#[derive(Debug)]
pub struct Received {
    pub upload: Upload,
    pub replayed: bool,
}

/// Where uploads go: their rows, their bytes, and what an upload may cost. The routes store what
/// clients send; the link preview worker stores the pictures of the pages it fetches.
#[derive(Clone, Copy, Debug)]
pub struct UploadTarget<'a> {
    pub store: &'a Store,
    pub media: &'a MediaStore,
    pub limits: &'a UploadConfig,
}

impl AppState {
    pub fn upload_target(&self) -> UploadTarget<'_> {
        UploadTarget { store: &self.store, media: &self.media, limits: &self.uploads }
    }
}

/// Stores `body` as `uploader`'s upload named `filename`, sent as `claimed` (`Content-Type`).
pub async fn receive<S, E>(
    target: UploadTarget<'_>,
    uploader: UserId,
    key: Option<&IdempotencyKey>,
    filename: Option<&str>,
    claimed: Option<&str>,
    body: S,
) -> ApiResult<Received>
where
    S: Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let id = new_id()?;
    let name = display_name(filename);
    match target.store.begin_upload(id, uploader, &name, key).await? {
        UploadStart::Started => {}
        UploadStart::Replay(upload) => return Ok(Received { upload, replayed: true }),
    }
    let stored = store_bytes(target, id, name, claimed, body).await;
    if stored.is_err() {
        forget(target, id).await;
    }
    stored.map(|upload| Received { upload, replayed: false })
}

/// After a refusal or a fault: the pending row goes, then whatever bytes were stored. A row that
/// is no longer pending stays with its bytes: its finish committed though unconfirmed, and a
/// retry with the same key will be answered with it. If the database cannot be reached, the
/// janitor erases the pending row's bytes later.
async fn forget(target: UploadTarget<'_>, id: UploadId) {
    match target.store.abandon_upload(id).await {
        Ok(true) => {
            if let Err(error) = target.media.erase(id).await {
                tracing::warn!(%id, %error, "erasing a refused upload failed");
            }
        }
        Ok(false) => {}
        Err(error) => tracing::warn!(%id, %error, "forgetting a refused upload failed"),
    }
}

/// Streams the bytes in (an aborted stream leaves none), decides the type, records the upload.
async fn store_bytes<S, E>(
    target: UploadTarget<'_>,
    id: UploadId,
    name: String,
    claimed: Option<&str>,
    body: S,
) -> ApiResult<Upload>
where
    S: Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let limits = target.limits;
    let pace = Pace { idle: limits.idle_timeout, total: limits.max_duration };
    let ingested = target.media.ingest(id, body, limits.max_bytes, pace).await?;
    let content_type = stored_content_type(ingested.sniffed.content_type, claimed)?;
    let (width, height) = ingested.sniffed.dimensions.unzip();
    let upload = Upload { id, name, size: ingested.size, content_type, sha256: ingested.sha256, width, height };
    Ok(target.store.finish_upload(&upload).await?)
}

/// A random (version 4) UUID from the operating system's generator.
fn new_id() -> ApiResult<UploadId> {
    let mut bytes = [0_u8; 16];
    OsRng.try_fill_bytes(&mut bytes).map_err(|error| ApiError::Internal(format!("no randomness: {error}")))?;
    Ok(UploadId(uuid::Builder::from_random_bytes(bytes).into_uuid()))
}
