//! Writing an upload: the body streamed into the store as it arrives, measured against the size
//! limit, hashed, and its first bytes kept to sniff its type and an image's dimensions. A body
//! that breaks off, stalls or passes the limit is aborted, and nothing of it is kept.

use crate::error::MediaError;
use crate::sniff::{Sniffed, sniff};
use crate::storage::MediaStore;
use bytes::{Bytes, BytesMut};
use chat_domain::UploadId;
use futures_util::{Stream, StreamExt};
use object_store::buffered::BufWriter;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

/// The head kept for sniffing: enough for any image header (a JPEG's EXIF comes first).
const HEAD_BYTES: usize = 256 * 1024;

/// How slowly a body may arrive: the longest pause between two chunks, and the longest upload.
/// (A trickle of a byte every few seconds would otherwise hold a connection for days.)
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    pub idle: Duration,
    pub total: Duration,
}

/// What was stored.
#[derive(Clone, Debug)]
pub struct Ingested {
    pub size: u64,
    /// Lowercase hex.
    pub sha256: String,
    pub sniffed: Sniffed,
}

/// Why an upload was not stored (nothing of it is).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("the upload is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the upload is empty")]
    Empty,
    #[error("the body paused for {} s, or took over {} s", .0.idle.as_secs(), .0.total.as_secs())]
    Stalled(Pace),
    #[error("the body broke off: {0}")]
    Body(String),
    #[error(transparent)]
    Storage(#[from] MediaError),
}

impl MediaStore {
    /// Streams `body` into upload `id`'s object. Past `limit` bytes, with `pace.idle` between two
    /// chunks, or past `pace.total` in all, the write is aborted.
    pub async fn ingest<S, E>(&self, id: UploadId, mut body: S, limit: u64, pace: Pace) -> Result<Ingested, IngestError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let mut writer =
            BufWriter::with_capacity(self.store.clone(), self.original(id), self.part_bytes).with_max_concurrency(1);
        let mut state = Progress { size: 0, hasher: Sha256::new(), head: BytesMut::new() };
        let started = Instant::now();
        let streamed = async {
            loop {
                let wait = pace.idle.min(pace.total.saturating_sub(started.elapsed()));
                let chunk = match tokio::time::timeout(wait, body.next()).await {
                    Err(_) => return Err(IngestError::Stalled(pace)),
                    Ok(None) => break,
                    Ok(Some(Err(error))) => return Err(IngestError::Body(error.to_string())),
                    Ok(Some(Ok(chunk))) => chunk,
                };
                state.size += chunk.len() as u64;
                if state.size > limit {
                    return Err(IngestError::TooLarge { limit });
                }
                state.hasher.update(&chunk);
                if state.head.len() < HEAD_BYTES {
                    let wanted = (HEAD_BYTES - state.head.len()).min(chunk.len());
                    state.head.extend_from_slice(&chunk[..wanted]);
                }
                writer.put(chunk).await.map_err(MediaError::from)?;
            }
            if state.size == 0 { Err(IngestError::Empty) } else { Ok(()) }
        }
        .await;
        if let Err(error) = streamed {
            // An aborted multipart upload leaves no object; a small body was only ever buffered.
            if let Err(abort) = writer.abort().await {
                tracing::warn!(%id, error = %abort, "aborting an upload failed");
            }
            return Err(error);
        }
        if let Err(error) = writer.shutdown().await {
            // Completing may have half-succeeded: make sure no object stays behind.
            if let Err(erase) = self.erase(id).await {
                tracing::warn!(%id, error = %erase, "erasing a failed upload failed");
            }
            let source = Box::new(error);
            return Err(MediaError::Store(object_store::Error::Generic { store: "upload", source }).into());
        }
        Ok(Ingested { size: state.size, sha256: hex::encode(state.hasher.finalize()), sniffed: sniff(&state.head) })
    }
}

struct Progress {
    size: u64,
    hasher: Sha256,
    head: BytesMut,
}
