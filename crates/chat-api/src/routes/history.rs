//! A chat's history, page by page, and the caller's read marker in it.

use crate::extract::{Caller, JsonBody, QueryParams};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use chat_domain::{ChatId, HistoryPage, MessageId, ValidationErrors};
use chat_store::Cursor;
use serde::Deserialize;

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 200;

/// `?before=`, `?after=` or `?around=` a message id (at most one), `limit` 1 to 200 (default 50).
#[utoipa::path(tag = "messages", security(("bearer" = [])),
    params(("chat_id" = i64, Path),
           ("before" = Option<i64>, Query, minimum = 1, description = "Messages older than this id"),
           ("after" = Option<i64>, Query, minimum = 0, description = "Messages newer than this id"),
           ("around" = Option<i64>, Query, minimum = 1, description = "Messages around this id, itself included"),
           ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "1 to 200, default 50")),
    responses(
    (status = 200, description = "A page, oldest first", body = chat_domain::HistoryPage),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[get("/chats/{chat_id}/messages")]
pub async fn history(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    query: QueryParams,
) -> ApiResult<HttpResponse> {
    let mut errors = ValidationErrors::default();
    let limit = query.integer(&mut errors, "limit", 1, MAX_LIMIT).unwrap_or(DEFAULT_LIMIT);
    let cursors = [
        ("before", query.integer(&mut errors, "before", 1, i64::MAX).map(|id| Cursor::Before(MessageId(id)))),
        ("after", query.integer(&mut errors, "after", 0, i64::MAX).map(|id| Cursor::After(MessageId(id)))),
        ("around", query.integer(&mut errors, "around", 1, i64::MAX).map(|id| Cursor::Around(MessageId(id)))),
    ];
    let mut given = cursors.into_iter().filter_map(|(name, cursor)| Some((name, cursor?)));
    let cursor = given.next().map_or(Cursor::Latest, |(_, cursor)| cursor);
    if let Some((name, _)) = given.next() {
        errors.add(name, "conflicting", "give at most one of before, after and around");
    }
    errors.finish(())?;
    let limit = u32::try_from(limit).unwrap_or(50);
    let page = state.store.history(ChatId(path.into_inner()), caller.user.id, cursor, limit).await?;
    Ok(HttpResponse::Ok().json(HistoryPage {
        messages: page.messages,
        has_older: page.has_older,
        has_newer: page.has_newer,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = ReadRequest)]
#[serde(deny_unknown_fields)]
pub struct ReadBody {
    #[schema(value_type = i64)]
    message_id: MessageId,
}

/// Moves the caller's read marker forward to `message_id` (never back).
#[utoipa::path(tag = "read state", security(("bearer" = [])), params(("chat_id" = i64, Path)),
    request_body = ReadBody, responses(
    (status = 200, description = "The caller's read state after the call", body = chat_domain::ReadState),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[post("/chats/{chat_id}/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: JsonBody<ReadBody>,
) -> ApiResult<HttpResponse> {
    let read = state.store.mark_read(ChatId(path.into_inner()), caller.user.id, body.0.message_id).await?;
    Ok(HttpResponse::Ok().json(read))
}
