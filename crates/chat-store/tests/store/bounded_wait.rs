//! A database node that stops answering: here a proxy that stops forwarding while it keeps its
//! connections open, as a frozen node's kernel does (it acknowledges every packet, so nothing at
//! the TCP level ends the wait). The store must give up on it within its bounded wait, answer
//! `Unavailable`, never hand the connection out again, and connect past it to a host that answers.

use chat_store::{PoolSettings, Store, StoreError};
use chat_test_db::TestDatabase;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

const WAIT: Duration = Duration::from_secs(1);

/// Forwards connections to `upstream` until frozen; while frozen, holds every byte. While
/// refusing, closes each new connection at once, as a node that will not take writes ends the
/// attempt quickly (a standby's `transaction_read_only`, a restarting node).
struct Proxy {
    addr: String,
    frozen: watch::Sender<bool>,
    refusing: watch::Sender<bool>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let frozen = watch::Sender::new(false);
        let refusing = watch::Sender::new(false);
        let (states, refusals) = (frozen.clone(), refusing.subscribe());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if *refusals.borrow() {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream).await else { continue };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(forward(client_read, server_write, states.subscribe()));
                tokio::spawn(forward(server_read, client_write, states.subscribe()));
            }
        });
        Self { addr, frozen, refusing }
    }

    fn freeze(&self, frozen: bool) {
        self.frozen.send_replace(frozen);
    }

    fn refuse(&self, refusing: bool) {
        self.refusing.send_replace(refusing);
    }
}

async fn forward(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut frozen: watch::Receiver<bool>,
) {
    let mut buffer = vec![0; 16 * 1024];
    loop {
        let Ok(read @ 1..) = from.read(&mut buffer).await else { return };
        if frozen.wait_for(|frozen| !frozen).await.is_err() || to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}

/// `postgres://user@host:port/db` -> (`host:port`, the URL with `hosts` in its place).
fn with_hosts(url: &str, hosts: &[&str]) -> (String, String) {
    let (scheme_user, rest) = url.split_once('@').unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    (host.to_owned(), format!("{scheme_user}@{}/{path}", hosts.join(",")))
}

async fn store(url: &str) -> Store {
    Store::connect(url, &PoolSettings { max_size: 2, wait: WAIT, ..PoolSettings::default() }).await.unwrap()
}

/// A blocked statement on a frozen node would otherwise wait forever (nothing ends it at the TCP
/// level); with the bound it fails as `Unavailable` after about `WAIT`, and once the node answers
/// again the store works on a new connection (the one given up is never handed out again).
#[tokio::test]
async fn a_statement_to_a_frozen_node_gives_up_within_the_bounded_wait() {
    let db = TestDatabase::new().await;
    let (upstream, _) = with_hosts(db.url(), &[]);
    let proxy = Proxy::start(upstream).await;
    let (_, url) = with_hosts(db.url(), &[&proxy.addr]);
    let store = store(&url).await;
    store.ping().await.unwrap();

    proxy.freeze(true);
    let started = Instant::now();
    let outcome = tokio::time::timeout(4 * WAIT, store.ping()).await.expect("the store gave up within the bound");
    assert!(matches!(outcome, Err(StoreError::Unavailable(_))), "{outcome:?}");
    let took = started.elapsed();
    assert!(took >= WAIT && took < 3 * WAIT, "gave up after {took:?}, the bound is {WAIT:?}");

    proxy.freeze(false);
    let deadline = Instant::now() + 5 * WAIT;
    while store.ping().await.is_err() {
        assert!(Instant::now() < deadline, "the store did not recover once the node answered again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// With a frozen node first among the hosts, a connection is made to the next one within the
/// bound, and later connections start at the host that answered.
#[tokio::test]
async fn a_connection_skips_a_frozen_host() {
    let db = TestDatabase::new().await;
    let (upstream, _) = with_hosts(db.url(), &[]);
    let frozen = Proxy::start(upstream.clone()).await;
    frozen.freeze(true);
    let (_, url) = with_hosts(db.url(), &[&frozen.addr, &upstream]);
    let started = Instant::now();
    let store = tokio::time::timeout(4 * WAIT, store(&url)).await.expect("connected past the frozen host");
    assert!(started.elapsed() < 3 * WAIT, "took {:?}", started.elapsed());
    for _ in 0..5 {
        let started = Instant::now();
        store.ping().await.unwrap();
        assert!(started.elapsed() < WAIT, "a ping took {:?}", started.elapsed());
    }
}

/// A failover with the primary frozen: the standby starts taking connections (its promotion) while
/// attempts to connect are still waiting on the frozen host. They connect to it within a fraction
/// of the bound, because the host that refused is asked again while the frozen one is silent;
/// before, an attempt waited out the whole bound on the frozen host first, and writes came back
/// up to the bound after the promotion.
#[tokio::test]
async fn a_standby_promoted_while_the_primary_is_frozen_takes_the_next_connection_at_once() {
    const LONG_WAIT: Duration = Duration::from_secs(6);
    let db = TestDatabase::new().await;
    let (upstream, _) = with_hosts(db.url(), &[]);
    let primary = Proxy::start(upstream.clone()).await;
    let standby = Proxy::start(upstream).await;
    standby.refuse(true);
    let (_, url) = with_hosts(db.url(), &[&primary.addr, &standby.addr]);
    let settings = PoolSettings { max_size: 2, wait: LONG_WAIT, ..PoolSettings::default() };
    let store = Store::connect(&url, &settings).await.unwrap();
    store.ping().await.unwrap();

    primary.freeze(true);
    assert!(matches!(store.ping().await, Err(StoreError::Unavailable(_))));
    // New connections are now being attempted, starting at the frozen host.
    let still_down = Instant::now() + Duration::from_secs(1);
    while Instant::now() < still_down {
        assert!(store.ping().await.is_err(), "a write was taken before any host accepted writes");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    standby.refuse(false);
    let promoted = Instant::now();
    while store.ping().await.is_err() {
        assert!(promoted.elapsed() < LONG_WAIT * 2, "the store never connected to the promoted standby");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = promoted.elapsed();
    assert!(took < LONG_WAIT / 3, "connected {took:?} after the promotion; the bound is {LONG_WAIT:?}");
}

/// Why the store bounds the whole connect itself: tokio-postgres's `connect_timeout` covers only
/// the TCP connect, which a frozen node's kernel completes; the startup handshake then waits on.
#[tokio::test]
async fn connect_timeout_alone_does_not_cover_a_frozen_nodes_handshake() {
    let db = TestDatabase::new().await;
    let (upstream, _) = with_hosts(db.url(), &[]);
    let frozen = Proxy::start(upstream).await;
    frozen.freeze(true);
    let (_, url) = with_hosts(db.url(), &[&frozen.addr]);
    let url = format!("{url}?connect_timeout=1");
    let connect = tokio_postgres::connect(&url, tokio_postgres::NoTls);
    assert!(tokio::time::timeout(3 * WAIT, connect).await.is_err(), "connect_timeout=1 ended the handshake");
}
