//! A chat's history, page by page.

use crate::extract::{Caller, ChatPath, MessagePage, QueryParams, ReadPosition};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, get, web};
use chat_domain::{FieldCode, HistoryPage, ValidationErrors};
use chat_store::{Cursor, ThreadReplies};

/// `?before=`, `?after=` or `?around=` a message id (at most one), `limit` 1 to 200 (default 50);
/// `threads=exclude` leaves thread replies out.
#[utoipa::path(tag = "messages", security(("bearer" = [])),
    params(ChatPath, MessagePage,
           ("threads" = Option<String>, Query,
                description = "`include` (default): every message; `exclude`: no replies posted in threads")),
    responses(
    (status = 200, description = "A page, oldest first", body = chat_domain::HistoryPage),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[get("/chats/{chat_id}/messages")]
pub async fn history(
    state: web::Data<AppState>,
    caller: Caller,
    mut seen: ReadPosition,
    path: web::Path<ChatPath>,
    query: QueryParams,
) -> ApiResult<HttpResponse> {
    let mut errors = ValidationErrors::default();
    let page = MessagePage::read(&query, &mut errors);
    let replies = match query.text("threads").unwrap_or("include") {
        "include" => ThreadReplies::Include,
        "exclude" => ThreadReplies::Exclude,
        _ => {
            errors.add("threads", FieldCode::InvalidType, "`include` or `exclude`");
            ThreadReplies::Include
        }
    };
    errors.finish(())?;
    if page.cursor == Cursor::Latest {
        let newest = &state.history_cache;
        let body = newest
            .newest_page(state.chat_store(path.chat_id), &mut seen.0, path.chat_id, caller.user.id, page.limit, replies)
            .await?;
        return Ok(seen.answer().content_type(ContentType::json()).body(body));
    }
    let found = state
        .chat_store(path.chat_id)
        .history(&mut seen.0, path.chat_id, caller.user.id, page.cursor, page.limit, replies)
        .await?;
    Ok(seen.answer().json(HistoryPage {
        messages: found.messages,
        has_older: found.has_older,
        has_newer: found.has_newer,
    }))
}
