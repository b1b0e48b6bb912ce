//! Chat membership: list, add, change role, remove or leave.

use crate::extract::{Caller, ChatPath, JsonBody, MemberPath, ReadPosition};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chat_domain::{MemberDraft, MemberList, RolePatch, UserId};

#[utoipa::path(tag = "members", security(("bearer" = [])), params(ChatPath), responses(
    (status = 200, description = "Members, oldest first", body = chat_domain::MemberList),
    (status = 404, response = crate::openapi::NotFound)))]
#[get("/chats/{chat_id}/members")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    mut seen: ReadPosition,
    path: web::Path<ChatPath>,
) -> ApiResult<HttpResponse> {
    let mut members = state.chat_store(path.chat_id).members(&mut seen.0, path.chat_id, caller.user.id).await?;
    let ids: Vec<UserId> = members.iter().map(|member| member.user_id).collect();
    let mut presence =
        state.store.presence_of(caller.user.id, &caller.scope, &ids, state.connection.presence.live()).await?;
    members.iter_mut().for_each(|member| member.presence = presence.remove(&member.user_id));
    Ok(seen.answer().json(MemberList { members }))
}

/// 201 with the new member; 200 with the member as they are if they were in the chat already.
#[utoipa::path(tag = "members", security(("bearer" = [])), params(ChatPath),
    request_body = chat_domain::MemberDraft, responses(
    (status = 201, description = "Added", body = chat_domain::ChatMember),
    (status = 200, description = "Already a member; unchanged", body = chat_domain::ChatMember),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[post("/chats/{chat_id}/members")]
pub async fn add(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ChatPath>,
    body: JsonBody<MemberDraft>,
) -> ApiResult<HttpResponse> {
    let MemberDraft { user_id, role } = body.0;
    let addition = state.clusters.add_member(path.chat_id, caller.user.id, user_id, role).await?;
    let mut response = if addition.added { HttpResponse::Created() } else { HttpResponse::Ok() };
    Ok(response.json(addition.member))
}

#[utoipa::path(tag = "members", security(("bearer" = [])), params(MemberPath),
    request_body = chat_domain::RolePatch, responses(
    (status = 200, description = "The member with the new role", body = chat_domain::ChatMember),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[patch("/chats/{chat_id}/members/{user_id}")]
pub async fn change_role(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MemberPath>,
    body: JsonBody<RolePatch>,
) -> ApiResult<HttpResponse> {
    let member =
        state.chat_store(path.chat_id).change_role(path.chat_id, caller.user.id, path.user_id, body.0.role).await?;
    Ok(HttpResponse::Ok().json(member))
}

/// Removes a member (owner or admin), or leaves when the caller names themself.
#[utoipa::path(tag = "members", security(("bearer" = [])), params(MemberPath), responses(
    (status = 204, description = "Removed (or left)"),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict)))]
#[delete("/chats/{chat_id}/members/{user_id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MemberPath>,
) -> ApiResult<HttpResponse> {
    state.chat_store(path.chat_id).remove_member(path.chat_id, caller.user.id, path.user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
