//! Server-wide moderation: the audit log for moderators, server roles for admins.

use crate::extract::{Caller, JsonBody, QueryParams, UserPath};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::{HttpResponse, get, put, web};
use chat_domain::{DomainError, ServerRole, ServerRolePatch, ValidationErrors};

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 200;

/// The caller's server role: admin if named in `CHAT_ADMIN_USERNAMES`, else as the store has it.
pub(super) async fn role_of(state: &AppState, caller: &Caller) -> ApiResult<Option<ServerRole>> {
    if state.admin_usernames.iter().any(|name| name.eq_ignore_ascii_case(&caller.user.username)) {
        return Ok(Some(ServerRole::Admin));
    }
    Ok(state.store.server_role(caller.user.id).await?)
}

/// Refuses a caller below `needed`.
async fn require(state: &AppState, caller: &Caller, needed: ServerRole) -> ApiResult<()> {
    match role_of(state, caller).await? {
        Some(role) if role >= needed => Ok(()),
        _ => Err(ApiError::Domain(DomainError::Forbidden("needs a server moderator or admin"))),
    }
}

/// The moderation audit log, newest first: every kick, ban, lifted ban, role change and deletion
/// of someone else's message, and every server role given or taken.
#[utoipa::path(tag = "moderation", security(("bearer" = [])),
    params(("before" = Option<i64>, Query, minimum = 1, description = "Entries older than this id"),
           ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "1 to 200, default 50")),
    responses(
    (status = 200, description = "A page of the log", body = chat_domain::AuditPage),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[get("/moderation/audit")]
pub async fn audit(state: web::Data<AppState>, caller: Caller, query: QueryParams) -> ApiResult<HttpResponse> {
    let mut errors = ValidationErrors::default();
    let before = query.integer(&mut errors, "before", 1, i64::MAX);
    let limit = query.integer(&mut errors, "limit", 1, MAX_LIMIT).unwrap_or(DEFAULT_LIMIT);
    errors.finish(())?;
    require(&state, &caller, ServerRole::Moderator).await?;
    Ok(HttpResponse::Ok().json(state.store.audit(before, limit).await?))
}

/// Gives a person a server role (`moderator` or `admin`), or takes it away (`null`); admins only.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), params(UserPath),
    request_body = chat_domain::ServerRolePatch, responses(
    (status = 204, description = "Set"),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[put("/moderation/users/{user_id}/role")]
pub async fn set_role(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<UserPath>,
    body: JsonBody<ServerRolePatch>,
) -> ApiResult<HttpResponse> {
    require(&state, &caller, ServerRole::Admin).await?;
    state.store.set_server_role(caller.user.id, path.user_id, body.0.role).await?;
    Ok(HttpResponse::NoContent().finish())
}
