//! Sending one claimed delivery and deciding what to record of it: 2xx sent; 404 or 410 (or a
//! gateway rejecting the pushkey) deletes the pusher; 429, 5xx, timeouts and network failures are
//! tried again with backoff (honouring `Retry-After`) up to the last attempt, then given up; any
//! other answer is given up at once. Nothing here logs a pusher's URL (a credential): the pusher's
//! id only.

use super::Push;
use super::request::{self, RequestError};
use crate::config::{PushConfig, PushContent};
use crate::metrics::{PushCounters, PushOutcome};
use chat_domain::{PushKeys, PusherKind};
use chat_outbound::{Answer, Backoff};
use chat_store::{DueDelivery, PushEnd, PushRecord};
use std::time::Duration;

/// What one attempt came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Attempt {
    Sent,
    /// The subscription or pushkey no longer exists.
    Gone,
    /// May succeed later; the endpoint may have said when.
    Transient(Option<Duration>),
    /// Will not succeed.
    Refused,
}

/// Everything a delivery's send needs besides the delivery.
#[derive(Clone, Debug)]
pub struct Sender {
    pub push: Push,
    pub content: PushContent,
    pub ttl: Duration,
    pub backoff: Backoff,
    pub counters: PushCounters,
}

impl Sender {
    pub fn new(push: Push, config: &PushConfig, counters: PushCounters) -> Self {
        let backoff =
            Backoff { first: config.retry_first, longest: config.retry_longest, max_attempts: config.max_attempts };
        Self { push, content: config.content, ttl: config.ttl, backoff, counters }
    }

    /// Sends `delivery` (unless its recipient has the message already): what to record of it,
    /// and what to count once that is recorded (a counter never runs ahead of the outbox).
    pub async fn deliver(&self, delivery: &DueDelivery) -> (PushRecord, PushOutcome) {
        let (id, pusher) = (delivery.id, delivery.target.pusher_id);
        let (end, outcome) = if delivery.seen {
            (PushEnd::Skipped, PushOutcome::Skipped)
        } else {
            match self.attempt(delivery).await {
                Attempt::Sent => (PushEnd::Sent, PushOutcome::Sent),
                Attempt::Gone => {
                    tracing::info!(pusher, "the push endpoint says the subscription is gone; deleting it");
                    (PushEnd::Gone, PushOutcome::Gone)
                }
                Attempt::Transient(asked) => match self.backoff.delay_honouring(delivery.attempts, asked) {
                    Some(delay) => (PushEnd::Retry(delay), PushOutcome::Retried),
                    None => {
                        tracing::warn!(delivery = id, pusher, attempts = delivery.attempts, "giving up on a push");
                        (PushEnd::Failed, PushOutcome::Failed)
                    }
                },
                Attempt::Refused => (PushEnd::Failed, PushOutcome::Failed),
            }
        };
        (PushRecord { delivery: id, pusher, end }, outcome)
    }

    async fn attempt(&self, delivery: &DueDelivery) -> Attempt {
        let target = &delivery.target;
        let payload = request::payload(delivery, self.content);
        let sent = match (target.kind, &target.p256dh, &target.auth) {
            (PusherKind::Webpush, Some(p256dh), Some(auth)) => {
                let keys = PushKeys { p256dh: p256dh.clone(), auth: auth.clone() };
                match request::web_push(&target.url, &keys, &payload, &self.push.vapid, self.ttl) {
                    Ok(request) => self.push.outbound.send(request).await,
                    Err(error) => return refused(target.pusher_id, &error),
                }
            }
            (PusherKind::Webpush, ..) => return refused(target.pusher_id, &RequestError::Keys),
            (PusherKind::Http, ..) => {
                let Ok(url) = url::Url::parse(&target.url) else {
                    return refused(target.pusher_id, &RequestError::Url);
                };
                let mut headers = http::HeaderMap::new();
                headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
                let body = request::gateway_body(&payload, &target.pushkey);
                self.push.outbound.post(&url, headers, body).await
            }
        };
        match sent {
            Ok(answer) => judge(&answer, target.kind, &target.pushkey),
            Err(error) if error.is_transient() => {
                tracing::debug!(pusher = target.pusher_id, %error, "a push failed; it will be tried again");
                Attempt::Transient(None)
            }
            Err(error) => {
                tracing::warn!(pusher = target.pusher_id, %error, "a push was refused");
                Attempt::Refused
            }
        }
    }
}

fn refused(pusher: i64, error: &RequestError) -> Attempt {
    tracing::warn!(pusher, %error, "a push cannot be built");
    Attempt::Refused
}

/// What an endpoint's answer means for the delivery.
fn judge(answer: &Answer, kind: PusherKind, pushkey: &str) -> Attempt {
    match answer.status {
        _ if answer.is_success() => {
            if kind == PusherKind::Http && request::gateway_rejected(&answer.body, pushkey) {
                Attempt::Gone
            } else {
                Attempt::Sent
            }
        }
        404 | 410 => Attempt::Gone,
        408 | 425 | 429 | 500..=599 => Attempt::Transient(answer.retry_after()),
        _ => Attempt::Refused,
    }
}
