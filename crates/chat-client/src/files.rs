//! Files: uploading a file's bytes (exactly once, however often retried) and downloading them.
//! A message carries uploads by naming their ids in `payload.upload_ids`.

use crate::chats::encode;
use crate::client::{Call, Client};
use crate::error::{ClientError, ClientResult};
use chat_domain::{Upload, UploadId};
use reqwest::Method;
use std::time::Duration;

/// How long an upload may take: the server's own limit (30 minutes), not the client's 30 s, which
/// a 25 MiB file below about 7 Mbit/s would always miss.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(30 * 60);

impl Client {
    /// Uploads `bytes` as a file named `name`, sent as `content_type` (the server reads the real
    /// type from the bytes). Every retry carries the same `Idempotency-Key`, so the server stores
    /// it once (a retry that finds the first attempt still arriving waits and tries again). Attach
    /// the answer's `id` to an `image` or `file` message within a day.
    pub async fn upload(&self, name: &str, content_type: &str, bytes: Vec<u8>) -> ClientResult<Upload> {
        let path = format!("/uploads?filename={}", encode(name));
        self.fetch(Call::keyed(Method::POST, path)?.bytes(bytes, content_type, UPLOAD_TIMEOUT)).await
    }

    /// A file's bytes, whole: for its uploader, or a member of a chat where a message carries it.
    pub async fn download(&self, id: UploadId) -> ClientResult<Vec<u8>> {
        let response = self.send(Call::repeatable(Method::GET, format!("/uploads/{id}"))).await?;
        let bytes =
            response.bytes().await.map_err(|error| ClientError::Unexpected(format!("download broke off: {error}")))?;
        Ok(bytes.to_vec())
    }
}
