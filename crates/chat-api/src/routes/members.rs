//! Chat membership: list, add, change role, remove or leave.

use crate::extract::{Caller, JsonBody};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chat_domain::{ChatId, ChatMember, MemberDraft, RolePatch, UserId};
use serde::Serialize;

#[derive(Serialize)]
struct MemberList {
    members: Vec<ChatMember>,
}

#[get("/chats/{chat_id}/members")]
pub async fn list(state: web::Data<AppState>, caller: Caller, path: web::Path<i64>) -> ApiResult<HttpResponse> {
    let members = state.store.members(ChatId(path.into_inner()), caller.user.id).await?;
    Ok(HttpResponse::Ok().json(MemberList { members }))
}

/// 201 with the new member; 200 with the member as they are if they were in the chat already.
#[post("/chats/{chat_id}/members")]
pub async fn add(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: JsonBody<MemberDraft>,
) -> ApiResult<HttpResponse> {
    let MemberDraft { user_id, role } = body.0;
    let addition = state.store.add_member(ChatId(path.into_inner()), caller.user.id, user_id, role).await?;
    let mut response = if addition.added { HttpResponse::Created() } else { HttpResponse::Ok() };
    Ok(response.json(addition.member))
}

#[patch("/chats/{chat_id}/members/{user_id}")]
pub async fn change_role(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
    body: JsonBody<RolePatch>,
) -> ApiResult<HttpResponse> {
    let (chat, user) = path.into_inner();
    let member = state.store.change_role(ChatId(chat), caller.user.id, UserId(user), body.0.role).await?;
    Ok(HttpResponse::Ok().json(member))
}

/// Removes a member (owner or admin), or leaves when the caller names themself.
#[delete("/chats/{chat_id}/members/{user_id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (chat, user) = path.into_inner();
    state.store.remove_member(ChatId(chat), caller.user.id, UserId(user)).await?;
    Ok(HttpResponse::NoContent().finish())
}
