//! Opening the object store from `CHAT_STORAGE_URL`, where each upload's objects live in it,
//! reading them back (whole or a byte range), and erasing them.

use crate::error::MediaError;
use bytes::Bytes;
use chat_domain::UploadId;
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, RetryConfig};
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Thumbnail decodes at once (the machine's two cores).
const DECODES_AT_ONCE: usize = 2;
/// S3's smallest part (but the last).
const S3_PART_BYTES: usize = 5 * 1024 * 1024;
/// A folder has no minimum: smaller parts hold less memory and cost no request each.
const LOCAL_PART_BYTES: usize = 1024 * 1024;

/// Where uploads' bytes go: `s3://bucket[/prefix]` (credentials, region and endpoint from the
/// usual `AWS_*` variables, then `options`), or a folder (`file:///abs/path` or a plain path).
#[derive(Clone, Debug, Default)]
pub struct StorageConfig {
    pub url: String,
    /// `object_store`'s S3 settings (`aws_endpoint`, `aws_allow_http`...), over the environment's.
    pub options: Vec<(String, String)>,
}

/// A stream of an object's bytes.
pub type ByteStream = BoxStream<'static, Result<Bytes, MediaError>>;

/// The object store holding uploads: `uploads/<id>` for each original, `thumbnails/<id>/<size>`
/// for its thumbnails. Cheap to clone.
#[derive(Clone)]
pub struct MediaStore {
    pub(crate) store: Arc<dyn ObjectStore>,
    prefix: Path,
    /// Thumbnail decodes at once: each may hold a large image in memory, and uses a core.
    pub(crate) decoding: Arc<Semaphore>,
    /// An upload's part: bodies up to this size are one `put`, larger ones a multipart upload with
    /// one part in flight, so an upload holds about two parts in memory at most.
    pub(crate) part_bytes: usize,
}

impl std::fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MediaStore({}, {:?})", self.store, self.prefix.as_ref())
    }
}

impl MediaStore {
    /// Opens the store `config` names; a folder is created if missing.
    pub fn open(config: &StorageConfig) -> Result<Self, MediaError> {
        let settings = |error: object_store::Error| MediaError::Settings(error.to_string());
        if config.url.starts_with("s3://") {
            let url = url::Url::parse(&config.url).map_err(|e| MediaError::Settings(e.to_string()))?;
            // A store that is down answers 503 within seconds, not after the default 3 minutes of retries.
            let retry =
                RetryConfig { max_retries: 3, retry_timeout: Duration::from_secs(15), ..RetryConfig::default() };
            let mut builder = AmazonS3Builder::from_env().with_url(config.url.as_str()).with_retry(retry);
            for (key, value) in &config.options {
                let key = key.parse().map_err(settings)?;
                builder = builder.with_config(key, value);
            }
            let prefix = Path::from(url.path().trim_matches('/'));
            return Ok(Self::over(Arc::new(builder.build().map_err(settings)?), prefix, S3_PART_BYTES));
        }
        let folder = config.url.strip_prefix("file://").unwrap_or(&config.url);
        std::fs::create_dir_all(folder).map_err(|e| MediaError::Settings(format!("{folder}: {e}")))?;
        // Cleanup removes the folders a thumbnail's erasing empties: nothing of an upload remains.
        let local = LocalFileSystem::new_with_prefix(folder).map_err(settings)?.with_automatic_cleanup(true);
        Ok(Self::over(Arc::new(local), Path::default(), LOCAL_PART_BYTES))
    }

    fn over(store: Arc<dyn ObjectStore>, prefix: Path, part_bytes: usize) -> Self {
        Self { store, prefix, decoding: Arc::new(Semaphore::new(DECODES_AT_ONCE)), part_bytes }
    }

    pub(crate) fn original(&self, id: UploadId) -> Path {
        self.prefix.child("uploads").child(id.to_string())
    }

    pub(crate) fn thumbnails(&self, id: UploadId) -> Path {
        self.prefix.child("thumbnails").child(id.to_string())
    }

    /// An upload's bytes, or those in `range` (which the caller checked against its size).
    pub async fn read(&self, id: UploadId, range: Option<Range<u64>>) -> Result<ByteStream, MediaError> {
        let options = GetOptions { range: range.map(GetRange::Bounded), ..GetOptions::default() };
        let found = self.store.get_opts(&self.original(id), options).await?;
        Ok(found.into_stream().map_err(MediaError::from).boxed())
    }

    /// Erases every object of an upload: the original and its thumbnails. Erasing what is
    /// already gone succeeds, so an interrupted erase can simply run again.
    pub async fn erase(&self, id: UploadId) -> Result<(), MediaError> {
        let thumbnails: Vec<Path> =
            self.store.list(Some(&self.thumbnails(id))).map_ok(|meta| meta.location).try_collect().await?;
        for path in thumbnails.iter().chain([&self.original(id)]) {
            match self.store.delete(path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Ok(())
    }

    /// How many objects an upload has in the store (its original and thumbnails): for tests and
    /// checks that erasing left nothing.
    pub async fn objects_of(&self, id: UploadId) -> Result<usize, MediaError> {
        let thumbnails = self.store.list(Some(&self.thumbnails(id))).try_collect::<Vec<_>>().await?.len();
        let original = match self.store.head(&self.original(id)).await {
            Ok(_) => 1,
            Err(object_store::Error::NotFound { .. }) => 0,
            Err(error) => return Err(error.into()),
        };
        Ok(thumbnails + original)
    }

    /// Every object in the store (under its prefix): for tests that check nothing is left behind.
    pub async fn object_count(&self) -> Result<usize, MediaError> {
        let prefix = (!self.prefix.as_ref().is_empty()).then_some(&self.prefix);
        Ok(self.store.list(prefix).try_collect::<Vec<_>>().await?.len())
    }
}
