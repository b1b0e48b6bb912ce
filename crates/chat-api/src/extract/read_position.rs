//! What a reader says they have been shown, so that a read served by a replica never goes back
//! in time for them (docs/API.md, "Reading from replicas"): `Chat-Position`, the largest
//! `Chat-Position` of an answer they got, and `Chat-Seq`, the seq of the newest event they
//! received. A malformed one is a 400, never silently ignored. The answer carries the position
//! it was read at (`ReadPosition::answer`); answers that read the primary get theirs from
//! `stamp_position`.

use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder, web};
use chat_domain::ErrorCode;
use chat_store::Seen;
use std::future::{Ready, ready};

/// The newest log position an answer reflected: requests send back the largest they got.
pub const POSITION: HeaderName = HeaderName::from_static("chat-position");
/// The seq of the newest event the reader received.
pub const SEQ: HeaderName = HeaderName::from_static("chat-seq");

#[derive(Debug)]
pub struct ReadPosition(pub Seen);

impl ReadPosition {
    /// A 200 answer saying where it was read (when replicas are configured).
    pub fn answer(&self) -> HttpResponseBuilder {
        let mut answer = HttpResponse::Ok();
        self.stamp(&mut answer);
        answer
    }

    /// Says in `answer` where the read was served (when replicas are configured).
    pub fn stamp(&self, answer: &mut HttpResponseBuilder) {
        if let Some(position) = self.0.answered() {
            answer.insert_header((POSITION, position));
        }
    }
}

impl FromRequest for ReadPosition {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let headers = req.headers();
        let read = |name: &HeaderName| match headers.get(name) {
            None => Ok(None),
            Some(value) => value
                .to_str()
                .ok()
                .and_then(|text| text.trim().parse::<i64>().ok())
                .filter(|number| *number >= 0)
                .map(Some)
                .ok_or_else(|| ApiError::BadRequest {
                    code: ErrorCode::InvalidReadPosition,
                    detail: format!("{name} must be a non-negative integer, as the server sent it"),
                }),
        };
        ready(read(&POSITION).and_then(|position| Ok(Self(Seen::new(position, read(&SEQ)?)))))
    }
}

/// Gives an API answer that was not read through `ReadPosition` (a write, a read of the primary, a
/// refusal such as a 404 for what was deleted) the primary's position after it, so the reader's
/// next read from a replica shows at least as much. Only with replicas configured (without them no
/// answer carries a position), only under `/api/v1` (probes, metrics and the web client's files
/// reflect no data and must not wait on the database), and not on a 5xx (which reflects none).
pub async fn stamp_position(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let api = req.path().starts_with("/api/v1/") && req.path() != "/api/v1/openapi.json";
    let state = req.app_data::<web::Data<AppState>>().filter(|state| api && state.store.has_replicas());
    let store = state.map(|state| state.store.clone());
    let mut response = next.call(req).await?;
    let status = response.status();
    let unstamped = !response.headers().contains_key(POSITION) && (status.is_success() || status.is_client_error());
    if let Some(store) = store.filter(|_| unstamped) {
        match store.primary_position().await {
            Ok(Some(position)) => {
                response.headers_mut().insert(POSITION, HeaderValue::from(position));
            }
            Ok(None) => {}
            // The answer stands without a position, which tells the reader to send none until an
            // answer gives them one again (docs/API.md): their next read goes to the primary.
            Err(error) => tracing::warn!(%error, "could not stamp an answer with the primary's position"),
        }
    }
    Ok(response)
}
