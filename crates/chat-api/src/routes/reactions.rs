//! The caller's reactions: `PUT` adds, `DELETE` removes; both idempotent, both answer the message.

use crate::extract::{Caller, ReactionPath};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, delete, put, web};

#[utoipa::path(tag = "reactions", security(("bearer" = [])),
    params(ReactionPath),
    responses(
    (status = 200, description = "The whole message", body = chat_domain::Message),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[put("/messages/{message_id}/reactions/{emoji}")]
pub async fn add(state: web::Data<AppState>, caller: Caller, path: ReactionPath) -> ApiResult<HttpResponse> {
    let message =
        state.message_store(path.message_id).add_reaction(path.message_id, caller.user.id, &path.emoji).await?;
    Ok(HttpResponse::Ok().json(message))
}

#[utoipa::path(tag = "reactions", security(("bearer" = [])),
    params(ReactionPath),
    responses(
    (status = 200, description = "The whole message", body = chat_domain::Message),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[delete("/messages/{message_id}/reactions/{emoji}")]
pub async fn remove(state: web::Data<AppState>, caller: Caller, path: ReactionPath) -> ApiResult<HttpResponse> {
    let message =
        state.message_store(path.message_id).remove_reaction(path.message_id, caller.user.id, &path.emoji).await?;
    Ok(HttpResponse::Ok().json(message))
}
