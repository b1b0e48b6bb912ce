//! The caller's choice to appear offline.

use crate::extract::{Caller, JsonBody};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, put, web};
use chat_domain::PresenceChoice;

/// Appear offline (or not again): others see the caller offline, with their last-seen time as it
/// was. Answers the caller's presence as others now see it.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = chat_domain::PresenceChoice, responses(
    (status = 200, description = "The caller's presence as others see it", body = chat_domain::Presence),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[put("/users/me/presence")]
pub async fn choose(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<PresenceChoice>,
) -> ApiResult<HttpResponse> {
    let (user, presence) = (caller.user.id, &state.connection.presence);
    let changed = state.store.set_appear_offline(user, body.0.appear_offline).await?;
    let seen = state.store.presence_of(user, &caller.scope, &[user], presence.live()).await?.remove(&user);
    if let (true, Some(seen)) = (changed, seen) {
        presence.announce(user, seen);
    }
    Ok(HttpResponse::Ok().json(seen))
}
