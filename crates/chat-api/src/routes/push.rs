//! Push: the server's VAPID key, and the caller's pushers (devices to notify).

use crate::extract::{Caller, JsonBody, PusherPath};
use crate::problem::ApiResult;
use crate::push::registration;
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, post, web};
use chat_domain::push::MAX_PUSHERS_PER_USER;
use chat_domain::{
    DomainError, Pusher, PusherCreated, PusherKind, PusherList, PusherRegistration, Timestamp, VapidKey,
};
use chat_store::{PusherRecord, PusherSummary};

/// The server's VAPID public key, for a browser's `pushManager.subscribe({applicationServerKey})`.
#[utoipa::path(tag = "push", responses(
    (status = 200, description = "The VAPID public key", body = chat_domain::VapidKey)))]
#[get("/push/vapid-key")]
pub async fn vapid_key(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(VapidKey { public_key: state.push.vapid.public_key.clone() })
}

/// Registers a pusher for the caller's session: a browser's PushSubscription JSON, or
/// `{"kind": "http", "url", "pushkey"}` for a push gateway. Registering the same endpoint (and
/// pushkey) again updates it (200, same id). The URL must name a public address, unless the
/// operator allow-listed its host.
#[utoipa::path(tag = "push", security(("bearer" = [])), request_body = chat_domain::PusherRegistration, responses(
    (status = 201, description = "Registered", body = chat_domain::PusherCreated),
    (status = 200, description = "The same endpoint was registered before: updated", body = chat_domain::PusherCreated),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[post("/push/subscriptions")]
pub async fn register(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<PusherRegistration>,
) -> ApiResult<HttpResponse> {
    let pusher = body.0.validate().map_err(DomainError::from)?;
    registration::check(&state.push.outbound, &pusher).await.map_err(DomainError::from)?;
    let record = PusherRecord {
        user: caller.user.id,
        token_hash: &caller.token_hash,
        pusher: &pusher,
        cap: MAX_PUSHERS_PER_USER,
    };
    let registered = state.store.register_pusher(record).await?;
    let mut response = if registered.created { HttpResponse::Created() } else { HttpResponse::Ok() };
    Ok(response.json(PusherCreated { id: registered.id }))
}

/// The caller's pushers, oldest first (their URLs are not shown back, only their origins).
#[utoipa::path(tag = "push", security(("bearer" = [])), responses(
    (status = 200, description = "The caller's pushers", body = chat_domain::PusherList)))]
#[get("/push/subscriptions")]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    let pushers = state.store.pushers(caller.user.id, &caller.token_hash).await?;
    Ok(HttpResponse::Ok().json(PusherList { items: pushers.into_iter().map(shown).collect() }))
}

/// Removes one of the caller's pushers; what was still to be sent to it is dropped.
#[utoipa::path(tag = "push", security(("bearer" = [])), params(PusherPath), responses(
    (status = 204, description = "Removed"),
    (status = 404, response = crate::openapi::NotFound)))]
#[delete("/push/subscriptions/{pusher_id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<PusherPath>,
) -> ApiResult<HttpResponse> {
    state.store.delete_pusher(caller.user.id, path.pusher_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn shown(pusher: PusherSummary) -> Pusher {
    let kind = if pusher.kind == PusherKind::Http.as_str() { PusherKind::Http } else { PusherKind::Webpush };
    let origin = url::Url::parse(&pusher.url).map(|url| url.origin().ascii_serialization()).unwrap_or_default();
    Pusher { id: pusher.id, kind, origin, this_session: pusher.this_session, created_at: Timestamp(pusher.created_at) }
}
