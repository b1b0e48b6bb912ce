//! Slash commands: the bots of a chat register the `/commands` they answer (through their
//! outgoing webhook); members read the list (for autocompletion).

use crate::extract::{Caller, ChatPath, JsonBody};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::{HttpResponse, get, put, web};
use chat_domain::{CommandList, CommandSet, FieldCode, ValidationErrors};

/// Replaces the commands a bot answers in the chat, by the bot itself or its owner.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(ChatPath),
    request_body = chat_domain::CommandSet, responses(
    (status = 200, description = "Every command of the chat", body = chat_domain::CommandList),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[put("/chats/{chat_id}/commands")]
pub async fn replace(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ChatPath>,
    body: JsonBody<CommandSet>,
) -> ApiResult<HttpResponse> {
    let names = body.0.validate()?;
    let bot = match body.0.bot_id {
        Some(bot) => bot,
        None if caller.user.is_bot => caller.user.id,
        None => {
            return Err(ApiError::from(ValidationErrors::single("bot_id", FieldCode::Required, "name the bot")));
        }
    };
    let commands = state.chat_store(path.chat_id).set_bot_commands(path.chat_id, caller.user.id, bot, &names).await?;
    Ok(HttpResponse::Ok().json(CommandList { commands }))
}

/// The commands answered in the chat, for its members.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(ChatPath), responses(
    (status = 200, description = "Every command of the chat", body = chat_domain::CommandList),
    (status = 404, response = crate::openapi::NotFound)))]
#[get("/chats/{chat_id}/commands")]
pub async fn list(state: web::Data<AppState>, caller: Caller, path: web::Path<ChatPath>) -> ApiResult<HttpResponse> {
    let commands = state.chat_store(path.chat_id).chat_commands(path.chat_id, caller.user.id).await?;
    Ok(HttpResponse::Ok().json(CommandList { commands }))
}
