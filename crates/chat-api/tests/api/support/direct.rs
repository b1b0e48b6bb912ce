//! What tests do beside the API: statements straight on a test's database (faults, counts), and
//! raw bytes on a socket (requests no HTTP library would send).

use super::TestApp;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::time::Duration;

impl TestApp {
    /// Runs `statement` straight on this app's database (faults, fixtures a test needs); returns
    /// the rows it affected.
    pub async fn sql(&self, statement: &str) -> usize {
        run_sql(self.db.url(), statement).await
    }

    /// Runs `statement` on the cluster's maintenance database, for what cannot run inside this
    /// app's own (closing it to connections, say).
    pub async fn sql_as_admin(&self, statement: &str) -> usize {
        run_sql(self.db.admin_url(), statement).await
    }

    pub fn database_name(&self) -> &str {
        self.db.name()
    }

    /// This app's database, for a `ServerProcess` beside it.
    pub fn database_url(&self) -> &str {
        self.db.url()
    }

    /// Counts rows straight from the databases, to prove a refused request stored nothing: over
    /// every cluster, but the users' rows and blocks, which other clusters hold copies of.
    pub async fn count(&self, table: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            count: i64,
        }
        let copied = ["users", "user_blocks"].iter().any(|copied| table.split_whitespace().next() == Some(copied));
        let others = if copied { &[][..] } else { &self.other_clusters[..] };
        let mut total = 0;
        for url in std::iter::once(self.db.url()).chain(others.iter().map(|db| db.url())) {
            let mut conn = AsyncPgConnection::establish(url).await.unwrap();
            let query = diesel::sql_query(format!("SELECT count(*) AS count FROM {table}"));
            total += query.get_result::<Count>(&mut conn).await.unwrap().count;
        }
        total
    }

    /// Waits until the search index has caught up with every event committed so far: it follows
    /// the log a moment behind the writes, so a search then sees the messages as they are now.
    pub async fn search_caught_up(&self) {
        let behind = "events WHERE seq IS NULL OR seq > (SELECT position FROM log_consumers WHERE name = 'search')";
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while self.count(behind).await > 0 {
            assert!(std::time::Instant::now() < deadline, "the search index was still behind the log after 20 s");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Writes `request` as raw bytes, as a client no HTTP library would let through, and returns
    /// what the server answered before it closed the connection or `wait` ran out.
    pub async fn raw_http(&self, request: &[u8], wait: Duration) -> String {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let mut stream = tokio::net::TcpStream::connect(self.address.trim_start_matches("http://")).await.unwrap();
        // A server refusing the request may answer and close before it has all been written.
        let _ = stream.write_all(request).await;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(wait, stream.read_to_end(&mut answer)).await;
        String::from_utf8_lossy(&answer).into_owned()
    }
}

pub(super) async fn run_sql(url: &str, statement: &str) -> usize {
    let mut conn = AsyncPgConnection::establish(url).await.unwrap();
    diesel::sql_query(statement).execute(&mut conn).await.unwrap()
}
