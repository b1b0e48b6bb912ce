//! Concurrent writers that retry every message, with the same key, until it is acknowledged.

use super::api::{Api, Attempt, client};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// The pause before retrying what was not acknowledged.
const RETRY_PAUSE: Duration = Duration::from_millis(50);

/// A message the server acknowledged (2xx) for `key`.
#[derive(Clone, Debug)]
pub struct Ack {
    pub key: String,
    pub content: String,
    pub id: i64,
    /// When the acknowledgement came.
    pub at: Instant,
}

/// Every answer the writers got, by kind.
#[derive(Debug, Default)]
pub struct Tally {
    pub acks: Vec<Ack>,
    /// Keys being retried, with their content: what is left here at the end was never acknowledged.
    pub pending: BTreeMap<String, String>,
    pub attempts: u64,
    pub replayed: u64,
    pub unavailable: u64,
    pub unavailable_without_retry_after: u64,
    pub internal_errors: u64,
    pub other_statuses: u64,
    pub unreachable: u64,
    pub broken: u64,
    pub timeouts: u64,
    pub slowest_unavailable: Duration,
    /// The first few distinct unexpected answers, word for word.
    pub samples: Vec<String>,
}

/// Writers at work; `stop` lets each finish (acknowledge) the message it is on.
#[derive(Debug)]
pub struct Load {
    pub tally: Arc<Mutex<Tally>>,
    stop: Arc<AtomicBool>,
    writers: Vec<JoinHandle<()>>,
}

impl Load {
    /// `count` writers posting into `api`'s chat, one message after another, each with a new key.
    pub fn start(api: &Api, count: usize) -> Self {
        let (tally, stop) = (Arc::new(Mutex::new(Tally::default())), Arc::new(AtomicBool::new(false)));
        let writers = (0..count)
            .map(|writer| {
                let (api, tally, stop) = (api.clone(), tally.clone(), stop.clone());
                tokio::spawn(async move {
                    let client = client();
                    for n in 0.. {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let key = format!("w{writer}-{n}");
                        post_until_acked(&api, &client, &tally, &key, &format!("fault message {key}")).await;
                    }
                })
            })
            .collect();
        Self { tally, stop, writers }
    }

    /// Stops new messages and waits up to `drain` for the writers to have theirs acknowledged.
    pub async fn stop(mut self, drain: Duration) -> Tally {
        self.stop.store(true, Ordering::Relaxed);
        let deadline = tokio::time::Instant::now() + drain;
        for writer in std::mem::take(&mut self.writers) {
            let abort = writer.abort_handle();
            if tokio::time::timeout_at(deadline, writer).await.is_err() {
                abort.abort();
            }
        }
        std::mem::take(&mut *self.tally.lock().expect("tally"))
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.writers.iter().for_each(JoinHandle::abort);
    }
}

/// Posts `content` with `key` until a 2xx answers it, counting every answer on the way.
pub async fn post_until_acked(api: &Api, client: &reqwest::Client, tally: &Mutex<Tally>, key: &str, content: &str) {
    tally.lock().expect("tally").pending.insert(key.to_owned(), content.to_owned());
    loop {
        let (attempt, took) = api.post(client, key, content).await;
        if tally.lock().expect("tally").record(key, content, attempt, took) {
            return;
        }
        tokio::time::sleep(RETRY_PAUSE).await;
    }
}

impl Tally {
    /// The longest time without an acknowledged write from `around` - 1 s on: the write outage of
    /// a fault at `around` (16 writers acknowledge every few milliseconds otherwise).
    pub fn write_outage(&self, around: Instant) -> Duration {
        let from = around.checked_sub(Duration::from_secs(1)).unwrap_or(around);
        let mut times: Vec<Instant> = self.acks.iter().map(|ack| ack.at).filter(|at| *at >= from).collect();
        times.sort();
        times.windows(2).map(|pair| pair[1] - pair[0]).max().unwrap_or_default()
    }

    /// The first acknowledgement at or after `moment`.
    pub fn first_ack_after(&self, moment: Instant) -> Option<Instant> {
        self.acks.iter().map(|ack| ack.at).filter(|at| *at >= moment).min()
    }

    /// Counts one attempt at `key`; true when it was acknowledged.
    fn record(&mut self, key: &str, content: &str, attempt: Attempt, took: Duration) -> bool {
        self.attempts += 1;
        let sample = match attempt {
            Attempt::Acked { id, replayed } => {
                self.replayed += u64::from(replayed);
                self.pending.remove(key);
                self.acks.push(Ack { key: key.to_owned(), content: content.to_owned(), id, at: Instant::now() });
                return true;
            }
            Attempt::Refused { status: 503, retry_after, .. } => {
                self.unavailable += 1;
                self.unavailable_without_retry_after += u64::from(!retry_after);
                self.slowest_unavailable = self.slowest_unavailable.max(took);
                None
            }
            Attempt::Refused { status, body, .. } => {
                *(if status == 500 { &mut self.internal_errors } else { &mut self.other_statuses }) += 1;
                Some(format!("{status} {body}"))
            }
            Attempt::Unreachable => {
                self.unreachable += 1;
                None
            }
            Attempt::Broken(error) => {
                self.broken += 1;
                Some(error)
            }
            Attempt::TimedOut => {
                self.timeouts += 1;
                Some(format!("no answer within {took:?}"))
            }
        };
        if let Some(sample) = sample.filter(|sample| self.samples.len() < 5 && !self.samples.contains(sample)) {
            self.samples.push(sample);
        }
        false
    }
}
