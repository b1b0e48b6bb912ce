//! Accounts and sessions: register, log in, log out.

use crate::auth::token;
use crate::extract::{Caller, JsonBody};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chat_domain::{Credentials, Session};
use chat_store::{LoginAccount, NewAccount};

fn new_token() -> ApiResult<String> {
    token::generate().map_err(|error| ApiError::Internal(format!("random token: {error}")))
}

#[utoipa::path(tag = "auth", request_body = chat_domain::Credentials, responses(
    (status = 201, description = "The new account and its first token", body = chat_domain::Session),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 409, response = crate::openapi::Conflict),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 429, response = crate::openapi::TooManyRequests)))]
#[post("/auth/register")]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<Credentials>,
) -> ApiResult<HttpResponse> {
    state.auth_limiter.admit(&req)?;
    let credentials = body.0;
    credentials.validate_new()?;
    let password_hash = state.passwords.hash(credentials.password.clone()).await?;
    let token = new_token()?;
    let account = NewAccount {
        username: &credentials.username,
        display_name: credentials.display_name.as_deref().unwrap_or(&credentials.username),
        password_hash: &password_hash,
        token_hash: &token::hash(&token),
        token_ttl: state.token_ttl,
    };
    let user = state.store.register(account).await?;
    Ok(HttpResponse::Created().json(Session { user, token }))
}

#[utoipa::path(tag = "auth", request_body = chat_domain::Credentials, responses(
    (status = 200, description = "A new token", body = chat_domain::Session),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 429, response = crate::openapi::TooManyRequests)))]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<Credentials>,
) -> ApiResult<HttpResponse> {
    state.auth_limiter.admit(&req)?;
    let Credentials { username, password, .. } = body.0;
    let found = state.store.find_login(&username).await?;
    let (account, stored_hash) = match found {
        Some(LoginAccount { user, password_hash, suspension }) => (Some((user, suspension)), Some(password_hash)),
        None => (None, None),
    };
    let verified = state.passwords.verify(password, stored_hash).await?;
    let (user, suspension) = account.filter(|_| verified).ok_or(ApiError::InvalidCredentials)?;
    // Only someone who knows the password learns of the suspension.
    if let Some(suspension) = suspension {
        return Err(ApiError::AccountSuspended(suspension));
    }
    let token = new_token()?;
    state.store.issue_token(user.id, &token::hash(&token), state.token_ttl).await?;
    Ok(HttpResponse::Ok().json(Session { user, token }))
}

/// Revokes the token this request came with; the caller's other sessions stay signed in.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses(
    (status = 204, description = "The token is revoked")))]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    state.store.revoke_token(&caller.token_hash).await?;
    Ok(HttpResponse::NoContent().finish())
}
