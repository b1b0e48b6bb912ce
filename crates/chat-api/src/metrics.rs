//! Prometheus metrics at `GET /metrics`: request counts and latencies by route, and gauges read
//! at scrape time (WebSocket connections, event head, statements sent, pool use).

use crate::state::AppState;
use actix_web::http::Method;
use actix_web::{HttpResponse, get, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Every label comes from a bounded set, whatever clients send: a series per made-up method or
/// raw path would let anyone grow the process and the scrape without limit.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    method: &'static str,
    /// The route pattern (`/api/v1/messages/{message_id}`), or `unmatched`; never the raw path.
    route: String,
    status: u16,
}

impl RouteLabels {
    pub fn new(method: &Method, route: Option<String>, status: u16) -> Self {
        let method = match *method {
            Method::GET => "GET",
            Method::POST => "POST",
            Method::PUT => "PUT",
            Method::PATCH => "PATCH",
            Method::DELETE => "DELETE",
            Method::HEAD => "HEAD",
            Method::OPTIONS => "OPTIONS",
            _ => "other",
        };
        Self { method, route: route.unwrap_or_else(|| "unmatched".to_owned()), status }
    }
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RouteLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    websockets: Gauge,
    event_head: Gauge,
    queries: Gauge,
    pool_connections: Gauge,
    pool_idle: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("chat");
        let requests = Family::<RouteLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 14))
        });
        let (websockets, event_head, queries) = (Gauge::default(), Gauge::default(), Gauge::default());
        let (pool_connections, pool_idle) = (Gauge::default(), Gauge::default());
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register("http_request_duration_seconds", "Time to answer", latency.clone());
        registry.register("websocket_connections", "Open WebSocket connections in this process", websockets.clone());
        registry.register("event_head_seq", "Last event seq handed to this process's connections", event_head.clone());
        registry.register("db_statements", "Statements sent to PostgreSQL by this process", queries.clone());
        registry.register("db_pool_connections", "Connections in the pool", pool_connections.clone());
        registry.register("db_pool_idle_connections", "Idle connections in the pool", pool_idle.clone());
        Self { registry, requests, latency, websockets, event_head, queries, pool_connections, pool_idle }
    }
}

impl Metrics {
    pub fn observe(&self, labels: RouteLabels, seconds: f64) {
        self.latency.get_or_create(&labels).observe(seconds);
        self.requests.get_or_create(&labels).inc();
    }
}

/// Metrics in the OpenMetrics text format, which Prometheus scrapes.
#[utoipa::path(tag = "health", responses((status = 200, description = "OpenMetrics text format",
    content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8")))]
#[get("/metrics")]
pub async fn scrape(state: web::Data<AppState>) -> HttpResponse {
    let metrics = &state.metrics;
    let to_i64 = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
    metrics.websockets.set(to_i64(state.hub.connections() as u64));
    metrics.event_head.set(state.hub.position());
    metrics.queries.set(to_i64(state.store.queries_run()));
    let (connections, idle) = state.store.pool_state();
    metrics.pool_connections.set(i64::from(connections));
    metrics.pool_idle.set(i64::from(idle));
    let mut body = String::new();
    if prometheus_client::encoding::text::encode(&mut body, &metrics.registry).is_err() {
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Ok().content_type("application/openmetrics-text; version=1.0.0; charset=utf-8").body(body)
}
