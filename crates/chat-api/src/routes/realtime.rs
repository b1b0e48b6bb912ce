//! The real-time endpoints: the WebSocket, and the same event stream over plain HTTP.

use crate::auth::token;
use crate::extract::caller::bearer_token;
use crate::extract::{Caller, QueryParams};
use crate::problem::{ApiError, ApiResult};
use crate::realtime::socket::SocketHandle;
use crate::realtime::{Peer, connection, feed};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chat_domain::{ErrorCode, Since, ValidationErrors};

/// The largest message a client may send (docs/EVENTS.md); a larger one closes with 1009.
const MAX_CLIENT_MESSAGE: usize = 64 * 1024;

/// Upgrades to a WebSocket. The token comes in `Authorization` or, for browsers, `?access_token=`;
/// a bad token or a foreign origin is refused before the upgrade. `?since=` resumes after a resume
/// token (or a plain seq).
#[utoipa::path(tag = "real time",
    params(("access_token" = Option<String>, Query, description = "For browsers, instead of the Authorization header"),
           ("since" = Option<String>, Query,
               description = "Replay every event after this position (a `resume` token the server gave, or a seq), then continue live")),
    responses(
    (status = 101, description = "Switching to the WebSocket protocol; see docs/EVENTS.md"),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[get("/ws")]
pub async fn websocket(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    query: QueryParams,
) -> ApiResult<HttpResponse> {
    check_origin(&req, &state.allowed_origins)?;
    let token =
        bearer_token(&req).or_else(|| query.text("access_token").map(str::to_owned)).ok_or(ApiError::Unauthorized)?;
    let token_hash = token::hash(&token);
    let holder = state.store.authenticate(&token_hash).await?.ok_or(ApiError::Unauthorized)?;
    let mut errors = ValidationErrors::default();
    let since = query.since(&mut errors, "since");
    errors.finish(())?;
    let (response, session, incoming) = actix_ws::handle(&req, body)
        .map_err(|error| ApiError::BadRequest { code: ErrorCode::NotAWebsocket, detail: error.to_string() })?;
    let incoming =
        incoming.max_frame_size(MAX_CLIENT_MESSAGE).aggregate_continuations().max_continuation_size(MAX_CLIENT_MESSAGE);
    let (clusters, hubs, settings) = (state.clusters.clone(), state.hubs.clone(), state.connection.clone());
    let socket = req.conn_data::<SocketHandle>().map(SocketHandle::watch).unwrap_or_default();
    let peer = Peer { user: holder.user.id, token_hash, scope: holder.scope, socket };
    actix_web::rt::spawn(connection::run(session, incoming, clusters, hubs, peer, since, settings));
    Ok(response)
}

/// Browsers send `Origin`; a page of another site must not open a socket with the user's token
/// (cross-site WebSocket hijacking). Same-origin, listed origins and non-browser clients pass.
fn check_origin(req: &HttpRequest, allowed: &[String]) -> ApiResult<()> {
    let Some(origin) = req.headers().get(header::ORIGIN).and_then(|value| value.to_str().ok()) else {
        return Ok(());
    };
    let host = req.headers().get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or_default();
    if crate::cors::origin_allowed(origin, host, allowed) {
        Ok(())
    } else {
        Err(chat_domain::DomainError::Forbidden("this origin may not open a WebSocket").into())
    }
}

/// The caller's events after `since`, in order, as the WebSocket would have sent them.
#[utoipa::path(tag = "real time", security(("bearer" = [])),
    params(("since" = String, Query,
               description = "Where the client stands: the last `resume` token it got, or a seq (0: from the log's start)"),
           ("limit" = Option<i64>, Query, minimum = 1, maximum = 1000, description = "1 to 1000, default 100")),
    responses(
    (status = 200, description = "`{\"events\": [frames], \"next_since\": seq, \"resume\": token, \"resync_required\": bool}`", content_type = "application/json"),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[get("/events")]
pub async fn events(state: web::Data<AppState>, caller: Caller, query: QueryParams) -> ApiResult<HttpResponse> {
    let mut errors = ValidationErrors::default();
    let since = query.since(&mut errors, "since");
    let limit = query.integer(&mut errors, "limit", 1, 1000).unwrap_or(100);
    if query.text("since").is_none() {
        errors.add(
            "since",
            chat_domain::FieldCode::Required,
            "the last resume token the client got, or 0 to read the log from its start",
        );
    }
    let since = errors.finish(since)?.unwrap_or(Since::Seq(0));
    let feed = feed::page(&state, caller.user.id, &caller.scope, since, limit).await?;
    Ok(HttpResponse::Ok().json(feed))
}
