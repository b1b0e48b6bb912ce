//! The release `chat-api` binary as a child process, which a scenario may kill -9 and start again.

use chat_api::Config;
use chat_api::config::PasswordHashing;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a (re)started server may take to answer `/readyz` (it applies migrations first).
const READY_WITHIN: Duration = Duration::from_secs(30);

/// A running server on 127.0.0.1; killed when dropped, whatever happened.
#[derive(Debug)]
pub struct Server {
    child: Child,
    addr: String,
    database_url: String,
    log: PathBuf,
}

impl Server {
    /// Starts the release binary on a free port over `database_url`, logging to `log`.
    pub async fn start(database_url: &str, log: PathBuf) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let addr = format!("127.0.0.1:{port}");
        let child = spawn(&addr, database_url, &log, false);
        let mut server = Self { child, addr, database_url: database_url.to_owned(), log };
        server.wait_ready().await;
        server
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// SIGKILL: no shutdown, no flushing, requests in flight just end.
    pub fn kill9(&mut self) {
        self.child.kill().expect("kill -9 the server");
        self.child.wait().expect("reap the server");
    }

    /// Starts the binary again on the same address and database (after `kill9`).
    pub async fn restart(&mut self) {
        self.child = spawn(&self.addr, &self.database_url, &self.log, true);
        self.wait_ready().await;
    }

    async fn wait_ready(&mut self) {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(1)).build().expect("client");
        let url = format!("{}/readyz", self.base());
        let started = Instant::now();
        while started.elapsed() < READY_WITHIN {
            if let Some(status) = self.child.try_wait().expect("poll the server") {
                panic!("the server exited at start ({status}); see {}", self.log.display());
            }
            if client.get(&url).send().await.is_ok_and(|response| response.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server was not ready within {READY_WITHIN:?}; see {}", self.log.display());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server's bounded wait: its default, or `CHAT_FAULTS_DB_WAIT_MS` (a huge value measures
/// the server without it).
pub fn db_wait() -> Duration {
    let configured = std::env::var("CHAT_FAULTS_DB_WAIT_MS").ok().and_then(|ms| ms.parse().ok());
    configured.map_or(Config::default().db_wait, Duration::from_millis)
}

fn spawn(addr: &str, database_url: &str, log: &Path, append: bool) -> Child {
    let file = File::options().create(true).append(append).write(true).truncate(!append).open(log).expect("log file");
    let binary = env!("CARGO_BIN_EXE_chat-api");
    let mut config = Config {
        database_url: database_url.to_owned(),
        addr: addr.parse().expect("a socket address"),
        log_filter: "warn".into(),
        auth_attempts_per_minute: 1_000_000,
        // The load posts as fast as it can, a few writers for all of it.
        send_limit: chat_store::SendLimit { burst: 1_000_000, per_minute: 1_000_000 },
        password_hashing: PasswordHashing { memory_kib: 1024, iterations: 1 },
        ..Config::default()
    };
    config.db_wait = db_wait();
    // The link preview scenario's page server, on 127.0.0.1; a short fetch makes a short lease.
    config.previews.allowed_hosts = vec!["127.0.0.1".into()];
    config.previews.timeout = Duration::from_secs(2);
    config.uploads.storage.url = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fault-uploads").display().to_string();
    Command::new(binary)
        .envs(config.to_env())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(file.try_clone().expect("log file"))
        .stderr(file)
        .spawn()
        .unwrap_or_else(|error| panic!("start {binary}: {error}"))
}
