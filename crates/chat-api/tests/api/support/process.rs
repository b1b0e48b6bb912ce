//! The real server binary as a child process on a port of its own, for tests that stop it with
//! a signal or kill it, and start it again on the same port.

use chat_api::Config;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `chat-api` process; killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub port: u16,
    pub address: String,
}

impl ServerProcess {
    /// Starts the binary on `port` (0: any free port) over `database_url`, configured as `TestApp`
    /// is (`test_config`), and waits until it answers.
    pub async fn start(database_url: &str, port: u16) -> Self {
        Self::start_with(database_url, port, |_| {}).await
    }

    /// As `start`, with the configuration changed by `adjust` first.
    pub async fn start_with(database_url: &str, port: u16, adjust: impl FnOnce(&mut Config)) -> Self {
        let server = Self::spawn(database_url, port, adjust);
        server.wait_until_serving(Duration::from_secs(20)).await;
        server
    }

    /// Starts the binary as `start_with` does, without waiting for it to answer.
    pub fn spawn(database_url: &str, port: u16, adjust: impl FnOnce(&mut Config)) -> Self {
        let port = if port == 0 { free_port() } else { port };
        let mut config = Config { addr: ([127, 0, 0, 1], port).into(), ..super::test_config(database_url) };
        adjust(&mut config);
        let child =
            Command::new(env!("CARGO_BIN_EXE_chat-api")).envs(config.to_env()).stdout(Stdio::null()).spawn().unwrap();
        Self { child, port, address: format!("http://127.0.0.1:{port}") }
    }

    /// Waits until the server answers `/healthz`, up to `limit`.
    pub async fn wait_until_serving(&self, limit: Duration) {
        let client = reqwest::Client::new();
        let started = Instant::now();
        while client.get(format!("{}/healthz", self.address)).send().await.is_err() {
            assert!(started.elapsed() < limit, "the server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether the process has exited.
    pub fn exited(&mut self) -> bool {
        self.child.try_wait().unwrap().is_some()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (`TERM`, `KILL`, ...) and waits up to 15 s for the exit; its success.
    pub async fn stop(mut self, signal: &str) -> bool {
        let sent = Command::new("kill").args([&format!("-{signal}"), &self.pid().to_string()]).status().unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A port nothing listens on (just now).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
