//! The domain's one error type: what a rule refused, in terms a client can act on.

use crate::error_code::ErrorCode;
use crate::validation::ValidationErrors;

/// Something a caller may not see, or that does not exist; the two are deliberately not told apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    Chat,
    Message,
    Member,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("the request is invalid")]
    Validation(#[from] ValidationErrors),
    #[error("the caller is not a member of this chat")]
    NotAMember,
    #[error("{0:?} not found")]
    NotFound(Resource),
    #[error("the caller's role does not allow this: {0}")]
    Forbidden(&'static str),
    /// The request conflicts with the state (`LastOwner`, `MessageDeleted`, ...).
    #[error("conflict: {0}")]
    Conflict(ErrorCode),
}
