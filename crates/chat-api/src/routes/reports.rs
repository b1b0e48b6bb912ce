//! Reports: filed by anyone about a message of their chat or a user; handled by the reported
//! chat's owner and admins and by server moderators.

use super::moderation::role_of;
use crate::extract::{Caller, JsonBody, PageSize, QueryParams, ReportPath};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use chat_domain::{ReportDraft, ReportResolution, ServerRole};

const PAGE: PageSize = PageSize { default: 50, max: 200 };

/// Reports a message (of a chat the caller is in) or a user, with a reason. A message's text is
/// kept with the report as evidence, though its author delete it.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), request_body = chat_domain::ReportDraft, responses(
    (status = 201, description = "Filed", body = chat_domain::Report),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[post("/reports")]
pub async fn file(state: web::Data<AppState>, caller: Caller, body: JsonBody<ReportDraft>) -> ApiResult<HttpResponse> {
    let (target, reason) = body.0.validate()?;
    let report = state.store.file_report(caller.user.id, target, &reason).await?;
    Ok(HttpResponse::Created().json(report))
}

/// The reports the caller handles, newest first: all of them for a server moderator or admin,
/// else those about chats where the caller is an owner or admin (none for anyone else).
#[utoipa::path(tag = "moderation", security(("bearer" = [])),
    params(("before" = Option<i64>, Query, minimum = 1, description = "Reports older than this id"),
           ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "1 to 200, default 50")),
    responses(
    (status = 200, description = "A page of reports", body = chat_domain::ReportList),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[get("/reports")]
pub async fn list(state: web::Data<AppState>, caller: Caller, query: QueryParams) -> ApiResult<HttpResponse> {
    let page = query.before_page(PAGE)?;
    let moderator = role_of(&state, caller.user.id).await? >= Some(ServerRole::Moderator);
    Ok(HttpResponse::Ok().json(state.store.reports(caller.user.id, moderator, page.before, page.limit).await?))
}

/// Resolves a report the caller handles with an action and a note (recorded in the audit log).
#[utoipa::path(tag = "moderation", security(("bearer" = [])), params(ReportPath),
    request_body = chat_domain::ReportResolution, responses(
    (status = 200, description = "The report, resolved", body = chat_domain::Report),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[post("/reports/{report_id}/resolve")]
pub async fn resolve(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ReportPath>,
    body: JsonBody<ReportResolution>,
) -> ApiResult<HttpResponse> {
    let (action, note) = body.0.validate()?;
    let moderator = role_of(&state, caller.user.id).await? >= Some(ServerRole::Moderator);
    let report = state.store.resolve_report(caller.user.id, moderator, path.report_id, action, note.as_deref()).await?;
    Ok(HttpResponse::Ok().json(report))
}
