//! Prometheus metrics at `GET /metrics`: request counts and latencies by route, and gauges read
//! at scrape time (WebSocket connections, event head, statements sent, pool use).

use actix_web::http::Method;
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

/// What became of a push delivery.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum PushOutcome {
    /// The endpoint took it.
    Sent,
    /// Failed for now, to be tried again.
    Retried,
    /// Given up: refused, or the last attempt failed.
    Failed,
    /// The endpoint said the subscription is gone (404, 410): the pusher was deleted.
    Gone,
    /// Not sent: the recipient had the message by then.
    Skipped,
}

impl PushOutcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Retried => "retried",
            Self::Failed => "failed",
            Self::Gone => "gone",
            Self::Skipped => "skipped",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PushLabels {
    outcome: &'static str,
}

/// The push workers' counters (a cheap clone of the registered family).
#[derive(Clone, Debug)]
pub struct PushCounters(Family<PushLabels, Counter>);

impl PushCounters {
    pub fn count(&self, outcome: PushOutcome) {
        self.0.get_or_create(&PushLabels { outcome: outcome.as_str() }).inc();
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
    replica_reads: Gauge,
    pool_connections: Gauge,
    pool_idle: Gauge,
    pages_kept: Gauge,
    pages_read: Gauge,
    pushes: Family<PushLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("chat");
        let requests = Family::<RouteLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 14))
        });
        let (websockets, event_head, queries) = (Gauge::default(), Gauge::default(), Gauge::default());
        let (pool_connections, pool_idle, replica_reads) = (Gauge::default(), Gauge::default(), Gauge::default());
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register("http_request_duration_seconds", "Time to answer", latency.clone());
        registry.register("websocket_connections", "Open WebSocket connections in this process", websockets.clone());
        registry.register("event_head_seq", "Last event seq handed to this process's connections", event_head.clone());
        registry.register("db_statements", "Statements sent to PostgreSQL by this process", queries.clone());
        registry.register("db_replica_reads", "Reads a read replica answered for this process", replica_reads.clone());
        registry.register("db_pool_connections", "Connections in the pool", pool_connections.clone());
        registry.register("db_pool_idle_connections", "Idle connections in the pool", pool_idle.clone());
        let (pages_kept, pages_read) = (Gauge::default(), Gauge::default());
        registry.register(
            "history_pages_kept_answered",
            "Newest history pages answered from this process's cache (still held, one statement)",
            pages_kept.clone(),
        );
        registry.register(
            "history_pages_read",
            "Newest history pages read from the database (none kept, or what was kept changed)",
            pages_read.clone(),
        );
        let pushes = Family::<PushLabels, Counter>::default();
        registry.register(
            "push_deliveries",
            "Push deliveries by outcome (sent, retried, failed, gone, skipped)",
            pushes.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            websockets,
            event_head,
            queries,
            replica_reads,
            pool_connections,
            pool_idle,
            pages_kept,
            pages_read,
            pushes,
        }
    }
}

/// What the gauges read at scrape time.
#[derive(Debug)]
pub struct Readings {
    pub websockets: u64,
    pub event_head: i64,
    pub statements: u64,
    pub replica_reads: u64,
    pub pool_connections: u32,
    pub pool_idle: u32,
    /// Newest history pages answered as kept, and read anew (`HistoryCache::counts`).
    pub history_pages: (u64, u64),
}

impl Metrics {
    /// Every metric in the OpenMetrics text format, with the gauges set to `readings`.
    pub fn encode(&self, readings: Readings) -> Result<String, std::fmt::Error> {
        let to_i64 = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        self.websockets.set(to_i64(readings.websockets));
        self.event_head.set(readings.event_head);
        self.queries.set(to_i64(readings.statements));
        self.replica_reads.set(to_i64(readings.replica_reads));
        self.pool_connections.set(i64::from(readings.pool_connections));
        self.pool_idle.set(i64::from(readings.pool_idle));
        self.pages_kept.set(to_i64(readings.history_pages.0));
        self.pages_read.set(to_i64(readings.history_pages.1));
        let mut body = String::new();
        prometheus_client::encoding::text::encode(&mut body, &self.registry)?;
        Ok(body)
    }

    pub fn push_counters(&self) -> PushCounters {
        PushCounters(self.pushes.clone())
    }

    pub fn observe(&self, labels: RouteLabels, seconds: f64) {
        self.latency.get_or_create(&labels).observe(seconds);
        self.requests.get_or_create(&labels).inc();
    }
}
