//! The fault tests' own PostgreSQL cluster, driven through `scripts/local-pg.sh` like the others.

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The cluster in `CHAT_FAULTS_PG_ROOT` (by default `.data/faults`), never the one `make test` uses.
#[derive(Clone, Debug)]
pub struct Cluster {
    workspace: PathBuf,
    root: PathBuf,
}

impl Cluster {
    pub fn new() -> Self {
        let workspace = std::fs::canonicalize(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).expect("the workspace");
        let root =
            std::env::var_os("CHAT_FAULTS_PG_ROOT").map_or_else(|| workspace.join(".data/faults"), PathBuf::from);
        Self { workspace, root }
    }

    /// Where the server of scenario `name` writes its log.
    pub fn log_file(&self, name: &str) -> PathBuf {
        let folder = self.root.join("logs");
        std::fs::create_dir_all(&folder).expect("create the log folder");
        folder.join(format!("{name}.log"))
    }

    /// Starts the cluster if it is stopped (initdb the first time).
    pub async fn start(&self) {
        self.script(&["start"], "chat").await;
    }

    /// `pg_ctl restart -m {mode}`; returns once the database accepts connections again.
    pub async fn restart(&self, mode: &str) {
        self.script(&["restart", mode], "chat").await;
    }

    /// `pg_ctl stop -m {mode}`.
    pub async fn stop(&self, mode: &str) {
        self.script(&["stop", mode], "chat").await;
    }

    /// A new, empty database `name` (dropped first if a previous run left it); returns its URL.
    pub async fn fresh_database(&self, name: &str) -> String {
        self.start().await;
        let admin = self.script(&["url"], "postgres").await;
        psql(&admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        psql(&admin, &format!("CREATE DATABASE {name}")).await;
        self.script(&["url"], name).await
    }

    /// Starts the cluster if a scenario was abandoned while it was down; errors are only printed
    /// (this runs while dropping, perhaps during a panic).
    pub fn start_quietly(&self) {
        let status = self.command(&["start"], "chat").stdin(Stdio::null()).status();
        if !status.is_ok_and(|status| status.success()) {
            eprintln!("faults: could not restart the fault cluster in {}", self.root.display());
        }
    }

    /// Runs the script; its trimmed stdout, or a panic with its stderr.
    async fn script(&self, args: &[&str], database: &str) -> String {
        let what = format!("scripts/local-pg.sh {}", args.join(" "));
        run(self.command(args, database), &what).await
    }

    /// The script with this cluster's settings, bounded by `timeout`.
    fn command(&self, args: &[&str], database: &str) -> Command {
        let mut command = Command::new("timeout");
        command.arg("120").arg(self.workspace.join("scripts/local-pg.sh")).args(args);
        command.env("CHAT_PG_ROOT", &self.root).env("CHAT_PG_DB", database).env_remove("CHAT_PG_PORT");
        if let Some(port) = std::env::var_os("CHAT_FAULTS_PG_PORT") {
            command.env("CHAT_PG_PORT", port);
        }
        command
    }
}

/// Runs one SQL statement (or query) with psql; the rows, one per line, columns separated by tabs.
pub async fn psql(url: &str, sql: &str) -> String {
    let mut command = Command::new("timeout");
    command.args(["60", "psql", url, "-XAtq", "-v", "ON_ERROR_STOP=1", "-F", "\t", "-c", sql]);
    run(command, &format!("psql -c {sql:?}")).await
}

async fn run(mut command: Command, what: &str) -> String {
    command.stdin(Stdio::null());
    let output = tokio::task::spawn_blocking(move || command.output()).await.expect("the blocking task");
    let output = output.unwrap_or_else(|error| panic!("{what}: {error}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{what} failed ({}):\n{stderr}", output.status);
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}
