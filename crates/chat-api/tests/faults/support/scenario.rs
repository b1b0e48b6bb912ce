//! One scenario's world: a fresh database, the release server, a chat, writers and a WebSocket reader.

use super::WRITERS;
use super::api::{Api, client};
use super::checks::{Delivered, Stored, search_index_caught_up};
use super::cluster::Cluster;
use super::load::{Load, post_until_acked};
use super::report::Report;
use super::server::Server;
use super::ws_reader::WsReader;
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How the database goes away.
#[derive(Clone, Copy, Debug)]
pub enum Outage {
    /// `pg_ctl restart -m {mode}`.
    Restart(&'static str),
    /// `pg_ctl stop -m fast`, this long down, then start.
    Down(Duration),
}

/// Writers and a reader at work against the release server; the server dies with it.
#[derive(Debug)]
pub struct Scenario {
    name: String,
    started: Instant,
    /// The single-node cluster; none on the replicated one (its scenarios break it themselves).
    cluster: Option<Cluster>,
    pub server: Server,
    database_url: String,
    api: Api,
    load: Load,
    ws: WsReader,
}

impl Scenario {
    /// Starts everything on database `faults_{name}`; returns once the writers are at work.
    pub async fn start(name: &str) -> Self {
        let cluster = Cluster::new();
        let database_url = cluster.fresh_database(&format!("faults_{name}")).await;
        let log = cluster.log_file(name);
        Self::start_on(name, &database_url, log, Some(cluster)).await
    }

    /// Starts the server on `database_url` (a fresh database), logging to `log`, then the load.
    pub async fn start_on(name: &str, database_url: &str, log: PathBuf, cluster: Option<Cluster>) -> Self {
        let started = Instant::now();
        let server = Server::start(database_url, log).await;
        let api = Api::sign_up(&server.base(), "faults").await;
        let ws = WsReader::start(&api.base, &api.token);
        ws.wait_connected(Duration::from_secs(10)).await;
        let load = Load::start(&api, WRITERS);
        Self { name: name.to_owned(), started, cluster, server, database_url: database_url.to_owned(), api, load, ws }
    }

    /// Lets the writers work for `period`.
    pub async fn run_for(&self, period: Duration) {
        tokio::time::sleep(period).await;
    }

    /// Takes the database away as `outage` says; returns the moment it accepts connections again.
    pub async fn database_outage(&self, outage: Outage) -> Instant {
        // Should the scenario be abandoned while the database is down, the next one finds it up.
        let cluster = self.cluster.as_ref().expect("a database outage on the single-node cluster");
        let guard = RestartOnDrop(cluster);
        match outage {
            Outage::Restart(mode) => cluster.restart(mode).await,
            Outage::Down(period) => {
                cluster.stop("fast").await;
                tokio::time::sleep(period).await;
                cluster.start().await;
            }
        }
        std::mem::forget(guard);
        Instant::now()
    }

    /// Posts a new message until it is acknowledged; how long after `back` that was (None past 30 s).
    pub async fn time_to_first_write(&self, back: Instant) -> Option<Duration> {
        let (client, key) = (client(), format!("probe-{}", back.elapsed().as_nanos()));
        let content = format!("probe message {key}");
        let posted = post_until_acked(&self.api, &client, &self.load.tally, &key, &content);
        tokio::time::timeout(Duration::from_secs(30), posted).await.ok().map(|()| back.elapsed())
    }

    /// The writers' answers so far.
    pub fn tally(&self) -> std::sync::MutexGuard<'_, super::load::Tally> {
        self.load.tally.lock().expect("tally")
    }

    /// Lets the writers finish, waits for the reader to catch up, and checks everything.
    pub async fn finish(self, recovery: Option<Duration>) -> Report {
        let Self { name, started, server, database_url, api, load, ws, .. } = self;
        let tally = load.stop(Duration::from_secs(20)).await;
        let acked: HashSet<i64> = tally.acks.iter().map(|ack| ack.id).collect();
        ws.wait_for(&acked, Duration::from_secs(10)).await;
        let log = ws.finish();
        search_index_caught_up(&database_url, Duration::from_secs(20)).await;
        drop(server);
        let stored = Stored::query(&database_url, &api, &tally.acks).await;
        let delivered = Delivered::new(log, &tally.acks);
        Report { name, took: started.elapsed(), tally, recovery, stored, delivered }
    }
}

/// Starts the cluster again unless forgotten once the outage is over.
struct RestartOnDrop<'a>(&'a Cluster);

impl Drop for RestartOnDrop<'_> {
    fn drop(&mut self) {
        self.0.start_quietly();
    }
}
