//! The caller's notification level and mute in one chat.

use crate::extract::{Caller, ChatPath, JsonBody};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, get, put, web};
use chat_domain::NotificationSetting;

/// The caller's setting: the level they chose, or the chat's default (`all` in a direct chat,
/// `mentions` in a group), and their mute.
#[utoipa::path(tag = "push", security(("bearer" = [])), params(ChatPath), responses(
    (status = 200, description = "The caller's setting", body = chat_domain::NotificationSetting),
    (status = 404, response = crate::openapi::NotFound)))]
#[get("/chats/{chat_id}/notifications")]
pub async fn get(state: web::Data<AppState>, caller: Caller, path: web::Path<ChatPath>) -> ApiResult<HttpResponse> {
    let setting = state.store.notification_setting(path.chat_id, caller.user.id).await?;
    Ok(HttpResponse::Ok().json(setting))
}

/// Sets which messages of the chat push the caller's devices, and mutes it until a time (or not).
#[utoipa::path(tag = "push", security(("bearer" = [])), params(ChatPath),
    request_body = chat_domain::NotificationSetting, responses(
    (status = 200, description = "The caller's setting now", body = chat_domain::NotificationSetting),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[put("/chats/{chat_id}/notifications")]
pub async fn set(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ChatPath>,
    body: JsonBody<NotificationSetting>,
) -> ApiResult<HttpResponse> {
    let setting = state.store.set_notification_setting(path.chat_id, caller.user.id, body.0).await?;
    Ok(HttpResponse::Ok().json(setting))
}
