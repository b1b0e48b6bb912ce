//! Read replicas, and which of them may serve a read: one that has replayed everything its reader
//! has already been shown (`Seen`), is not lagging past a setting and is not known to be down.
//! Otherwise the read goes to the primary. docs/ARCHITECTURE.md has the rule and why.

use crate::connection::checkout::{Checkout, Conn, PoolSettings, Startup};
use crate::connection::health::DatabaseHealth;
use crate::connection::instrumentation::StatementWatch;
use crate::connection::prepared::{prepared, statement};
use crate::connection::seen::Seen;
use crate::error::StoreResult;
use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// Where a node is in the write-ahead log, whether it is a replica (how far it has replayed) or the
/// primary (how far it has inserted: past every commit made so far, even one made with
/// `synchronous_commit = off` and not yet written), with the event log's head as of then, and how
/// far behind the primary a replica is: 0 while it streams and has replayed all it received,
/// else the age of the last transaction it replayed (more WAL waits: `recovery_min_apply_delay`,
/// a long query holding replay back; or it is cut off from the primary and cannot know).
pub(crate) const REPLAYED_SQL: &str = "
SELECT (CASE WHEN pg_is_in_recovery() THEN COALESCE(pg_last_wal_replay_lsn(), '0/0')
             ELSE pg_current_wal_insert_lsn() END - '0/0'::pg_lsn)::bigint AS position,
       (SELECT seq FROM event_head) AS head,
       CASE WHEN NOT pg_is_in_recovery() THEN 0
            WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn()
                 AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0
            ELSE COALESCE((EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000)::bigint, 0)
       END AS lag_ms";
statement!(ReplayedSoFar, REPLAYED_SQL);

/// A node's place in the log, read by `REPLAYED_SQL`.
#[derive(Clone, Copy, Debug, Default, QueryableByName)]
pub(crate) struct Replayed {
    #[diesel(sql_type = BigInt)]
    pub position: i64,
    #[diesel(sql_type = BigInt)]
    pub head: i64,
    #[diesel(sql_type = BigInt)]
    pub lag_ms: i64,
}

impl Replayed {
    /// Whether a node this far along shows everything `seen` describes.
    fn lag(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.lag_ms).unwrap_or(0))
    }

    pub fn covers(&self, seen: &Seen) -> bool {
        seen.position().is_some_and(|position| self.position >= position)
            && seen.seq().is_none_or(|seq| self.head >= seq)
    }
}

/// Where `conn`'s node is in the log now: after a read on it, a position at least as new as
/// everything that read saw.
pub(crate) async fn replayed(conn: &mut AsyncPgConnection) -> StoreResult<Replayed> {
    Ok(prepared::<ReplayedSoFar>().get_result::<Replayed>(conn).await?)
}

/// The replicas to read from, and how a read picks one.
#[derive(Clone, Debug)]
pub struct ReplicaSettings {
    /// One URL per replica.
    pub urls: Vec<String>,
    /// A replica further behind the primary than this is skipped.
    pub max_lag: Duration,
    /// How long a read waits for a replica to replay what its reader has seen before it goes to
    /// the primary instead.
    pub catch_up: Duration,
}

impl Default for ReplicaSettings {
    fn default() -> Self {
        // Streaming replicas near their primary replay within milliseconds; a reader waits a
        // little for one before the primary serves them, and a replica far behind (a long query
        // holding replay back, a broken network) is not waited for at all.
        Self { urls: Vec::new(), max_lag: Duration::from_secs(10), catch_up: Duration::from_millis(100) }
    }
}

/// How long a replica that failed is left alone before a read tries it again: while it is down,
/// one read in this long pays for finding out.
const DOWN_FOR: Duration = Duration::from_secs(5);
/// A replica's place known from longer ago than this is read again before it decides a read
/// (replicas only move forward, so an older one is only too cautious, but its lag may be stale).
const FRESH_FOR: Duration = Duration::from_secs(1);
/// Between two looks at a replica catching up.
const CATCH_UP_POLL: Duration = Duration::from_millis(10);

pub(crate) struct Replicas {
    nodes: Vec<Replica>,
    settings: ReplicaSettings,
    /// Where the next choice starts, so reads spread over the replicas.
    next: AtomicUsize,
    /// Reads the replicas answered.
    pub served: AtomicU64,
}

struct Replica {
    checkout: Checkout,
    known: Mutex<Known>,
}

/// What a process knows of one replica.
#[derive(Clone, Copy, Debug, Default)]
struct Known {
    replayed: Replayed,
    sampled_at: Option<Instant>,
    down_until: Option<Instant>,
}

/// A connection to the replica a read was given, and which replica it is.
pub(crate) struct ReplicaConn<'a> {
    pub conn: Conn<'a>,
    replica: &'a Replica,
}

