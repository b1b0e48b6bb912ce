//! The caller's read marker in a chat.

use crate::extract::{Caller, ChatPath, JsonBody};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};
use chat_domain::ReadMarkerMove;

/// Moves the caller's read marker forward to `message_id` (never back).
#[utoipa::path(tag = "read state", security(("bearer" = [])), params(ChatPath),
    request_body = chat_domain::ReadMarkerMove, responses(
    (status = 200, description = "The caller's read state after the call", body = chat_domain::ReadState),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[post("/chats/{chat_id}/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ChatPath>,
    body: JsonBody<ReadMarkerMove>,
) -> ApiResult<HttpResponse> {
    let read = state.chat_store(path.chat_id).mark_read(path.chat_id, caller.user.id, body.0.message_id).await?;
    Ok(HttpResponse::Ok().json(read))
}
