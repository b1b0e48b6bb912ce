//! The server started while no database node accepts writes (a failover under way, the database
//! still starting): it waits for one instead of exiting, does not listen meanwhile (a load
//! balancer's probe finds it not ready), and serves once a node accepts writes; and it listens
//! for notices before it serves.

use crate::support::{ServerProcess, TestApp, connect_to_replica, free_port};
use chat_test_db::TestDatabase;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

/// Forwards every connection to `listener` to `upstream`: a database node that comes up.
async fn forward(listener: TcpListener, upstream: String) {
    while let Ok((mut client, _)) = listener.accept().await {
        let upstream = upstream.clone();
        tokio::spawn(async move {
            if let Ok(mut server) = TcpStream::connect(&upstream).await {
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            }
        });
    }
}

#[tokio::test]
async fn a_server_started_with_no_writable_node_waits_for_one() {
    let db = TestDatabase::new().await;
    drop(connect_to_replica(db.name()).await);
    // First a standby (read-only: refused for read-write sessions), then a node that is down.
    let replica = crate::support::replica_url(db.name()).await;
    let standby = replica.split('@').nth(1).unwrap().split('/').next().unwrap().to_owned();
    let down = free_port();
    let (user, _) = db.url().split_once('@').unwrap();
    let url = format!("{user}@{standby},127.0.0.1:{down}/{}?target_session_attrs=read-write", db.name());
    let mut server = ServerProcess::spawn(&url, 0, |_| {});

    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(!server.exited(), "the server exited instead of waiting for a writable node");
    let probe = reqwest::get(format!("{}/readyz", server.address)).await;
    assert!(probe.is_err(), "the server listened before a node accepted writes");

    // The node that was down comes up: a proxy to the tests' primary on its port.
    let primary = db.url().split('@').nth(1).unwrap().split('/').next().unwrap().to_owned();
    let listener = TcpListener::bind(("127.0.0.1", down)).await.unwrap();
    tokio::spawn(forward(listener, primary));
    server.wait_until_serving(Duration::from_secs(20)).await;
    let ready = reqwest::get(format!("{}/readyz", server.address)).await.unwrap();
    assert_eq!(ready.status(), reqwest::StatusCode::OK);
}

/// Presence and typing reach sockets only as notices (they are not in the event log): a server
/// that served before it listened would never pass on those sent in between.
#[tokio::test]
async fn a_server_listens_for_notices_before_it_serves() {
    #[derive(diesel::QueryableByName)]
    struct Listeners {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    // Connected first, so that asking takes one round trip once the server is built.
    let mut conn = AsyncPgConnection::establish(&std::env::var("DATABASE_URL").unwrap()).await.unwrap();
    let app = TestApp::spawn().await;
    let database = app.database_url().rsplit('/').next().unwrap().split('?').next().unwrap().to_owned();
    let query = diesel::sql_query(
        "SELECT count(*) AS count FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN %'",
    );
    let listeners =
        query.bind::<diesel::sql_types::Text, _>(database).get_result::<Listeners>(&mut conn).await.unwrap();
    assert_eq!(listeners.count, 1, "the server was serving before it listened");
}
