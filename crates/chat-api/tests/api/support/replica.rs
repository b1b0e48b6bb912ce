//! A replica that is always behind: scripts/delayed-replica.sh's streaming replica of the tests'
//! cluster, applying each commit 2 s after the primary made it.

use super::TestApp;
use chat_api::Config;
use chat_test_db::TestDatabase;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

/// `CHAT_TEST_REPLICA_URL`, else the delayed replica of `DATABASE_URL`'s cluster, started if need
/// be; either way with the database part left for each test to fill in.
async fn replica_base_url() -> &'static str {
    static URL: OnceCell<String> = OnceCell::const_new();
    URL.get_or_init(|| async {
        match std::env::var("CHAT_TEST_REPLICA_URL") {
            Ok(url) => url,
            Err(_) => super::started_url("delayed-replica.sh").await,
        }
    })
    .await
}

/// The URL of `database` on the delayed replica.
pub async fn replica_url(database: &str) -> String {
    let base = replica_base_url().await;
    let (server, _) = base.rsplit_once('/').expect("a URL with a database");
    format!("{server}/{database}")
}

/// A connection to `database` on the replica, once the replica has it (a database created on the
/// primary reaches the replica a delay later).
pub async fn connect_to_replica(database: &str) -> AsyncPgConnection {
    let url = replica_url(database).await;
    for _ in 0..200 {
        if let Ok(mut conn) = AsyncPgConnection::establish(&url).await
            && diesel::sql_query("SELECT 1 FROM event_head").execute(&mut conn).await.is_ok()
        {
            return conn;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the delayed replica never showed database {database}");
}

impl TestApp {
    /// A server whose reads may go to the delayed replica (set up before it starts); `adjust`
    /// changes its configuration further.
    pub async fn spawn_with_delayed_replica(adjust: impl FnOnce(&mut Config)) -> Self {
        let db = Arc::new(TestDatabase::new().await);
        drop(connect_to_replica(db.name()).await);
        let mut config = super::test_config(db.url());
        config.replicas.urls = vec![replica_url(db.name()).await];
        adjust(&mut config);
        Self::start(db, Vec::new(), config).await
    }
}
