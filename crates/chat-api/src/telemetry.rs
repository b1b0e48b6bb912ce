//! Structured logging with `tracing` (human-readable by default, JSON lines for log collectors),
//! and the one log line and metrics observation of every request.

use crate::metrics::RouteLabels;
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use std::time::{Duration, Instant};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; a second call (as in tests) is a harmless no-op.
pub fn init(filter: &str, json: bool) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = if json { builder.json().try_init() } else { builder.compact().try_init() };
}

/// One structured log line and one metrics observation per request.
pub async fn log_request(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = request.method().clone();
    // An incoming webhook's path is its secret: logged as the route, never as sent.
    let path = match request.path() {
        path if path.starts_with(crate::webhooks::INCOMING_WEBHOOK_PREFIX) => "/api/v1/hooks/{token}".to_owned(),
        path => path.to_owned(),
    };
    let response = next.call(request).await?;
    let elapsed: Duration = started.elapsed();
    if let Some(state) = response.request().app_data::<web::Data<AppState>>() {
        let labels = RouteLabels::new(&method, response.request().match_pattern(), response.status().as_u16());
        state.metrics.observe(labels, elapsed.as_secs_f64());
    }
    tracing::info!(%method, %path, status = response.status().as_u16(), micros = elapsed.as_micros() as u64, "request");
    Ok(response)
}
