//! Who may reach the caller: whom they block, and who may start a direct chat with them.

use crate::extract::{Caller, JsonBody, UserPath};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, put, web};
use chat_domain::{DomainError, FieldCode, Privacy, ValidationErrors};

/// Whom the caller blocks, newest first.
#[utoipa::path(tag = "users", security(("bearer" = [])), responses(
    (status = 200, description = "The caller's blocks", body = chat_domain::BlockList)))]
#[get("/users/me/blocks")]
pub async fn blocks(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.store.blocks(caller.user.id).await?))
}

/// Blocks a user: they can no longer start a direct chat with the caller or post in the one they
/// share (both refused with `direct_chat_refused`, as the caller's setting would). Blocking again
/// changes nothing.
#[utoipa::path(tag = "users", security(("bearer" = [])), params(UserPath), responses(
    (status = 200, description = "The block", body = chat_domain::Block),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[put("/users/me/blocks/{user_id}")]
pub async fn block(state: web::Data<AppState>, caller: Caller, path: web::Path<UserPath>) -> ApiResult<HttpResponse> {
    if path.user_id == caller.user.id {
        let error = ValidationErrors::single("user_id", FieldCode::Invalid, "one cannot block oneself");
        return Err(ApiError::Domain(DomainError::Validation(error)));
    }
    let blocked = state.store.block_user(caller.user.id, path.user_id).await?;
    state.copy_user_changes().await;
    Ok(HttpResponse::Ok().json(blocked))
}

/// Unblocks a user (whether the caller blocked them or not).
#[utoipa::path(tag = "users", security(("bearer" = [])), params(UserPath), responses(
    (status = 204, description = "Not blocked"),
    (status = 400, response = crate::openapi::BadRequest)))]
#[delete("/users/me/blocks/{user_id}")]
pub async fn unblock(state: web::Data<AppState>, caller: Caller, path: web::Path<UserPath>) -> ApiResult<HttpResponse> {
    state.store.unblock_user(caller.user.id, path.user_id).await?;
    state.copy_user_changes().await;
    Ok(HttpResponse::NoContent().finish())
}

/// Who may start a direct chat with the caller.
#[utoipa::path(tag = "users", security(("bearer" = [])), responses(
    (status = 200, description = "The caller's setting", body = chat_domain::Privacy)))]
#[get("/users/me/privacy")]
pub async fn privacy(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.store.privacy(caller.user.id).await?))
}

/// Sets who may start a direct chat with the caller: `everyone`, `shared` (people who share a
/// chat with them) or `nobody`. Direct chats they already have stay.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = chat_domain::Privacy, responses(
    (status = 200, description = "The caller's setting now", body = chat_domain::Privacy),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[put("/users/me/privacy")]
pub async fn set_privacy(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<Privacy>,
) -> ApiResult<HttpResponse> {
    let setting = state.store.set_privacy(caller.user.id, body.0).await?;
    state.copy_user_changes().await;
    Ok(HttpResponse::Ok().json(setting))
}
