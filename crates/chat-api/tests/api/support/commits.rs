//! Commits made to wait, and ended mid-wait: how tests put a write between its statement and its
//! confirmed commit (a deferred trigger on this test's database only).

use super::{TestApp, TestUser};
use reqwest::{Method, StatusCode};
use std::time::{Duration, Instant};

impl TestApp {
    /// Makes every commit that wrote an event (every write the API acknowledges does) sleep for
    /// `seconds` first.
    pub async fn slow_commits(&self, seconds: u32) {
        self.slow_commits_after(seconds, "INSERT ON events").await;
    }

    /// Waits (10 s at most) until the server reaches its database again, as `user` reads it. A
    /// killed commit marks the database down, and until the pool has a new connection a request
    /// answers 503 within 250 ms (the wait while down), before any commit: under load, longer
    /// than the next request of a test takes to come.
    pub async fn wait_for_database(&self, user: &TestUser) {
        let started = Instant::now();
        while self.call(user, Method::GET, "/api/v1/chats").await.status() != StatusCode::OK {
            assert!(started.elapsed() < Duration::from_secs(10), "the database was not reachable again within 10 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn normal_commits(&self) {
        self.sql_on_every_cluster("DROP TRIGGER slow_commit ON events").await;
    }

    /// As `slow_commits`, for transactions that do `what` (`UPDATE ON uploads`, say) instead of
    /// writing an event; `normal_commits_of` with that table ends it.
    pub async fn slow_commits_after(&self, seconds: u32, what: &str) {
        self.sql_on_every_cluster(&format!(
            "CREATE OR REPLACE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep({seconds}); RETURN NULL; END $$"
        ))
        .await;
        self.sql_on_every_cluster(&format!("CREATE CONSTRAINT TRIGGER slow_commit AFTER {what} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()")).await;
    }

    pub async fn normal_commits_of(&self, table: &str) {
        self.sql_on_every_cluster(&format!("DROP TRIGGER slow_commit ON {table}")).await;
    }

    /// Terminates the backend whose commit sleeps in `slow_commits`' trigger as soon as there is
    /// one (waiting up to 5 s, unless `gave_up` says the request already ended); how many it ended.
    pub async fn kill_sleeping_commit(&self, gave_up: impl Fn() -> bool) -> usize {
        let kill = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                    WHERE datname = current_database() AND wait_event = 'PgSleep'";
        for _ in 0..500 {
            let killed = self.sql_on_every_cluster(kill).await;
            if killed > 0 || gave_up() {
                return killed;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        0
    }
}
