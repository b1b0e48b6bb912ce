//! A chat's history, page by page, and the caller's read marker in it.

use crate::extract::{Caller, ChatPath, JsonBody, QueryParams};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use chat_domain::{HistoryPage, MessageId, ValidationErrors};
use chat_store::{Cursor, ThreadReplies};
use serde::Deserialize;

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 200;

/// `?before=`, `?after=` or `?around=` a message id (at most one), `limit` 1 to 200 (default 50);
/// `threads=exclude` leaves thread replies out.
#[utoipa::path(tag = "messages", security(("bearer" = [])),
    params(ChatPath,
           ("before" = Option<i64>, Query, minimum = 1, description = "Messages older than this id"),
           ("after" = Option<i64>, Query, minimum = 0, description = "Messages newer than this id"),
           ("around" = Option<i64>, Query, minimum = 1, description = "Messages around this id, itself included"),
           ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "1 to 200, default 50"),
           ("threads" = Option<String>, Query,
                description = "`include` (default): every message; `exclude`: no replies posted in threads")),
    responses(
    (status = 200, description = "A page, oldest first", body = chat_domain::HistoryPage),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[get("/chats/{chat_id}/messages")]
pub async fn history(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ChatPath>,
    query: QueryParams,
) -> ApiResult<HttpResponse> {
    let mut errors = ValidationErrors::default();
    let (cursor, limit) = page_position(&query, &mut errors);
    let replies = match query.text("threads").unwrap_or("include") {
        "include" => ThreadReplies::Include,
        "exclude" => ThreadReplies::Exclude,
        _ => {
            errors.add("threads", "invalid_type", "`include` or `exclude`");
            ThreadReplies::Include
        }
    };
    errors.finish(())?;
    let page = state.store.history(path.chat_id, caller.user.id, cursor, limit, replies).await?;
    Ok(HttpResponse::Ok().json(HistoryPage {
        messages: page.messages,
        has_older: page.has_older,
        has_newer: page.has_newer,
    }))
}

/// Where a page of messages sits (`before`, `after` or `around`, at most one) and its `limit`, as
/// history and threads take them.
pub(super) fn page_position(query: &QueryParams, errors: &mut ValidationErrors) -> (Cursor, u32) {
    let limit = query.integer(errors, "limit", 1, MAX_LIMIT).unwrap_or(DEFAULT_LIMIT);
    let cursors = [
        ("before", query.integer(errors, "before", 1, i64::MAX).map(|id| Cursor::Before(MessageId(id)))),
        ("after", query.integer(errors, "after", 0, i64::MAX).map(|id| Cursor::After(MessageId(id)))),
        ("around", query.integer(errors, "around", 1, i64::MAX).map(|id| Cursor::Around(MessageId(id)))),
    ];
    let mut given = cursors.into_iter().filter_map(|(name, cursor)| Some((name, cursor?)));
    let cursor = given.next().map_or(Cursor::Latest, |(_, cursor)| cursor);
    if let Some((name, _)) = given.next() {
        errors.add(name, "conflicting", "give at most one of before, after and around");
    }
    (cursor, u32::try_from(limit).unwrap_or(50))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = ReadRequest)]
#[serde(deny_unknown_fields)]
pub struct ReadBody {
    #[schema(value_type = i64)]
    message_id: MessageId,
}

/// Moves the caller's read marker forward to `message_id` (never back).
#[utoipa::path(tag = "read state", security(("bearer" = [])), params(ChatPath),
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
    path: web::Path<ChatPath>,
    body: JsonBody<ReadBody>,
) -> ApiResult<HttpResponse> {
    let read = state.store.mark_read(path.chat_id, caller.user.id, body.0.message_id).await?;
    Ok(HttpResponse::Ok().json(read))
}
