//! People: the caller's own account, finding others by username, and one by id.

use crate::extract::{Caller, JsonBody, QueryParams, ReadPosition, UserPath};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, get, patch, web};
use chat_domain::user::MAX_USERNAME_CHARS;
use chat_domain::{FieldCode, UserList, UserPatch, ValidationErrors};

const DEFAULT_PAGE: i64 = 20;
const MAX_PAGE: i64 = 50;

/// The caller, as stored now (a display name changed on another server process shows at once).
#[utoipa::path(tag = "users", security(("bearer" = [])), responses(
    (status = 200, description = "The caller", body = chat_domain::User)))]
#[get("/users/me")]
pub async fn me(state: web::Data<AppState>, caller: Caller, mut seen: ReadPosition) -> ApiResult<HttpResponse> {
    let me = state.store.user(&mut seen.0, caller.user.id).await?;
    Ok(seen.answer().json(me))
}

/// Changes the caller's display name, shown in member lists.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = chat_domain::UserPatch, responses(
    (status = 200, description = "The caller, renamed", body = chat_domain::User),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[patch("/users/me")]
pub async fn rename_me(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<UserPatch>,
) -> ApiResult<HttpResponse> {
    let display_name = body.0.validate()?;
    let renamed = state.store.set_display_name(caller.user.id, &display_name).await?;
    state.copy_user_changes().await;
    Ok(HttpResponse::Ok().json(renamed))
}

/// Users whose username starts with `q` (any user without it), in username order: their public
/// fields only.
#[utoipa::path(tag = "users", security(("bearer" = [])),
    params(("q" = Option<String>, Query, max_length = 32, description = "A username prefix (case-insensitive)"),
           ("limit" = Option<i64>, Query, minimum = 1, maximum = 50, description = "1 to 50, default 20"),
           ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page")),
    responses(
    (status = 200, description = "A page of users", body = chat_domain::UserList),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 429, response = crate::openapi::TooManyRequests)))]
#[get("/users")]
pub async fn search(
    req: HttpRequest,
    state: web::Data<AppState>,
    _caller: Caller,
    mut seen: ReadPosition,
    query: QueryParams,
) -> ApiResult<HttpResponse> {
    state.search_limiter.admit(&req)?;
    let mut errors = ValidationErrors::default();
    let limit = query.integer(&mut errors, "limit", 1, MAX_PAGE).unwrap_or(DEFAULT_PAGE);
    let prefix = query.text("q").unwrap_or_default().trim().to_lowercase();
    let cursor = query.text("cursor").unwrap_or_default();
    for (field, text) in [("q", prefix.as_str()), ("cursor", cursor)] {
        if text.chars().count() > MAX_USERNAME_CHARS || text.contains('\0') {
            errors.add(field, FieldCode::TooLong, format!("at most {MAX_USERNAME_CHARS} characters, no NUL"));
        }
    }
    errors.finish(())?;
    let mut users = state.store.search_users(&mut seen.0, &prefix, cursor, limit + 1).await?;
    let more = users.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    users.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = more.then(|| users.last().map(|user| user.username.clone())).flatten();
    Ok(seen.answer().json(UserList { users, next_cursor }))
}

/// One user's public fields.
#[utoipa::path(tag = "users", security(("bearer" = [])), params(UserPath), responses(
    (status = 200, description = "The user", body = chat_domain::User),
    (status = 404, response = crate::openapi::NotFound),
    (status = 429, response = crate::openapi::TooManyRequests)))]
#[get("/users/{user_id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    mut seen: ReadPosition,
    path: web::Path<UserPath>,
) -> ApiResult<HttpResponse> {
    // Walking the ids lists every account as well as searching does: the same limit.
    state.search_limiter.admit(&req)?;
    let mut user = state.store.user(&mut seen.0, path.user_id).await?;
    let live = state.connection.presence.live();
    user.presence = state.store.presence_of(caller.user.id, &caller.scope, &[user.id], live).await?.remove(&user.id);
    Ok(seen.answer().json(user))
}
