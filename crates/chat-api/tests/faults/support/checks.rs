//! What the database holds and what the WebSocket delivered, held against the acknowledged writes.

use super::api::Api;
use super::cluster::psql;
use super::load::Ack;
use super::ws_reader::WsLog;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// The chat's messages in the database, against the acknowledgements.
#[derive(Debug, Default)]
pub struct Stored {
    pub rows: usize,
    /// Acknowledged messages missing from the database, or stored with other content.
    pub lost: Vec<String>,
    /// Rows beyond the first with one key's content.
    pub duplicates: usize,
    /// Rows no acknowledgement names (committed, but nobody was told).
    pub unacknowledged: usize,
    /// Acknowledged keys whose `idempotency_keys` row is missing or names another message.
    pub key_mismatches: usize,
    /// Acknowledged ids that answered more than one key.
    pub shared_ids: usize,
    /// Acknowledged messages search cannot find once the search index has read the whole log.
    pub unindexed: Vec<i64>,
}

impl Stored {
    /// Reads the chat's messages and the user's keys straight from the database.
    pub async fn query(database_url: &str, api: &Api, acks: &[Ack]) -> Self {
        let sql = format!("SELECT id, content FROM messages WHERE chat_id = {}", api.chat_id);
        let rows: Vec<(i64, String)> = pairs(&psql(database_url, &sql).await);
        let sql = format!("SELECT message_id, key FROM idempotency_keys WHERE user_id = {}", api.user_id);
        let keys: HashMap<String, i64> =
            pairs(&psql(database_url, &sql).await).into_iter().map(|(id, k)| (k, id)).collect();
        let sql = format!("SELECT message_id FROM message_search WHERE chat_id = {}", api.chat_id);
        let indexed: HashSet<i64> =
            psql(database_url, &sql).await.lines().map(|id| id.parse().expect("a message id")).collect();
        let by_id: HashMap<i64, &str> = rows.iter().map(|(id, content)| (*id, content.as_str())).collect();
        let mut per_content: HashMap<&str, usize> = HashMap::new();
        rows.iter().for_each(|(_, content)| *per_content.entry(content).or_default() += 1);
        let acked: HashSet<&str> = acks.iter().map(|ack| ack.content.as_str()).collect();
        let distinct_ids: HashSet<i64> = acks.iter().map(|ack| ack.id).collect();
        Self {
            rows: rows.len(),
            lost: acks
                .iter()
                .filter(|ack| by_id.get(&ack.id) != Some(&ack.content.as_str()))
                .map(|ack| format!("{} -> message {}", ack.key, ack.id))
                .collect(),
            duplicates: per_content.values().map(|n| n - 1).sum(),
            unacknowledged: rows.iter().filter(|(_, content)| !acked.contains(content.as_str())).count(),
            key_mismatches: acks.iter().filter(|ack| keys.get(&ack.key) != Some(&ack.id)).count(),
            shared_ids: acks.len() - distinct_ids.len(),
            unindexed: distinct_ids.difference(&indexed).copied().collect(),
        }
    }
}

/// Waits until the search index has read every published event (and nothing is left to
/// publish), or `within` has passed: what it has not read by then is counted as unindexed.
pub async fn search_index_caught_up(database_url: &str, within: Duration) {
    let behind = "SELECT count(*) FROM events
                   WHERE seq IS NULL OR seq > (SELECT position FROM log_consumers WHERE name = 'search')";
    let deadline = Instant::now() + within;
    while psql(database_url, behind).await != "0" && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The WebSocket's frames, against the acknowledgements.
#[derive(Debug, Default)]
pub struct Delivered {
    pub log: WsLog,
    pub duplicate_seqs: usize,
    /// Events whose seq was not above the one before (across reconnects too).
    pub out_of_order: usize,
    pub duplicate_ids: usize,
    /// Acknowledged messages whose `message.created` never arrived.
    pub missing: usize,
    /// `message.created` of messages nobody was told of.
    pub unacknowledged: usize,
}

impl Delivered {
    pub fn new(log: WsLog, acks: &[Ack]) -> Self {
        let seqs: HashSet<i64> = log.seqs.iter().copied().collect();
        let created: HashSet<i64> = log.created.iter().copied().collect();
        let acked: HashSet<i64> = acks.iter().map(|ack| ack.id).collect();
        Self {
            duplicate_seqs: log.seqs.len() - seqs.len(),
            out_of_order: log.seqs.windows(2).filter(|pair| pair[1] <= pair[0]).count(),
            duplicate_ids: log.created.len() - created.len(),
            missing: acked.difference(&created).count(),
            unacknowledged: created.difference(&acked).count(),
            log,
        }
    }
}

/// psql's tab-separated `id<TAB>text` lines.
fn pairs(output: &str) -> Vec<(i64, String)> {
    output
        .lines()
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (id, text) = line.split_once('\t').unwrap_or_else(|| panic!("unexpected psql line {line:?}"));
            (id.parse().expect("an id"), text.to_owned())
        })
        .collect()
}
