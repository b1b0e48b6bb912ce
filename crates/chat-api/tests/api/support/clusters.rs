//! A server over two clusters (docs/ARCHITECTURE.md, "Spreading chats over several clusters"):
//! two databases, the first the directory holding logical shards 0 to 31, the second 32 to 63.

use super::direct::run_sql;
use super::{TestApp, test_config};
use chat_api::config::Config;
use chat_test_db::TestDatabase;
use std::sync::Arc;

impl TestApp {
    pub async fn spawn_on_two_clusters() -> Self {
        Self::spawn_on_two_clusters_second(true).await
    }

    /// Two clusters, the second closed to connections before the server starts when not `up`.
    pub async fn spawn_on_two_clusters_second(up: bool) -> Self {
        Self::spawn_on_two_clusters_with(up, |_| {}).await
    }

    /// `spawn_on_two_clusters_second`, with `adjust` made to the configuration.
    pub async fn spawn_on_two_clusters_with(up: bool, adjust: impl FnOnce(&mut Config)) -> Self {
        let (directory, second) = (Arc::new(TestDatabase::new().await), Arc::new(TestDatabase::new().await));
        run_sql(directory.url(), "UPDATE shard_map SET cluster = 1 WHERE shard >= 32").await;
        if !up {
            allow_connections(&second, false).await;
        }
        let mut config = test_config(directory.url());
        config.cluster_urls = vec![second.url().to_owned()];
        adjust(&mut config);
        Self::start(directory, vec![second], config).await
    }

    /// Runs `statement` straight on every cluster's database (one, unless the app has several);
    /// the rows it affected on all of them.
    pub async fn sql_on_every_cluster(&self, statement: &str) -> usize {
        let mut affected = self.sql(statement).await;
        for db in &self.other_clusters {
            affected += run_sql(db.url(), statement).await;
        }
        affected
    }

    /// Runs `statement` straight on cluster `cluster`'s database (0: the directory).
    pub async fn sql_on_cluster(&self, cluster: usize, statement: &str) -> usize {
        let db = if cluster == 0 { &self.db } else { &self.other_clusters[cluster - 1] };
        run_sql(db.url(), statement).await
    }

    /// Closes cluster `cluster`'s database to connections and ends its sessions (as a cluster
    /// that is down), or opens it again.
    pub async fn allow_connections_to_cluster(&self, cluster: usize, allow: bool) {
        let db = if cluster == 0 { &self.db } else { &self.other_clusters[cluster - 1] };
        allow_connections(db, allow).await;
    }
}

async fn allow_connections(db: &TestDatabase, allow: bool) {
    let name = db.name();
    run_sql(db.admin_url(), &format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {allow}")).await;
    if !allow {
        let terminate = format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'");
        run_sql(db.admin_url(), &terminate).await;
    }
}

/// Whether `chat` lives on the second cluster (its id names its logical shard in its low six bits).
pub fn on_second_cluster(chat: i64) -> bool {
    chat % 64 >= 32
}
