//! One measured run of either side, pgbench alone or the server under the load generator: its
//! throughput and latencies, the CPU each process used, and the check that every success wrote.

use crate::http::{self, RequestFn};
use crate::psql::Psql;
use crate::script::Script;
use crate::{cpu, pgbench};
use std::cell::RefCell;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The figures of one run. CPU shares are in cores (1.0: one core busy the whole run).
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub throughput: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub db_cpu_per_op_us: f64,
    pub client_cores: f64,
    pub server_cores: Option<f64>,
}

/// What the runs share: the database, its postmaster, the server, the run length; and what went
/// wrong in them (an answer other than 200, a success that wrote no row), which fails the bench
/// once every figure is out.
#[derive(Debug)]
pub struct Bench {
    pub psql: Psql,
    pub postmaster: u32,
    pub server_pid: Option<String>,
    pub host: String,
    pub seconds: u64,
    pub scratch: PathBuf,
    pub failures: RefCell<Vec<String>>,
}

/// A query counting the rows a run writes, one per success (None: the work only reads).
pub type RowCount<'a> = Option<&'a str>;

impl Bench {
    /// pgbench alone, `clients` connections.
    pub fn pgbench(&self, script: &Script, clients: usize, rows: RowCount<'_>) -> Sample {
        let before = rows.map(|sql| self.psql.count(sql));
        let (db, client, started) = (cpu::cluster(self.postmaster), self_times().children, Instant::now());
        let outcome = pgbench::run(&self.scratch, &self.psql.url, script, clients, self.seconds);
        let (wall, client) = (started.elapsed().as_secs_f64(), self_times().children - client);
        let db = cpu::cluster(self.postmaster) - db;
        if let (Some(sql), Some(before)) = (rows, before) {
            let written = self.psql.count(sql) - before;
            assert_eq!(
                written, outcome.transactions,
                "pgbench: {} transactions wrote {written} rows",
                outcome.transactions
            );
        }
        Sample {
            throughput: outcome.tps,
            p50_ms: quantile(&outcome.latencies, 0.50),
            p99_ms: quantile(&outcome.latencies, 0.99),
            db_cpu_per_op_us: db / outcome.transactions as f64 * 1e6,
            client_cores: client / wall,
            server_cores: None,
        }
    }

    /// The server, `clients` connections of the load generator (request keys start with `keys`);
    /// every answer must be a 200 that wrote its row, or `run` is reported failed.
    pub async fn server(&self, build: &RequestFn, run: &str, keys: &str, clients: usize, rows: RowCount<'_>) -> Sample {
        let before = rows.map(|sql| self.psql.count(sql));
        let server_cpu = || self.server_pid.as_deref().and_then(cpu::times).map(|times| times.own);
        let (db, client, server) = (cpu::cluster(self.postmaster), self_times().own, server_cpu());
        let outcome = http::drive(&self.host, clients, Duration::from_secs(self.seconds), keys, build).await;
        let wall = outcome.elapsed.as_secs_f64();
        let (db, client) = (cpu::cluster(self.postmaster) - db, self_times().own - client);
        let server = server.zip(server_cpu()).map(|(before, after)| (after - before) / wall);
        if !outcome.other.is_empty() {
            let mut statuses = outcome.other.clone();
            statuses.dedup();
            self.fail(format!("{run}: {} answers were not 200 (statuses {statuses:?})", outcome.other.len()));
        }
        if let (Some(sql), Some(before)) = (rows, before) {
            let written = self.psql.count(sql) - before;
            if written != outcome.ok {
                self.fail(format!("{run}: the server answered {} times 200 but wrote {written} rows", outcome.ok));
            }
        }
        Sample {
            throughput: outcome.ok as f64 / wall,
            p50_ms: quantile(&outcome.latencies, 0.50),
            p99_ms: quantile(&outcome.latencies, 0.99),
            db_cpu_per_op_us: db / outcome.ok as f64 * 1e6,
            client_cores: client / wall,
            server_cores: server,
        }
    }
}

impl Bench {
    fn fail(&self, what: String) {
        eprintln!("FAILED {what}");
        self.failures.borrow_mut().push(what);
    }
}

fn self_times() -> cpu::Times {
    cpu::times("self").expect("/proc/self/stat")
}

/// The `q` quantile of sorted `latencies`, in milliseconds.
fn quantile(latencies: &[Duration], q: f64) -> f64 {
    assert!(!latencies.is_empty(), "a run completed nothing");
    latencies[((latencies.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1000.0
}
