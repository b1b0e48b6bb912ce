//! Server-wide moderation: the audit log for moderators, suspensions, server roles for admins.

use crate::extract::{Caller, JsonBody, PageSize, QueryParams, UserPath};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, put, web};
use chat_domain::moderation::{can_suspend, require_server_role, server_role};
use chat_domain::{ServerRole, ServerRolePatch, SuspensionDraft, Timestamp, UserId};

const PAGE: PageSize = PageSize { default: 50, max: 200 };

/// `user`'s server role, as `chat_domain::moderation::server_role` decides it (the operator's
/// `CHAT_ADMIN_USERNAMES` included).
pub(super) async fn role_of(state: &AppState, user: UserId) -> ApiResult<Option<ServerRole>> {
    let standing = state.store.server_standing(user).await?;
    let named = state.admin_usernames.iter().any(|name| name.eq_ignore_ascii_case(&standing.username));
    Ok(server_role(standing.given, named, standing.first_person))
}

/// The moderation audit log, newest first: every kick, ban, lifted ban, role change and deletion
/// of someone else's message, every server role given or taken, every suspension and its lifting.
#[utoipa::path(tag = "moderation", security(("bearer" = [])),
    params(("before" = Option<i64>, Query, minimum = 1, description = "Entries older than this id"),
           ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "1 to 200, default 50")),
    responses(
    (status = 200, description = "A page of the log", body = chat_domain::AuditPage),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[get("/moderation/audit")]
pub async fn audit(state: web::Data<AppState>, caller: Caller, query: QueryParams) -> ApiResult<HttpResponse> {
    let page = query.before_page(PAGE)?;
    require_server_role(role_of(&state, caller.user.id).await?, ServerRole::Moderator)?;
    Ok(HttpResponse::Ok().json(state.store.audit(page.before, page.limit).await?))
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
    require_server_role(role_of(&state, caller.user.id).await?, ServerRole::Admin)?;
    state.store.set_server_role(caller.user.id, path.user_id, body.0.role).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Refuses a caller who is no moderator (before anything is said of `target`), or whose server
/// role is not above `target`'s.
async fn may_suspend(state: &AppState, caller: &Caller, target: UserId) -> ApiResult<()> {
    let actor = role_of(state, caller.user.id).await?;
    require_server_role(actor, ServerRole::Moderator)?;
    Ok(can_suspend(actor, role_of(state, target).await?)?)
}

/// Suspends a person from the whole server until `until` (null: until lifted), for `reason`:
/// every token of theirs and of their bots is revoked at once on every server process, their
/// sockets close, and login answers 403 `account_suspended` meanwhile. Moderators suspend plain
/// users; admins moderators too. Suspending someone suspended replaces the suspension.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), params(UserPath),
    request_body = chat_domain::SuspensionDraft, responses(
    (status = 204, description = "Suspended"),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[post("/moderation/users/{user_id}/suspend")]
pub async fn suspend(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<UserPath>,
    body: JsonBody<SuspensionDraft>,
) -> ApiResult<HttpResponse> {
    let (until, reason) = body.0.validate(Timestamp::now())?;
    may_suspend(&state, &caller, path.user_id).await?;
    state.store.suspend(caller.user.id, path.user_id, until, &reason).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Lifts a person's suspension (lifting none is no error); who may is as for suspending.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), params(UserPath), responses(
    (status = 204, description = "Not suspended (any more)"),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound)))]
#[post("/moderation/users/{user_id}/unsuspend")]
pub async fn unsuspend(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<UserPath>,
) -> ApiResult<HttpResponse> {
    may_suspend(&state, &caller, path.user_id).await?;
    state.store.unsuspend(caller.user.id, path.user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
