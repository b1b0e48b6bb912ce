//! Building the application: migrations, the pool, the routes, and the HTTP server around them.

use crate::auth::password::Passwords;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::openapi::{ApiDoc, OpenApiJson};
use crate::parse_refusals::ProblemIo;
use crate::problem::ApiError;
use crate::rate_limit::RateLimiter;
use crate::realtime::dispatcher::{self, DispatchSettings};
use crate::realtime::frames::CloseCode;
use crate::realtime::socket::SocketHandle;
use crate::realtime::{ConnectionSettings, Hub};
use crate::routes;
use crate::state::AppState;
use crate::telemetry;
use actix_http::HttpService;
use actix_http::error::DispatchError;
use actix_service::{IntoServiceFactory as _, ServiceFactoryExt as _, fn_service, map_config};
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Extensions, Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::rt::net::TcpStream;
use actix_web::{App, web};
use chat_store::{PoolSettings, Store, StoreError};
use std::future::ready;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use utoipa::OpenApi as _;
use utoipa_actix_web::AppExt as _;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot prepare the database: {0}")]
    Database(#[from] StoreError),
    #[error("cannot listen: {0}")]
    Listen(#[from] std::io::Error),
    #[error("{0}")]
    Setup(#[from] ApiError),
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
        let state = web::Data::new(AppState {
            store,
            hub: hub.clone(),
            metrics: Metrics::default(),
            auth_limiter: RateLimiter::per_minute(config.auth_attempts_per_minute),
            connection: ConnectionSettings {
                ping_interval: realtime.ping_interval,
                idle_timeout: realtime.idle_timeout,
            },
            allowed_origins: realtime.allowed_origins.clone(),
            passwords: Passwords::new(config.password_hashing)?,
            token_ttl: time::Duration::try_from(config.token_ttl).unwrap_or(time::Duration::days(30)),
            body: config.body,
        });
        let listener = TcpListener::bind(config.addr)?;
        let addr = listener.local_addr()?;
        let port = addr.port();
        // What `HttpServer::listen` assembles, but over `ProblemIo` (see `parse_refusals`).
        let builder = actix_server::Server::build();
        let shutdown = builder.graceful_shutdown_signal();
        let server = builder
            .workers(config.workers)
            // Signals are handled in `run_until_stopped`, which closes WebSockets first.
            .disable_signals()
            // SIGTERM and SIGINT stop accepting and let requests in flight finish, up to this long.
            .shutdown_timeout(10)
            .listen("chat-api", listener, move || {
                let shutdown = shutdown.clone();
                let app = app(state.clone()).into_factory().map_err(|error: actix_web::Error| error.error_response());
                let http = HttpService::build()
                    .graceful_shutdown_signal(move || {
                        let shutdown = shutdown.clone();
                        async move { shutdown.notified().await }
                    })
                    // `HttpServer`'s settings: 5 s for a request head, and 1 s for a closing
                    // connection to flush (without it a WebSocket's close frame may be lost).
                    .client_request_timeout(Duration::from_secs(5))
                    .client_disconnect_timeout(Duration::from_secs(1))
                    .local_addr(addr)
                    .on_connect_ext(|io: &ProblemIo<TcpStream>, data: &mut Extensions| {
                        SocketHandle::attach(io.get_ref(), data);
                    })
                    .h1(map_config(app, |_| AppConfig::default()));
                fn_service(|io: TcpStream| {
                    let peer = io.peer_addr().ok();
                    ready(Ok::<_, DispatchError>((ProblemIo::new(io), peer)))
                })
                .and_then(http)
            })?
            .run();
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

/// The routes and what they share, as each worker builds them.
fn app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, document) =
        App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(routes::configure).split_for_parts();
    let document = OpenApiJson(document.to_json().unwrap_or_default());
    app.app_data(state)
        .app_data(web::Data::new(document))
        .app_data(
            web::PathConfig::default().error_handler(|error, _| {
                ApiError::BadRequest { code: "invalid_path", detail: error.to_string() }.into()
            }),
        )
        .wrap(from_fn(telemetry::log_request))
        .default_service(web::to(routes::not_found))
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
