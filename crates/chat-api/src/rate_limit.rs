//! A token bucket per client address, for the endpoints that run a password hash (brute force and
//! hash floods get 429 with `Retry-After` instead of CPU and memory) and for the user directory
//! (listing every account page by page is slowed down, not refused); and a bucket per incoming
//! webhook.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Addresses remembered at most; past it, buckets that have refilled are forgotten.
const MAX_TRACKED: usize = 100_000;

/// Buckets per key: a client address (the default), or anything else counted apart.
#[derive(Debug)]
pub struct RateLimiter<K = IpAddr> {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<K, Bucket>>,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    refreshed: Instant,
}

impl<K: Eq + std::hash::Hash> RateLimiter<K> {
    /// `per_minute` requests a minute per key, with bursts of as many.
    pub fn per_minute(per_minute: u32) -> Self {
        let per_minute = f64::from(per_minute.max(1));
        Self { per_second: per_minute / 60.0, burst: per_minute, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token for `key`, or refuses with 429 and when to retry.
    pub fn admit_key(&self, key: K) -> Result<(), crate::problem::ApiError> {
        self.check(key).map_err(|wait| crate::problem::ApiError::RateLimited { retry_after_secs: wait.as_secs() + 1 })
    }

    /// Takes one token for `client`, or says how long until one is free.
    pub fn check(&self, client: K) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_TRACKED {
            let (per_second, burst) = (self.per_second, self.burst);
            buckets.retain(|_, bucket| {
                bucket.tokens + per_second * now.duration_since(bucket.refreshed).as_secs_f64() < burst
            });
        }
        let bucket = buckets.entry(client).or_insert(Bucket { tokens: self.burst, refreshed: now });
        let refilled = bucket.tokens + self.per_second * now.duration_since(bucket.refreshed).as_secs_f64();
        bucket.tokens = refilled.min(self.burst);
        bucket.refreshed = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / self.per_second))
        }
    }
}

impl RateLimiter<IpAddr> {
    /// Admits the request of `req`'s client, or refuses it with 429 and when to retry.
    pub fn admit(&self, req: &actix_web::HttpRequest) -> Result<(), crate::problem::ApiError> {
        let Some(address) = req.peer_addr() else { return Ok(()) };
        self.admit_key(address.ip())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_a_wait() {
        let limiter = RateLimiter::per_minute(3);
        let (ann, bob) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        for _ in 0..3 {
            assert!(limiter.check(ann).is_ok());
        }
        let wait = limiter.check(ann).unwrap_err();
        assert!(wait > Duration::from_secs(15) && wait <= Duration::from_secs(20), "{wait:?}");
        assert!(limiter.check(bob).is_ok(), "addresses are counted apart");
    }
}
