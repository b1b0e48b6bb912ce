//! A thread: the replies under one message, page by page, with their root.

use super::history::page_position;
use crate::extract::{Caller, QueryParams, ThreadPath};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use chat_domain::ValidationErrors;

/// The thread of message `message_id` (its root, or any reply in it): the root, whole, and a page of its
/// replies, with the cursors of chat history.
#[utoipa::path(tag = "messages", security(("bearer" = [])),
    params(ThreadPath,
           ("before" = Option<i64>, Query, minimum = 1, description = "Replies older than this id"),
           ("after" = Option<i64>, Query, minimum = 0, description = "Replies newer than this id"),
           ("around" = Option<i64>, Query, minimum = 1, description = "Replies around this id, itself included"),
           ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "1 to 200, default 50")),
    responses(
    (status = 200, description = "The root and a page of replies, oldest first", body = chat_domain::ThreadPage),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[get("/messages/{message_id}/thread")]
pub async fn thread(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ThreadPath>,
    query: QueryParams,
) -> ApiResult<HttpResponse> {
    let mut errors = ValidationErrors::default();
    let (cursor, limit) = page_position(&query, &mut errors);
    errors.finish(())?;
    let page = state.store.thread(path.message_id, caller.user.id, cursor, limit).await?;
    Ok(HttpResponse::Ok().json(page))
}
