//! Browser pages of other origins: which may call the API (CORS, with actix-cors) and open a
//! WebSocket. One rule for both: the server's own origin, and those in `CHAT_ALLOWED_ORIGINS`
//! (or any, with `*`). Bearer tokens, not cookies: no credentials are allowed.

use crate::extract::read_position;
use crate::problem::ApiError;
use actix_cors::{Cors, CorsError};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use chat_domain::ErrorCode;

/// How long a browser may reuse a preflight's answer.
const PREFLIGHT_MAX_AGE_SECS: usize = 3600;

/// Whether a page of `origin` may call a server reached as `host` (the `Host` header).
pub fn origin_allowed(origin: &str, host: &str, allowed: &[String]) -> bool {
    let same_origin = origin.split_once("://").is_some_and(|(_, rest)| rest == host);
    same_origin || allowed.iter().any(|entry| entry == "*" || entry == origin)
}

/// The CORS middleware for `allowed` origins. A page of any other origin gets no CORS headers, so
/// its browser keeps the answer from it; clients that send no `Origin` are not affected.
pub fn middleware(allowed: Vec<String>) -> Cors {
    Cors::default()
        .allowed_origin_fn(move |origin, head| {
            let host = head.headers().get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or_default();
            origin.to_str().is_ok_and(|origin| origin_allowed(origin, host, &allowed))
        })
        .allowed_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
            read_position::POSITION,
            read_position::SEQ,
            // Downloads: one range, and revalidation.
            header::RANGE,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([
            HeaderName::from_static("idempotent-replayed"),
            read_position::POSITION,
            header::RETRY_AFTER,
            header::WWW_AUTHENTICATE,
            header::ETAG,
            header::CONTENT_RANGE,
            header::CONTENT_DISPOSITION,
            header::LOCATION,
        ])
        .max_age(PREFLIGHT_MAX_AGE_SECS)
}

/// actix-cors answers a preflight it refuses with plain text; like every refusal, it is problem+json.
pub async fn refusals_as_problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(req).await?;
    let refusal = response.response().error().and_then(|error| error.as_error::<CorsError>()).map(ToString::to_string);
    let Some(detail) = refusal else { return Ok(response.map_into_boxed_body()) };
    let (status, body) = ApiError::BadRequest { code: ErrorCode::CorsRefused, detail }.problem();
    Ok(response.into_response(
        actix_web::HttpResponse::build(if status.is_client_error() { status } else { StatusCode::BAD_REQUEST })
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json")))
            .body(body),
    ))
}
