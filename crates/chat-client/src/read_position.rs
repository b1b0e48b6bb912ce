//! What this login has been shown, sent with every call so that a server reading from replicas
//! never answers with less (docs/API.md, "Reading from replicas"): the largest `Chat-Position` an
//! answer carried, and the seq of the newest event the event stream passed on. Shared by every
//! clone of a client and its event streams.

use reqwest::RequestBuilder;
use reqwest::header::HeaderMap;
use std::sync::atomic::{AtomicI64, Ordering};

/// Stands for "none": positions and seqs are never negative.
const NONE: i64 = -1;

#[derive(Debug)]
pub(crate) struct ReadPosition {
    position: AtomicI64,
    seq: AtomicI64,
}

impl Default for ReadPosition {
    fn default() -> Self {
        Self { position: AtomicI64::new(NONE), seq: AtomicI64::new(NONE) }
    }
}

impl ReadPosition {
    /// `request` with what has been shown so far.
    pub fn send(&self, mut request: RequestBuilder) -> RequestBuilder {
        let position = self.position.load(Ordering::Acquire);
        if position != NONE {
            request = request.header("Chat-Position", position);
        }
        let seq = self.seq.load(Ordering::Acquire);
        if seq != NONE {
            request = request.header("Chat-Seq", seq);
        }
        request
    }

    /// Keeps a successful answer's position. One without it, from a server that gave one before,
    /// could not learn its own: the position is forgotten, so the next read goes to the primary.
    pub fn keep(&self, answer: &HeaderMap) {
        let given = answer.get("chat-position").and_then(|value| value.to_str().ok()?.parse::<i64>().ok());
        match given {
            Some(position) => {
                self.position.fetch_max(position, Ordering::AcqRel);
            }
            None => self.position.store(NONE, Ordering::Release),
        }
    }

    /// The event stream passed on the event `seq`.
    pub fn received(&self, seq: i64) {
        self.seq.fetch_max(seq, Ordering::AcqRel);
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
        let request = read.send(reqwest::Client::new().get("http://127.0.0.1/")).build().unwrap();
        let header = |name: &str| request.headers().get(name).map(|value| value.to_str().unwrap().to_owned());
        (header("chat-position"), header("chat-seq"))
    }

    #[test]
    fn keeps_the_largest_position_and_seq_and_forgets_the_position_when_an_answer_has_none() {
        let read = ReadPosition::default();
        assert_eq!(sent(&read), (None, None));
        read.keep(&answer(Some("200")));
        read.keep(&answer(Some("150")));
        read.received(7);
        read.received(5);
        assert_eq!(sent(&read), (Some("200".into()), Some("7".into())));
        read.keep(&answer(None));
        assert_eq!(sent(&read), (None, Some("7".into())));
    }
}
