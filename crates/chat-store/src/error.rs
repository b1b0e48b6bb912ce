//! The store's one error type. The API maps it to HTTP in one place.

use chat_domain::DomainError;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A rule that needed stored data refused the request (not a member, reply elsewhere...).
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The same Idempotency-Key came with a different request.
    #[error("idempotency key reused with a different request")]
    IdempotencyKeyReused,
    /// The database cannot be reached, or no connection came free in time.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A row that the schema's constraints should have made impossible.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(DieselError),
}

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                StoreError::Unavailable(info.message().to_owned())
            }
            other => StoreError::Database(other),
        }
    }
}

impl From<bb8::RunError<diesel_async::pooled_connection::PoolError>> for StoreError {
    fn from(error: bb8::RunError<diesel_async::pooled_connection::PoolError>) -> Self {
        StoreError::Unavailable(error.to_string())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
