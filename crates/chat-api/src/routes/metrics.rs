//! `GET /metrics`, for Prometheus.

use crate::metrics::Readings;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};

/// Metrics in the OpenMetrics text format, which Prometheus scrapes.
#[utoipa::path(tag = "health", responses((status = 200, description = "OpenMetrics text format",
    content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8")))]
#[get("/metrics")]
pub async fn scrape(state: web::Data<AppState>) -> HttpResponse {
    let (pool_connections, pool_idle) = state.store.pool_state();
    let readings = Readings {
        websockets: state.hubs.first().connections() as u64,
        event_head: state.hubs.first().position(),
        statements: state.store.queries_run(),
        replica_reads: state.store.replica_reads(),
        pool_connections,
        pool_idle,
        history_pages: state.history_cache.counts(),
    };
    match state.metrics.encode(readings) {
        Ok(body) => {
            HttpResponse::Ok().content_type("application/openmetrics-text; version=1.0.0; charset=utf-8").body(body)
        }
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}
