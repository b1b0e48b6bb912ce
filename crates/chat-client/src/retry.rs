//! When a call is sent again: only calls that are safe to repeat (reads, `PUT` and `DELETE`,
//! writes whose repeat changes nothing, and creates carrying an `Idempotency-Key`), only after
//! faults that may be passing (no connection, a timeout, 503), and a bounded number of times with
//! growing pauses.

use crate::error::ClientError;
use chat_domain::ErrorCode;
use std::time::Duration;

/// How often and how patiently a safe call is retried.
///
/// ```
/// use chat_client::{Client, RetryPolicy};
/// use std::time::Duration;
///
/// // 4 attempts in all: pauses of 50, 100 and 200 ms before the three retries.
/// let patient =
///     RetryPolicy { attempts: 4, first_delay: Duration::from_millis(50), max_delay: Duration::from_millis(200) };
/// let client = Client::new("http://127.0.0.1:8000/").with_retry(patient);
/// assert_eq!(client.origin(), "http://127.0.0.1:8000");
///
/// // Fail fast instead: one attempt, and a short wait for the answer.
/// let impatient = client.with_retry(RetryPolicy::none()).with_timeout(Duration::from_secs(2));
/// # drop(impatient);
/// ```
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1: never retry).
    pub attempts: u32,
    /// The pause before the first retry; each later one doubles, up to `max_delay`.
    pub first_delay: Duration,
    /// The longest pause between two attempts.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 6 attempts over about 3 s: longer than the server's own reconnect to a restarted database.
    fn default() -> Self {
        Self { attempts: 6, first_delay: Duration::from_millis(100), max_delay: Duration::from_secs(1) }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        Self { attempts: 1, ..Self::default() }
    }

    /// The pause before attempt `attempt` (1 is the first retry), or `None` when out of attempts.
    pub(crate) fn delay(&self, attempt: u32) -> Option<Duration> {
        (attempt < self.attempts).then(|| {
            let doubled = self.first_delay.saturating_mul(1 << attempt.saturating_sub(1).min(16));
            doubled.min(self.max_delay)
        })
    }
}

/// Whether `error` may pass if the same request is sent again.
pub(crate) fn is_transient(error: &ClientError) -> bool {
    match error {
        ClientError::Transport(error) => error.is_connect() || error.is_timeout() || error.is_request(),
        ClientError::Refused { status: 503, .. } => true,
        // A retried upload whose first attempt the server has not yet given up on.
        ClientError::Refused { status: 409, problem } => problem.code == ErrorCode::UploadInProgress,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_the_cap_and_stop() {
        let policy = RetryPolicy::default();
        let delays: Vec<_> = (1..8).map(|attempt| policy.delay(attempt)).collect();
        let ms = |n| Some(Duration::from_millis(n));
        assert_eq!(delays, [ms(100), ms(200), ms(400), ms(800), ms(1000), None, None]);
        assert_eq!(RetryPolicy::none().delay(1), None);
    }

    #[test]
    fn an_upload_still_arriving_is_waited_for_but_other_conflicts_are_not() {
        let refusal = |status: u16, code: ErrorCode| {
            let (kind, title, detail) = ("x".to_owned(), "x".to_owned(), "x".to_owned());
            let problem = chat_domain::Problem { kind, title, status, detail, code, errors: None };
            ClientError::Refused { status, problem: Box::new(problem) }
        };
        assert!(is_transient(&refusal(409, ErrorCode::UploadInProgress)));
        assert!(is_transient(&refusal(503, ErrorCode::DatabaseUnavailable)));
        assert!(!is_transient(&refusal(409, ErrorCode::MessageDeleted)));
        assert!(!is_transient(&refusal(422, ErrorCode::ValidationFailed)));
    }
}
