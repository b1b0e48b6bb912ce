//! Uploads' bytes, in object storage: a local folder by default, any S3-compatible store in
//! production, one API over both (`object_store`). Bytes are streamed in and out, never held
//! whole; the metadata that names them lives in PostgreSQL (chat-store), never here.
//!
//! `MediaStore` is the one door: `ingest` writes an upload while measuring, hashing and sniffing
//! it, `read` serves it (whole or a range), `thumbnail` makes or fetches a scaled copy, `erase`
//! removes every object of an upload.

mod error;
mod ingest;
mod sniff;
mod storage;
mod thumbnail;

pub use error::MediaError;
pub use ingest::{IngestError, Ingested, Pace};
pub use sniff::Sniffed;
pub use storage::{ByteStream, MediaStore, StorageConfig};
pub use thumbnail::{Thumbnail, ThumbnailError};
