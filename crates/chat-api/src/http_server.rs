//! The HTTP server around the routes: what `HttpServer::listen` assembles (actix-server,
//! actix-http's H1 service, the same settings and graceful-shutdown signal), but over
//! `parse_refusals::ProblemIo`, so that even the parser's own refusals are problem+json.

use crate::cors;
use crate::extract::read_position;
use crate::openapi::{ApiDoc, OpenApiJson};
use crate::parse_refusals::ProblemIo;
use crate::problem::ApiError;
use crate::realtime::socket::{CuttableStream, SocketHandle};
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
use chat_domain::ErrorCode;
use std::future::ready;
use std::net::TcpListener;
use std::time::Duration;
use utoipa::OpenApi as _;
use utoipa_actix_web::AppExt as _;

/// Serves the routes on `listener` with `workers` threads; signals are left to the caller.
pub fn serve(listener: TcpListener, workers: usize, state: web::Data<AppState>) -> std::io::Result<Server> {
    let addr = listener.local_addr()?;
    let builder = actix_server::Server::build();
    let shutdown = builder.graceful_shutdown_signal();
    Ok(builder
        .workers(workers)
        // Signals are handled in `Application::run_until_stopped`, which closes WebSockets first.
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
                .on_connect_ext(|io: &ProblemIo<CuttableStream>, data: &mut Extensions| {
                    SocketHandle::attach(io.get_ref(), data);
                })
                .h1(map_config(app, |_| AppConfig::default()));
            fn_service(|io: TcpStream| {
                let peer = io.peer_addr().ok();
                ready(Ok::<_, DispatchError>((ProblemIo::new(CuttableStream::new(io)), peer)))
            })
            .and_then(http)
        })?
        .run())
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
    let document = OpenApiJson::new(document);
    let allowed_origins = state.allowed_origins.clone();
    app.app_data(state)
        .app_data(web::Data::new(document))
        .configure(routes::web_client::configure)
        .app_data(web::PathConfig::default().error_handler(|error, _| {
            ApiError::BadRequest { code: ErrorCode::InvalidPath, detail: error.to_string() }.into()
        }))
        .wrap(from_fn(read_position::stamp_position))
        .wrap(cors::middleware(allowed_origins))
        .wrap(from_fn(cors::refusals_as_problems))
        .wrap(from_fn(telemetry::log_request))
        .default_service(web::to(routes::not_found))
}
