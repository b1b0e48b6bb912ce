//! Files: receiving an upload into storage, serving it back (ranges, validators, safe headers),
//! and the janitor that erases what must go. The routes (`routes/uploads.rs`) only call these.

pub mod janitor;
mod receive;
mod serve;

pub use receive::{Received, UploadTarget, receive};
pub use serve::{download, thumbnail};
