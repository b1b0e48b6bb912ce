//! How long to wait before trying a failed delivery again.

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use std::time::Duration;

/// Doubling waits with jitter, between `first` and `longest`, for at most `max_attempts` tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub longest: Duration,
    /// Tries in all, the first included.
    pub max_attempts: u32,
}

impl Backoff {
    /// The wait after the `attempts`-th failed try (1 after the first), or `None` when that was
    /// the last try allowed. The wait is drawn from [½, 1] of the doubled delay so that the
    /// deliveries that failed together (an endpoint that was down) do not all return at once.
    pub fn delay(&self, attempts: u32) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let doublings = attempts.saturating_sub(1).min(31);
        let full = self.first.saturating_mul(1 << doublings).min(self.longest);
        // Without the OS's randomness (never seen), the wait is just not jittered.
        let jittered = StdRng::try_from_os_rng().map(|mut rng| rng.random_range(full / 2..=full));
        Some(jittered.unwrap_or(full))
    }

    /// Like `delay`, but never shorter than what the endpoint asked for with `Retry-After` (still
    /// capped at `longest`, so an endpoint cannot park a delivery for a day).
    pub fn delay_honouring(&self, attempts: u32, retry_after: Option<Duration>) -> Option<Duration> {
        let delay = self.delay(attempts)?;
        Some(retry_after.map_or(delay, |asked| delay.max(asked.min(self.longest))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BACKOFF: Backoff =
        Backoff { first: Duration::from_secs(1), longest: Duration::from_secs(60), max_attempts: 10 };

    #[test]
    fn waits_double_within_their_jitter_and_stop_at_the_longest() {
        for (attempts, full) in [(1, 1), (2, 2), (3, 4), (7, 60), (9, 60)] {
            let delay = BACKOFF.delay(attempts).unwrap();
            let full = Duration::from_secs(full);
            assert!(delay >= full / 2 && delay <= full, "after {attempts}: {delay:?}");
        }
    }

    #[test]
    fn the_last_try_allowed_has_no_next() {
        assert!(BACKOFF.delay(9).is_some());
        assert_eq!(BACKOFF.delay(10), None);
        assert_eq!(BACKOFF.delay(u32::MAX), None);
    }

    #[test]
    fn retry_after_lengthens_a_wait_but_only_up_to_the_longest() {
        let asked = Some(Duration::from_secs(30));
        assert!(BACKOFF.delay_honouring(1, asked).unwrap() >= Duration::from_secs(30));
        let greedy = Some(Duration::from_secs(86_400));
        assert_eq!(BACKOFF.delay_honouring(1, greedy), Some(Duration::from_secs(60)));
    }
}
