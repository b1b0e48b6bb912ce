//! Building the application: migrations, the pool, the hub and its background tasks, the shared
//! state, and the HTTP server (`http_server`) around them; stopping it gracefully.

use crate::auth::password::Passwords;
use crate::config::Config;
use crate::http_server;
use crate::metrics::Metrics;
use crate::problem::ApiError;
use crate::rate_limit::RateLimiter;
use crate::realtime::dispatcher::{self, DispatchSettings};
use crate::realtime::frames::CloseCode;
use crate::realtime::{ConnectionSettings, Hub, PresenceTracker};
use crate::state::AppState;
use crate::uploads;
use actix_web::dev::Server;
use actix_web::web;
use chat_media::MediaStore;
use chat_store::{PoolSettings, Store, StoreError};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

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
}

/// A built server, bound to its port, not yet running.
pub struct Application {
    server: Server,
    port: u16,
    hub: Arc<Hub>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("port", &self.port).finish_non_exhaustive()
    }
}

impl Application {
    pub async fn build(config: &Config) -> Result<Self, StartupError> {
        chat_store::run_migrations(&config.database_url).await?;
        let pool = PoolSettings { max_size: config.pool_size, ..PoolSettings::default() };
        let store = Store::connect(&config.database_url, &pool).await?;
        let realtime = &config.realtime;
        let hub = Arc::new(Hub::new(store.event_head().await?, realtime.queue_capacity));
        dispatcher::spawn(
            store.clone(),
            hub.clone(),
            DispatchSettings {
                database_url: config.database_url.clone(),
                safety_tick: Duration::from_secs(1),
                event_retention: realtime.event_retention,
                idempotency_retention: Duration::from_secs(48 * 3600),
            },
        );
        let presence = PresenceTracker::start(store.clone(), realtime.presence.clone()).await?;
        let media = MediaStore::open(&config.uploads.storage)?;
        uploads::janitor::spawn(store.clone(), media.clone(), &config.uploads);
        let state = web::Data::new(AppState {
            store,
            hub: hub.clone(),
            metrics: Metrics::default(),
            auth_limiter: RateLimiter::per_minute(config.auth_attempts_per_minute),
            search_limiter: RateLimiter::per_minute(config.user_searches_per_minute),
            connection: ConnectionSettings {
                ping_interval: realtime.ping_interval,
                idle_timeout: realtime.idle_timeout,
                presence,
            },
            allowed_origins: config.allowed_origins.clone(),
            passwords: Passwords::new(config.password_hashing)?,
            token_ttl: time::Duration::try_from(config.token_ttl).unwrap_or(time::Duration::days(30)),
            body: config.body,
            media,
            uploads: config.uploads.clone(),
        });
        let listener = TcpListener::bind(config.addr)?;
        let port = listener.local_addr()?.port();
        let server = http_server::serve(listener, config.workers, state)?;
        tracing::info!(addr = %config.addr.ip(), port, "chat-api listening");
        Ok(Self { server, port, hub })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or SIGINT; then closes WebSockets with "going away" and lets
    /// requests in flight finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (handle, hub) = (self.server.handle(), self.hub);
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!(connections = hub.connections(), "shutting down");
            hub.close_all(CloseCode::GoingAway);
            hub.drained(Duration::from_secs(2)).await;
            handle.stop(true).await;
        });
        self.server.await
    }
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
