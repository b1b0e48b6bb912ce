//! Structured logging with `tracing` (human-readable by default, JSON lines for log collectors),
//! and the one log line and metrics observation of every request.

use crate::metrics::RouteLabels;
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, web};
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
        let labels = RouteLabels::new(&method, matched_route(response.request()), response.status().as_u16());
        state.metrics.observe(labels, elapsed.as_secs_f64());
    }
    tracing::info!(%method, %path, status = response.status().as_u16(), micros = elapsed.as_micros() as u64, "request");
    Ok(response)
}

/// The pattern of the route that answered (`/api/v1/chats/{chat_id}/messages`), rebuilt from the
/// path and the segments the router captured in it. `match_pattern()` would match the path
/// against the routes again, by their regexes: 3% of a history page's server CPU in a profile.
/// `None` unless routing consumed the whole path, so what is returned is only ever the routes'
/// own text and `{name}`s, never text a client chose (an unmatched path, a webhook's secret).
pub(crate) fn matched_route(request: &HttpRequest) -> Option<String> {
    let info = request.match_info();
    let path = info.as_str();
    if path.is_empty() || !info.unprocessed().is_empty() {
        return None;
    }
    let mut route = String::with_capacity(path.len() + 16);
    let mut copied = 0;
    for (name, value) in info.iter() {
        // A captured segment is a slice of the path: its place in it is where it starts.
        let Some(start) = (value.as_ptr() as usize).checked_sub(path.as_ptr() as usize) else {
            continue;
        };
        if start < copied || start + value.len() > path.len() {
            continue;
        }
        route.push_str(&path[copied..start]);
        route.push('{');
        route.push_str(name);
        route.push('}');
        copied = start + value.len();
    }
    route.push_str(&path[copied..]);
    Some(route)
}

#[cfg(test)]
mod tests {
    use super::matched_route;
    use actix_web::test::TestRequest;

    #[test]
    fn a_matched_route_is_its_pattern_with_the_captured_segments_named() {
        let mut request = TestRequest::with_uri("/api/v1/chats/42/messages/7").to_srv_request();
        let pattern = actix_web::dev::ResourceDef::new("/api/v1/chats/{chat_id}/messages/{message_id}");
        assert!(pattern.capture_match_info(request.match_info_mut()));
        let request = request.request().clone();
        assert_eq!(matched_route(&request).as_deref(), Some("/api/v1/chats/{chat_id}/messages/{message_id}"));
    }

    #[test]
    fn a_path_no_route_consumed_has_no_route() {
        let request = TestRequest::with_uri("/api/v1/hooks/some-secret").to_http_request();
        assert_eq!(matched_route(&request), None);
    }
}
