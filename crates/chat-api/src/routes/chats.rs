//! Chats: start one, look at one.

use crate::extract::{Caller, JsonBody};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use chat_domain::{ChatDraft, ChatId};

/// 201 with a new chat; 200 with the existing one when a direct chat with that person exists.
#[post("/chats")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<ChatDraft>,
) -> ApiResult<HttpResponse> {
    let new_chat = body.0.validate(caller.user.id)?;
    let creation = state.store.create_chat(&new_chat).await?;
    let mut response = if creation.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(creation.chat))
}

#[get("/chats/{chat_id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let chat = state
        .store
        .chat_for_member(ChatId(path.into_inner()), caller.user.id)
        .await?;
    Ok(HttpResponse::Ok().json(chat))
}
