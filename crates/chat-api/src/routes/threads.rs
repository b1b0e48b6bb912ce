//! A thread: the replies under one message, page by page, with their root.

use crate::extract::{Caller, MessagePage, QueryParams, ReadPosition, ThreadPath};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use chat_domain::ValidationErrors;

/// The thread of message `message_id` (its root, or any reply in it): the root, whole, and a page of its
/// replies, with the cursors of chat history.
#[utoipa::path(tag = "messages", security(("bearer" = [])),
    params(ThreadPath, MessagePage),
    responses(
    (status = 200, description = "The root and a page of replies, oldest first", body = chat_domain::ThreadPage),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[get("/messages/{message_id}/thread")]
pub async fn thread(
    state: web::Data<AppState>,
    caller: Caller,
    mut seen: ReadPosition,
    path: web::Path<ThreadPath>,
    query: QueryParams,
) -> ApiResult<HttpResponse> {
    let mut errors = ValidationErrors::default();
    let page = MessagePage::read(&query, &mut errors);
    errors.finish(())?;
    let thread = state
        .message_store(path.message_id)
        .thread(&mut seen.0, path.message_id, caller.user.id, page.cursor, page.limit)
        .await?;
    Ok(seen.answer().json(thread))
}
