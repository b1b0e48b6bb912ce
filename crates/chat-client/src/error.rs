//! What a call can fail with: the server's answer (a problem+json with its code), or the way to it.

use chat_domain::{ErrorCode, Problem};

/// The client's one error type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server refused the request: its status and problem document (`problem.code` is what
    /// to branch on; `problem.errors` lists the fields of a `validation_failed`).
    #[error("{status}: {} ({})", problem.detail, problem.code)]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The problem document. An error answer that is not problem+json (from a proxy in front
        /// of the server, say) reads as code `Unknown`, with the start of the body in `detail`.
        problem: Box<Problem>,
    },
    /// No answer: the connection failed or timed out (after the retries the call allows).
    #[error("transport: {0}")]
    Transport(#[from] reqwest::Error),
    /// An answer that is not what the API documents.
    #[error("unexpected answer: {0}")]
    Unexpected(String),
    /// The event stream's WebSocket failed in a way a reconnect cannot mend.
    #[error("websocket: {0}")]
    WebSocket(String),
}

impl ClientError {
    /// The problem's code, if the server answered with one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Refused { problem, .. } => Some(problem.code),
            _ => None,
        }
    }

    /// The HTTP status, if the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Refused { status, .. } => Some(*status),
            Self::Transport(error) => error.status().map(|status| status.as_u16()),
            _ => None,
        }
    }
}

/// The result of every call.
pub type ClientResult<T> = Result<T, ClientError>;
