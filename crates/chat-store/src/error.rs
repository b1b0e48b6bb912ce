//! The store's one error type. The API maps it to HTTP in one place.

use chat_domain::{DomainError, FieldCode, ValidationErrors};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A rule that needed stored data refused the request (not a member, reply elsewhere...).
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The author has posted as many messages as their send limit allows for now.
    #[error("too many messages; post again in {retry_after_secs} s")]
    SendLimited { retry_after_secs: u64 },
    /// The chat is in slow mode and the author posted in it too recently.
    #[error("this chat is in slow mode; post again in {retry_after_secs} s")]
    SlowMode { retry_after_secs: u64 },
    /// The same Idempotency-Key came with a different request.
    #[error("idempotency key reused with a different request")]
    IdempotencyKeyReused,
    /// The database cannot be reached, no connection came free in time, or the database
    /// cancelled the statement (a statement timeout, `pg_cancel_backend`).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A database URL that cannot be read (a start-up error: no request meets it).
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    /// A row that the schema's constraints should have made impossible.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(DieselError),
}

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        if !signals_outage(&error) && !was_cancelled(&error) {
            return StoreError::Database(error);
        }
        match error {
            DieselError::DatabaseError(_, info) => StoreError::Unavailable(info.message().to_owned()),
            other => StoreError::Unavailable(other.to_string()),
        }
    }
}

/// Maps a foreign-key violation while writing members (a user id that names no user) to the
/// validation problem `unknown_user` on `field`; any other error as usual.
pub(crate) fn unknown_user_on(field: &'static str) -> impl FnOnce(DieselError) -> StoreError {
    move |error| match error {
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            let why = "names a user that does not exist";
            StoreError::Domain(DomainError::Validation(ValidationErrors::single(field, FieldCode::UnknownUser, why)))
        }
        other => other.into(),
    }
}

/// Whether `error` says the database, not the request, is at fault: the connection is gone, or
/// the server is stopping, starting or read-only. Retried later, the request may succeed, so the
/// client gets a 503, never a 500.
pub(crate) fn signals_outage(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(kind, info) => is_unavailable(*kind, info.message()),
        // The transaction manager gave up on a connection that failed mid-transaction.
        DieselError::BrokenTransactionManager => true,
        DieselError::RollbackErrorOnCommit { commit_error, .. } => signals_outage(commit_error),
        _ => false,
    }
}

/// Whether the database cancelled the statement: SQLSTATE 57014 (a statement timeout,
/// `pg_cancel_backend`) or 55P03's lock timeout. Its transaction rolled back and, retried later,
/// the request may succeed, so the client gets a 503. Unlike an outage it says nothing about the
/// database or the connection, so neither is written off (`signals_outage` is false for it).
/// diesel-async keeps the SQLSTATE to itself (its error information has no code), so the message
/// is matched, as `is_unavailable` does.
fn was_cancelled(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            info.message().starts_with("canceling statement due to")
        }
        DieselError::RollbackErrorOnCommit { commit_error, .. } => was_cancelled(commit_error),
        _ => false,
    }
}

/// The server errors that mean an outage. diesel reports most as `Unknown` with only the server's
/// message, so the messages of SQLSTATE classes 57 (operator intervention; but 57014, a cancel, is
/// `was_cancelled`'s) and 53300 are matched: PostgreSQL's English texts, as sent with
/// `lc_messages` at its default `C` (docs/ARCHITECTURE.md).
fn is_unavailable(kind: DatabaseErrorKind, message: &str) -> bool {
    const UNAVAILABLE: [&str; 5] = [
        "terminating connection",
        "the database system is",
        "sorry, too many clients",
        "remaining connection slots are reserved",
        "canceling statement due to conflict with recovery",
    ];
    match kind {
        DatabaseErrorKind::ClosedConnection
        | DatabaseErrorKind::UnableToSendCommand
        | DatabaseErrorKind::ReadOnlyTransaction => true,
        _ => UNAVAILABLE.iter().any(|prefix| message.starts_with(prefix)),
    }
}

impl From<bb8::RunError<diesel_async::pooled_connection::PoolError>> for StoreError {
    fn from(error: bb8::RunError<diesel_async::pooled_connection::PoolError>) -> Self {
        StoreError::Unavailable(error.to_string())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[cfg(test)]
mod tests {
    use super::*;

    /// A server error as diesel-async reports one it has no kind for: only its message.
    fn server_error(message: &str) -> DieselError {
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(message.to_owned()))
    }

    #[test]
    fn a_cancelled_statement_is_unavailable_but_no_outage() {
        for message in [
            "canceling statement due to statement timeout",
            "canceling statement due to user request",
            "canceling statement due to lock timeout",
        ] {
            assert!(!signals_outage(&server_error(message)), "{message}: the database is not down");
            assert!(matches!(StoreError::from(server_error(message)), StoreError::Unavailable(_)), "{message}");
        }
        let terminated = server_error("terminating connection due to administrator command");
        assert!(signals_outage(&terminated));
        assert!(matches!(StoreError::from(server_error("division by zero")), StoreError::Database(_)));
    }
}
