//! Bot accounts: a user creates bots, owns them, and holds their tokens. Another user's bot is
//! answered as one that does not exist (404 `bot_not_found`).

use crate::auth::token;
use crate::extract::{BotPath, Caller, JsonBody, OptionalJsonBody};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chat_domain::{BotDraft, BotList, BotSession, ChatScope, DomainError, TokenDraft, UserPatch};
use chat_store::NewBotAccount;

/// A new token: the secret, shown once, and the hash the server keeps.
fn new_token() -> ApiResult<(String, Vec<u8>)> {
    let secret = token::generate().map_err(|error| ApiError::Internal(format!("random token: {error}")))?;
    let hash = token::hash(&secret);
    Ok((secret, hash))
}

/// Creates a bot owned by the caller (a person: bots do not own bots) and its first token.
#[utoipa::path(tag = "bots", security(("bearer" = [])), request_body = chat_domain::BotDraft, responses(
    (status = 201, description = "The bot and its token, shown this once", body = chat_domain::BotSession),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 409, response = crate::openapi::Conflict),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[post("/bots")]
pub async fn create(state: web::Data<AppState>, caller: Caller, body: JsonBody<BotDraft>) -> ApiResult<HttpResponse> {
    if caller.user.is_bot {
        return Err(DomainError::Forbidden("a bot cannot own bots").into());
    }
    let new_bot = body.0.validate()?;
    let (token, token_hash) = new_token()?;
    let account = NewBotAccount {
        owner: caller.user.id,
        username: &new_bot.username,
        display_name: &new_bot.display_name,
        token: Some((&token_hash, &new_bot.scope)),
    };
    let bot = state.store.create_bot(account).await?;
    Ok(HttpResponse::Created().json(BotSession { bot, token }))
}

/// The caller's bots, oldest first.
#[utoipa::path(tag = "bots", security(("bearer" = [])), responses(
    (status = 200, description = "The caller's bots", body = chat_domain::BotList)))]
#[get("/bots")]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    let bots = state.store.bots_of(caller.user.id).await?;
    Ok(HttpResponse::Ok().json(BotList { bots }))
}

/// Changes a bot's display name.
#[utoipa::path(tag = "bots", security(("bearer" = [])), params(BotPath),
    request_body = chat_domain::UserPatch, responses(
    (status = 200, description = "The bot, renamed", body = chat_domain::User),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[patch("/bots/{bot_id}")]
pub async fn rename(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<BotPath>,
    body: JsonBody<UserPatch>,
) -> ApiResult<HttpResponse> {
    let display_name = body.0.validate()?;
    let bot = state.store.rename_bot(caller.user.id, path.bot_id, &display_name).await?;
    state.copy_user_changes().await;
    Ok(HttpResponse::Ok().json(bot))
}

/// Deletes a bot: its token stops working at once; its messages stay, under its name.
#[utoipa::path(tag = "bots", security(("bearer" = [])), params(BotPath), responses(
    (status = 204, description = "Deleted"),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 404, response = crate::openapi::NotFound)))]
#[delete("/bots/{bot_id}")]
pub async fn remove(state: web::Data<AppState>, caller: Caller, path: web::Path<BotPath>) -> ApiResult<HttpResponse> {
    state.store.delete_bot(caller.user.id, path.bot_id).await?;
    state.copy_user_changes().await;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotates a bot's token: the old one is revoked at once, the new one shown this once. The body
/// (optional) may limit the new token to chosen chats.
#[utoipa::path(tag = "bots", security(("bearer" = [])), params(BotPath),
    request_body(content = Option<chat_domain::TokenDraft>, description = "Optional; `{}` or no body for an unlimited token"),
    responses(
    (status = 200, description = "The bot and its new token", body = chat_domain::BotSession),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[post("/bots/{bot_id}/token")]
pub async fn rotate_token(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<BotPath>,
    body: OptionalJsonBody<TokenDraft>,
) -> ApiResult<HttpResponse> {
    let scope: ChatScope = body.0.validate()?;
    let (token, token_hash) = new_token()?;
    let bot = state.store.replace_bot_token(caller.user.id, path.bot_id, Some((&token_hash, &scope))).await?;
    Ok(HttpResponse::Ok().json(BotSession { bot, token }))
}

/// Revokes a bot's token, leaving it none until the next rotation.
#[utoipa::path(tag = "bots", security(("bearer" = [])), params(BotPath), responses(
    (status = 204, description = "Revoked"),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 404, response = crate::openapi::NotFound)))]
#[delete("/bots/{bot_id}/token")]
pub async fn revoke_token(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<BotPath>,
) -> ApiResult<HttpResponse> {
    state.store.replace_bot_token(caller.user.id, path.bot_id, None).await?;
    Ok(HttpResponse::NoContent().finish())
}