impl ReplicaConn<'_> {
    /// The read on this replica could not finish: left alone for a while if it is down (not for
    /// a cancelled statement, such as a conflict with recovery: the replica itself is fine).
    pub fn failed(&self) {
        if self.replica.checkout.is_down() {
            self.replica.mark_down();
        }
    }

    /// Where the replica is after the read, remembered for the next choice.
    pub async fn replayed(&mut self) -> StoreResult<Replayed> {
        let replayed = replayed(&mut self.conn).await?;
        self.replica.remember(replayed);
        Ok(replayed)
    }
}

impl Replicas {
    /// Opens a pool per replica without waiting for any: one that is down is skipped until it answers.
    pub async fn open(settings: &ReplicaSettings, pool: &PoolSettings, watch: &StatementWatch) -> StoreResult<Self> {
        let mut nodes = Vec::with_capacity(settings.urls.len());
        for url in &settings.urls {
            // A replica's own health: its outage must not mark the primary down.
            let health = DatabaseHealth::of_replica();
            let watch = watch.for_node(health.clone());
            let (checkout, _) = Checkout::open(url, pool, health, watch, Startup::Lazily).await?;
            nodes.push(Replica { checkout, known: Mutex::default() });
        }
        Ok(Self { nodes, settings: settings.clone(), next: AtomicUsize::new(0), served: AtomicU64::new(0) })
    }

    /// A connection to a replica that shows the reader everything they have seen, waiting up to
    /// `catch_up` for one to replay that far; `None` sends the read to the primary. A reader who
    /// says nothing of what they have seen is always read from the primary.
    pub async fn choose(&self, seen: &Seen) -> Option<ReplicaConn<'_>> {
        seen.position()?;
        let deadline = Instant::now() + self.settings.catch_up;
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let count = self.nodes.len();
        let order = || (0..count).filter_map(move |offset| self.nodes.get((start + offset) % count));
        // What is already known decides most reads without a round trip.
        let max_lag = self.settings.max_lag;
        let ready = order().find(|replica| replica.known_to_serve(seen, max_lag));
        if let Some(replica) = ready
            && let Some(conn) = replica.connect(deadline).await
        {
            return Some(conn);
        }
        loop {
            let mut any_usable = false;
            for replica in order().filter(|replica| replica.usable()) {
                let Some(mut conn) = replica.connect(deadline).await else { continue };
                let Ok(replayed) = conn.replayed().await else {
                    conn.failed();
                    continue;
                };
                if replayed.lag() > max_lag {
                    continue;
                }
                any_usable = true;
                if replayed.covers(seen) {
                    return Some(conn);
                }
            }
            if !any_usable || Instant::now() + CATCH_UP_POLL > deadline {
                return None;
            }
            tokio::time::sleep(CATCH_UP_POLL).await;
        }
    }
}

impl Replica {
    fn known(&self) -> Known {
        self.known.lock().map(|known| *known).unwrap_or_default()
    }

    fn usable(&self) -> bool {
        self.known().down_until.is_none_or(|until| Instant::now() >= until)
    }

    /// Whether what was last learnt of it, recently enough, says it can serve `seen`.
    fn known_to_serve(&self, seen: &Seen, max_lag: Duration) -> bool {
        let known = self.known();
        let fresh = known.sampled_at.is_some_and(|at| at.elapsed() < FRESH_FOR);
        self.usable() && fresh && known.replayed.lag() <= max_lag && known.replayed.covers(seen)
    }

    /// A connection, by `deadline` (a pool busy past it sends the read to the primary, and says
    /// nothing against the replica); one that fails to connect leaves the replica alone a while.
    async fn connect(&self, deadline: Instant) -> Option<ReplicaConn<'_>> {
        match tokio::time::timeout_at(deadline, self.checkout.get()).await {
            Ok(Ok(conn)) => Some(ReplicaConn { conn, replica: self }),
            Ok(Err(error)) => {
                if self.checkout.is_down() {
                    tracing::warn!(%error, "a read replica is unavailable; reading from the primary");
                    self.mark_down();
                }
                None
            }
            Err(_) => None,
        }
    }

    fn remember(&self, replayed: Replayed) {
        if let Ok(mut known) = self.known.lock() {
            // The latest sample, even one behind the last: a replica rewound after a failover goes
            // back, and what it shows is what its sample says (each read checks again after it).
            known.replayed = replayed;
            known.sampled_at = Some(Instant::now());
            known.down_until = None;
        }
    }

    fn mark_down(&self) {
        if let Ok(mut known) = self.known.lock() {
            known.down_until = Some(Instant::now() + DOWN_FOR);
        }
    }
}

impl std::fmt::Debug for Replicas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replicas").field("count", &self.nodes.len()).finish()
    }
}
