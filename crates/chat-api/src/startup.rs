//! Building the application: migrations, the pool, the hub and the workers that feed it, the
//! shared state, and the HTTP server (`http_server`) around them; running the server and the
//! workers side by side, and stopping both gracefully.

use crate::auth::password::Passwords;
use crate::config::Config;
use crate::history_cache::HistoryCache;
use crate::http_server;
use crate::metrics::Metrics;
use crate::previews::worker::PreviewWorker;
use crate::problem::ApiError;
use crate::push::{self, Push, vapid::Vapid};
use crate::rate_limit::RateLimiter;
use crate::realtime::dispatcher;
use crate::realtime::frames::CloseCode;
use crate::realtime::{ConnectionSettings, Hub, Hubs, PresenceTracker};
use crate::state::AppState;
use crate::uploads;
use crate::workers::{Running, Worker, WorkerStopped};
use actix_web::dev::Server;
use actix_web::web;
use chat_domain::LogId;
use chat_media::MediaStore;
use chat_store::{Clusters, PoolSettings, Store, StoreError};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

/// Between two attempts to reach a database node that accepts writes, at start-up.
const DATABASE_RETRY: Duration = Duration::from_secs(1);
/// SQLSTATEs of a login the server refuses (class 28: a wrong password, no `pg_hba.conf` entry):
/// start-up ends on them rather than waiting.
const REFUSED_LOGINS: [&str; 2] = ["SQLSTATE 28P01", "SQLSTATE 28000"];

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot prepare the database: {0}")]
    Database(#[from] StoreError),
    #[error("cannot listen: {0}")]
    Listen(#[from] std::io::Error),
    #[error("{0}")]
    Setup(#[from] ApiError),
    #[error("cannot open the file storage: {0}")]
    Storage(#[from] chat_media::MediaError),
    #[error("cannot set up push: {0}")]
    Vapid(#[from] crate::push::vapid::VapidError),
    #[error("cannot build an outbound HTTP client: {0}")]
    Outbound(#[from] chat_outbound::OutboundError),
}

/// Why a running server stopped other than on a signal.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("the HTTP server failed: {0}")]
    Server(#[from] std::io::Error),
    #[error(transparent)]
    Worker(#[from] WorkerStopped),
}

/// A built server, bound to its port, and its workers; neither runs until `run_until_stopped`.
pub struct Application {
    server: Server,
    port: u16,
    hub: Arc<Hub>,
    workers: Vec<Worker>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("port", &self.port).field("workers", &self.workers).finish_non_exhaustive()
    }
}

impl Application {
    pub async fn build(config: &Config) -> Result<Self, StartupError> {
        let store = open_database(config).await?;
        let mut clustered = vec![store.clone()];
        for url in &config.cluster_urls {
            // Not waited for: one that does not answer is prepared once it does (its worker).
            clustered
                .push(Store::connect_lazily(url, &pool_settings(config)).await?.with_send_limit(config.send_limit));
        }
        let clusters = Arc::new(Clusters::new(clustered).await?);
        for cluster in clusters.unprepared() {
            tracing::warn!(cluster, "a cluster does not answer yet; its chats answer 503 until it does");
        }
        let realtime = &config.realtime;
        let log = store.log_head().await?;
        let hub = Arc::new(Hub::new(log.seq, log.epoch, realtime.queue_capacity));
        // Listening before serving: a notice sent before this would never reach this process.
        let subscribed = dispatcher::subscribe(&store)
            .await
            .inspect_err(|error| tracing::warn!(%error, "event listener cannot connect yet"))
            .ok();
        let mut workers = dispatcher::workers(&store, &hub, subscribed, realtime.event_retention, &realtime.dispatch);
        let presence = PresenceTracker::register(store.clone(), realtime.presence.clone()).await?;
        workers.push(presence.beat_worker());
        let media = MediaStore::open(&config.uploads.storage)?;
        workers.push(uploads::janitor::worker(store.clone(), media.clone(), &config.uploads));
        workers.push(crate::search_index::worker(store.clone(), hub.published_head()));
        let push = Push::new(&config.push, Vapid::load(&store, &config.push).await?)?;
        let metrics = Metrics::default();
        let sender = push::sender::Sender::new(push.clone(), &config.push, metrics.push_counters());
        workers.extend(push::worker::workers(store.clone(), hub.published_head(), sender, &config.push));
        let webhooks = crate::webhooks::Webhooks::new(&config.webhooks)?;
        workers.push(crate::webhooks::delivery::worker(
            store.clone(),
            webhooks.outbound.clone(),
            hub.published_head(),
            config.webhooks.clone(),
        ));
        let previews = PreviewWorker::new(store.clone(), media.clone(), config.uploads.clone(), &config.previews)?;
        workers.extend(crate::previews::worker::worker(previews, hub.published_head()));
        let hubs = Arc::new(Hubs::new(hub.clone(), clusters.all().len()));
        workers.extend(other_clusters_workers(&clusters, &hubs, config));
        let state = web::Data::new(AppState {
            store,
            clusters,
            hubs,
            metrics,
            auth_limiter: RateLimiter::per_minute(config.auth_attempts_per_minute),
            search_limiter: RateLimiter::per_minute(config.user_searches_per_minute),
            connection: ConnectionSettings {
                ping_interval: realtime.ping_interval,
                idle_timeout: realtime.idle_timeout,
                presence,
            },
            allowed_origins: config.allowed_origins.clone(),
            admin_usernames: config.admin_usernames.clone(),
            passwords: Passwords::new(config.password_hashing)?,
            token_ttl: time::Duration::try_from(config.token_ttl).unwrap_or(time::Duration::days(30)),
            body: config.body,
            media,
            uploads: config.uploads.clone(),
            push,
            webhooks,
            history_cache: HistoryCache::new(config.history_cache_bytes),
        });
        let listener = TcpListener::bind(config.addr)?;
        let port = listener.local_addr()?.port();
        let server = http_server::serve(listener, config.workers, state)?;
        tracing::info!(addr = %config.addr.ip(), port, "chat-api listening");
        Ok(Self { server, port, hub, workers })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves, and runs the workers, until SIGTERM or SIGINT, or until a worker stops (it
    /// panicked: the error names it); either way, closes WebSockets with "going away" and lets
    /// requests in flight finish. A worker stopping is an error: the process exits non-zero for
    /// its supervisor to start it again (docs/ARCHITECTURE.md).
    pub async fn run_until_stopped(self) -> Result<(), RunError> {
        let Self { server, hub, workers, .. } = self;
        let handle = server.handle();
        let mut server = std::pin::pin!(server);
        // Dropped (the workers aborted) only once the server has stopped.
        let mut workers = Running::start(workers);
        let worker_stopped = tokio::select! {
            served = &mut server => return served.map_err(RunError::Server),
            () = shutdown_signal() => None,
            stopped = workers.stopped() => {
                tracing::error!(worker = stopped.name, reason = %stopped.reason, "a worker stopped; stopping the server");
                Some(stopped)
            }
        };
        let stop = async {
            tracing::info!(connections = hub.connections(), "shutting down");
            hub.close_all(CloseCode::GoingAway);
            hub.drained(Duration::from_secs(2)).await;
            handle.stop(true).await;
        };
        // The server's own future goes on being polled: it is what carries out `stop`.
        let ((), served) = tokio::join!(stop, server);
        served?;
        worker_stopped.map_or(Ok(()), |stopped| Err(RunError::Worker(stopped)))
    }
}

/// What follows the logs of the clusters besides the directory, one worker each: it prepares its
/// cluster (at once, or once the cluster answers, if it did not at start-up), then runs the
/// cluster's pump (with a hub of its own, which sockets join from then on), listener, receipt
/// publisher, retention and search index; and what keeps users' copies on them current. None
/// for a deployment of one cluster.
fn other_clusters_workers(clusters: &Arc<Clusters>, hubs: &Arc<Hubs>, config: &Config) -> Vec<Worker> {
    let mut workers: Vec<Worker> = (1..clusters.all().len())
        .map(|number| {
            let following = follow_cluster(clusters.clone(), hubs.clone(), number, config.realtime.clone());
            Worker::ending("cluster", following)
        })
        .collect();
    if clusters.all().len() > 1 {
        workers.push(crate::user_copies::worker(clusters.clone()));
    }
    workers
}

/// Cluster `number`'s workers, once it is prepared and its log answers; ends when one of them
/// does (its pump, once its log was replaced), saying which.
async fn follow_cluster(
    clusters: Arc<Clusters>,
    hubs: Arc<Hubs>,
    number: usize,
    realtime: crate::config::RealtimeConfig,
) -> String {
    let store = clusters.all()[number].clone();
    let mut waited = false;
    let log_head = loop {
        let ready = async {
            clusters.prepare(number).await?;
            store.log_head().await
        };
        match ready.await {
            Ok(log) => break log,
            Err(error) => tracing::debug!(cluster = number, %error, "the cluster is not ready yet"),
        }
        waited = true;
        tokio::time::sleep(DATABASE_RETRY).await;
    };
    if waited {
        tracing::info!(cluster = number, "the cluster answers and is prepared: its chats are served");
    }
    let log = LogId::of_cluster(number);
    let hub = Arc::new(Hub::new(log_head.seq, log_head.epoch, realtime.queue_capacity).of_log(log));
    let subscribed = dispatcher::subscribe(&store)
        .await
        .inspect_err(
            |error| tracing::warn!(cluster = number, %error, "the cluster's event listener cannot connect yet"),
        )
        .ok();
    let mut workers = dispatcher::workers(&store, &hub, subscribed, realtime.event_retention, &realtime.dispatch);
    workers.push(crate::search_index::worker(store.clone(), hub.published_head()));
    // Sockets that open from now on join it; those open already are closed with "going away"
    // within a minute (their heartbeat sees the log answer), and their clients reconnect.
    hubs.started(hub);
    let stopped = Running::start(workers).stopped().await;
    format!("cluster {number}: {stopped}")
}

/// The directory's store, once the database accepts writes, migrated. Started while no node accepts writes
/// (all down, a failover under way, only standbys answering), the server waits for one, trying
/// every second and saying so once, instead of exiting: it listens only once it has one, so a
/// load balancer's probe finds it not ready until then. Anything else (a URL that cannot be read,
/// a migration that fails) ends start-up at once.
async fn open_database(config: &Config) -> Result<Store, StartupError> {
    let pool = pool_settings(config);
    let mut last_reason: Option<String> = None;
    loop {
        let attempt = async {
            let store = Store::connect(&config.database_url, &pool).await?;
            store.migrate().await?;
            Ok(store.with_replicas(&config.replicas, &pool).await?.with_send_limit(config.send_limit))
        };
        match attempt.await {
            Ok(store) => {
                if last_reason.is_some() {
                    tracing::info!("a database node accepts writes: starting");
                }
                return Ok(store);
            }
            // Credentials the server refuses will not start working by waiting.
            Err(StoreError::Unavailable(reason)) if REFUSED_LOGINS.iter().any(|code| reason.contains(code)) => {
                return Err(StoreError::Unavailable(reason).into());
            }
            Err(StoreError::Unavailable(reason)) => {
                if last_reason.as_deref() != Some(reason.as_str()) {
                    tracing::warn!(%reason, "no database node accepts writes yet; waiting for one");
                }
                last_reason = Some(reason);
                tokio::time::sleep(DATABASE_RETRY).await;
            }
            Err(error) => return Err(error.into()),
        }
    }
}

/// Every pool's size and bounded wait.
fn pool_settings(config: &Config) -> PoolSettings {
    PoolSettings { max_size: config.pool_size, wait: config.db_wait, ..PoolSettings::default() }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An application around an HTTP server with no routes, and `workers`.
    fn application(workers: Vec<Worker>) -> Application {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = actix_web::HttpServer::new(actix_web::App::new)
            .workers(1)
            .disable_signals()
            .listen(listener)
            .unwrap()
            .run();
        Application { server, port, hub: Arc::new(Hub::new(0, 1, 8)), workers }
    }

    #[tokio::test]
    async fn a_worker_that_panics_stops_the_server_with_an_error_naming_it() {
        let steady = Worker::new("steady", async {
            loop {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
        });
        let doomed = Worker::new("doomed", async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            panic!("on purpose")
        });
        let application = application(vec![steady, doomed]);
        let port = application.port();
        let outcome = tokio::time::timeout(Duration::from_secs(10), application.run_until_stopped()).await.unwrap();
        match outcome {
            Err(RunError::Worker(stopped)) => assert_eq!(stopped.name, "doomed"),
            other => panic!("expected the doomed worker's stop, got {other:?}"),
        }
        // The server stopped too: nothing listens on its port any more.
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    }
}
