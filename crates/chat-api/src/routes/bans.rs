//! A group's bans: ban (removing the member), lift, list; for its admins and owner.

use crate::extract::{Caller, ChatPath, MemberPath, OptionalJsonBody};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, put, web};
use chat_domain::{BanDraft, DomainError, FieldCode, ValidationErrors};

/// Bans a user from the group, removing them if they are a member (`member.removed`); nobody can
/// add them back while the ban stands (409 `user_banned`). Banning again keeps the first ban.
#[utoipa::path(tag = "members", security(("bearer" = [])), params(MemberPath),
    request_body(content = Option<chat_domain::BanDraft>, description = "Optional: `{\"reason\": \"...\"}`"),
    responses(
    (status = 200, description = "The ban", body = chat_domain::ChatBan),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[put("/chats/{chat_id}/bans/{user_id}")]
pub async fn ban(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MemberPath>,
    body: OptionalJsonBody<BanDraft>,
) -> ApiResult<HttpResponse> {
    let reason = body.0.validate()?;
    if path.user_id == caller.user.id {
        let error = ValidationErrors::single("user_id", FieldCode::Invalid, "one cannot ban oneself: leave instead");
        return Err(ApiError::Domain(DomainError::Validation(error)));
    }
    let ban = state.clusters.ban_member(path.chat_id, caller.user.id, path.user_id, reason).await?;
    Ok(HttpResponse::Ok().json(ban))
}

/// Lifts a ban (whether there was one or not).
#[utoipa::path(tag = "members", security(("bearer" = [])), params(MemberPath), responses(
    (status = 204, description = "Not banned"),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound)))]
#[delete("/chats/{chat_id}/bans/{user_id}")]
pub async fn unban(state: web::Data<AppState>, caller: Caller, path: web::Path<MemberPath>) -> ApiResult<HttpResponse> {
    state.chat_store(path.chat_id).unban_member(path.chat_id, caller.user.id, path.user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The group's bans, newest first.
#[utoipa::path(tag = "members", security(("bearer" = [])), params(ChatPath), responses(
    (status = 200, description = "The bans", body = chat_domain::BanList),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound)))]
#[get("/chats/{chat_id}/bans")]
pub async fn list(state: web::Data<AppState>, caller: Caller, path: web::Path<ChatPath>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.chat_store(path.chat_id).bans(path.chat_id, caller.user.id).await?))
}
