//! What this login has been shown, sent with every call so that a server reading from replicas
//! never answers with less (docs/API.md, "Reading from replicas"): the largest `Chat-Position` an
//! answer carried, and the seq of the newest event the event stream passed on. Shared by every
//! clone of a client and its event streams.

use reqwest::RequestBuilder;
use reqwest::header::HeaderMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Stands for "none": positions and seqs are never negative.
const NONE: i64 = -1;

#[derive(Debug)]
pub(crate) struct ReadPosition {
    position: AtomicI64,
    seq: AtomicI64,
    /// How many times the position was forgotten: an answer to a request sent before the last
    /// time carries a position older than what made us forget, and is not kept.
    forgotten: AtomicU64,
}

impl Default for ReadPosition {
    fn default() -> Self {
        Self { position: AtomicI64::new(NONE), seq: AtomicI64::new(NONE), forgotten: AtomicU64::new(0) }
    }
}

/// When a request was sent, for `keep`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sent(u64);

impl ReadPosition {
    /// `request` with what has been shown so far, and when it was sent.
    pub fn send(&self, mut request: RequestBuilder) -> (RequestBuilder, Sent) {
        let sent = Sent(self.forgotten.load(Ordering::Acquire));
        let position = self.position.load(Ordering::Acquire);
        if position != NONE {
            request = request.header("Chat-Position", position);
        }
        let seq = self.seq.load(Ordering::Acquire);
        if seq != NONE {
            request = request.header("Chat-Seq", seq);
        }
        (request, sent)
    }

    /// Keeps an answer's position (a refusal's too: a 404 for what was deleted shows something).
    /// A success without one, from a server that gave one before, could not learn its own: the
    /// position is forgotten, so the next read goes to the primary.
    pub fn keep(&self, answer: &HeaderMap, success: bool, sent: Sent) {
        if sent.0 != self.forgotten.load(Ordering::Acquire) {
            return;
        }
        let given = answer.get("chat-position").and_then(|value| value.to_str().ok()?.parse::<i64>().ok());
        match given {
            Some(position) => {
                self.position.fetch_max(position, Ordering::AcqRel);
            }
            None if success && self.position.swap(NONE, Ordering::AcqRel) != NONE => {
                self.forgotten.fetch_add(1, Ordering::AcqRel);
            }
            None => {}
        }
    }

    /// The event stream passed on the event `seq`.
    pub fn received(&self, seq: i64) {
        self.seq.fetch_max(seq, Ordering::AcqRel);
    }

    /// The event stream resynced and goes on from `seq`: after a restore of the database its
    /// seqs may be lower than those seen before, which no replica would ever reach again.
    pub fn restart(&self, seq: i64) {
        self.seq.store(seq, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn answer(position: Option<&str>) -> HeaderMap {
        let mut answer = HeaderMap::new();
        if let Some(position) = position {
            answer.insert("chat-position", position.parse().unwrap());
        }
        answer
    }

    fn sent(read: &ReadPosition) -> (Option<String>, Option<String>) {
        let request = read.send(reqwest::Client::new().get("http://127.0.0.1/")).0.build().unwrap();
        let header = |name: &str| request.headers().get(name).map(|value| value.to_str().unwrap().to_owned());
        (header("chat-position"), header("chat-seq"))
    }

    fn now(read: &ReadPosition) -> Sent {
        read.send(reqwest::Client::new().get("http://127.0.0.1/")).1
    }

    #[test]
    fn keeps_the_largest_position_and_seq_and_forgets_the_position_when_a_success_has_none() {
        let read = ReadPosition::default();
        assert_eq!(sent(&read), (None, None));
        read.keep(&answer(Some("200")), true, now(&read));
        read.keep(&answer(Some("150")), true, now(&read));
        read.keep(&answer(Some("250")), false, now(&read));
        read.received(7);
        read.received(5);
        assert_eq!(sent(&read), (Some("250".into()), Some("7".into())));
        read.keep(&answer(None), false, now(&read));
        assert_eq!(sent(&read), (Some("250".into()), Some("7".into())), "a refusal without one says nothing");
        read.keep(&answer(None), true, now(&read));
        assert_eq!(sent(&read), (None, Some("7".into())));
    }

    #[test]
    fn an_answer_to_a_request_sent_before_the_position_was_forgotten_is_not_kept() {
        let read = ReadPosition::default();
        read.keep(&answer(Some("100")), true, now(&read));
        let earlier = now(&read);
        read.keep(&answer(None), true, now(&read));
        read.keep(&answer(Some("120")), true, earlier);
        assert_eq!(sent(&read).0, None);
        read.keep(&answer(Some("130")), true, now(&read));
        assert_eq!(sent(&read).0, Some("130".into()));
    }
}
