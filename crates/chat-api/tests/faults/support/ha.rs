//! The fault tests' replicated cluster: etcd and three PostgreSQL nodes under Patroni, driven
//! through `scripts/ha-cluster.sh` in a data folder of their own (`CHAT_FAULTS_HA_ROOT`, by default
//! `.data/faults-ha`), so the cluster `make ha-start` runs is never disturbed. `make faults` stops it.

use super::cluster::psql;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct HaCluster {
    workspace: PathBuf,
    root: PathBuf,
}

impl HaCluster {
    /// Starts what is stopped and waits until the leader has both standbys streaming (after a
    /// previous scenario's failover, its old primary must be back as a replica: breaking the
    /// cluster again while it rewinds can leave it unable to rejoin).
    pub async fn start() -> Self {
        let workspace = std::fs::canonicalize(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).expect("the workspace");
        let root =
            std::env::var_os("CHAT_FAULTS_HA_ROOT").map_or_else(|| workspace.join(".data/faults-ha"), PathBuf::from);
        let cluster = Self { workspace, root };
        cluster.script(&["start"]).await;
        let (leader, _) = cluster.nodes("postgres").await;
        assert!(
            Self::wait_streaming(&leader, Duration::from_secs(90)).await,
            "the cluster's standbys are not both streaming"
        );
        cluster
    }

    /// Waits until the leader at `leader` has both standbys streaming.
    pub async fn wait_streaming(leader: &str, within: Duration) -> bool {
        let started = Instant::now();
        while started.elapsed() < within {
            let streaming = query(leader, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").await;
            if streaming.as_deref() == Some("2") {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        false
    }

    /// A new, empty database `name` on the cluster; returns the server's URL for it (every node,
    /// read-write sessions only).
    pub async fn fresh_database(&self, name: &str) -> String {
        let url = self.script(&["url"]).await;
        let admin = url.replace("/chat?", "/postgres?");
        psql(&admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        psql(&admin, &format!("CREATE DATABASE {name}")).await;
        url.replace("/chat?", &format!("/{name}?"))
    }

    /// Each node's URL for database `name`: the primary's, then the standbys'.
    pub async fn nodes(&self, name: &str) -> (String, Vec<String>) {
        let url = self.script(&["url"]).await;
        let hosts = url.trim_start_matches("postgres://postgres@").split('/').next().unwrap_or_default().to_owned();
        let mut primary = None;
        let mut standbys = Vec::new();
        for host in hosts.split(',') {
            let node = format!("postgres://postgres@{host}/{name}?connect_timeout=1");
            if primary.is_none() && query(&node, "SELECT pg_is_in_recovery()").await.as_deref() == Some("f") {
                primary = Some(node);
            } else {
                standbys.push(node);
            }
        }
        (primary.expect("a node accepts writes"), standbys)
    }

    /// kill -9 of the leader's postmaster.
    pub async fn kill_primary(&self) {
        self.script(&["kill-primary"]).await;
    }

    /// A planned switchover to the synchronous standby; returns once the new leader accepts
    /// writes.
    pub async fn switchover(&self) {
        self.script(&["switchover"]).await;
    }

    /// SIGSTOP of the leader's node (Patroni and PostgreSQL) for `seconds`, in the background:
    /// wait for the returned process to see it thawed.
    pub fn freeze_primary(&self, seconds: u32) -> Child {
        self.command(&["freeze-primary", &seconds.to_string()]).spawn().expect("start freeze-primary")
    }

    /// Waits until one of `standbys` accepts writes (was promoted); when it was seen, and its URL.
    pub async fn wait_promoted(standbys: &[String], within: Duration) -> Option<(Instant, String)> {
        let started = Instant::now();
        while started.elapsed() < within {
            for url in standbys {
                if query(url, "SELECT pg_is_in_recovery()").await.as_deref() == Some("f") {
                    return Some((Instant::now(), url.clone()));
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        None
    }

    /// Waits until the node at `old_primary` replays as a standby of the leader at `leader`.
    pub async fn wait_rejoined(old_primary: &str, leader: &str, within: Duration) -> bool {
        let started = Instant::now();
        while started.elapsed() < within {
            let replica = query(old_primary, "SELECT pg_is_in_recovery()").await.as_deref() == Some("t");
            let streaming = query(leader, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").await;
            if replica && streaming.as_deref() == Some("2") {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        false
    }

    async fn script(&self, args: &[&str]) -> String {
        let mut command = self.command(args);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let what = format!("scripts/ha-cluster.sh {}", args.join(" "));
        let output = tokio::task::spawn_blocking(move || command.output()).await.expect("the blocking task");
        let output = output.unwrap_or_else(|error| panic!("{what}: {error}"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{what} failed ({}):\n{stderr}", output.status);
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("timeout");
        command.arg("300").arg(self.workspace.join("scripts/ha-cluster.sh")).args(args);
        command.env("CHAT_HA_ROOT", &self.root).env_remove("CHAT_HA_PORT_BASE").stdin(Stdio::null());
        command
    }
}

/// One value from `url`, or None if the node does not answer within a second or two.
async fn query(url: &str, sql: &str) -> Option<String> {
    let mut command = Command::new("timeout");
    command.args(["3", "psql", url, "-XAtq", "-c", sql]).stdin(Stdio::null()).stderr(Stdio::null());
    let output = tokio::task::spawn_blocking(move || command.output()).await.ok()?.ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}
