//! The storage's one error type.

/// The object store failed or could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// `CHAT_STORAGE_URL` (or its options) cannot be used.
    #[error("storage settings: {0}")]
    Settings(String),
    /// The object is not there.
    #[error("no such object: {0}")]
    NotFound(String),
    /// The store refused or could not be reached.
    #[error("storage: {0}")]
    Store(object_store::Error),
}

impl From<object_store::Error> for MediaError {
    fn from(error: object_store::Error) -> Self {
        match error {
            object_store::Error::NotFound { path, .. } => MediaError::NotFound(path),
            other => MediaError::Store(other),
        }
    }
}
