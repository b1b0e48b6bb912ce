//! Where the caller was mentioned.

use crate::extract::{Caller, PageSize, QueryParams};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use chat_domain::{MentionList, MessageId};

const PAGE: PageSize = PageSize { default: 20, max: 50 };

/// The messages that mention the caller, newest first, in the chats the caller is in.
#[utoipa::path(tag = "messages", security(("bearer" = [])),
    params(("before" = Option<i64>, Query, minimum = 1, description = "Mentions in messages older than this id"),
           ("limit" = Option<i64>, Query, minimum = 1, maximum = 50, description = "1 to 50, default 20")),
    responses(
    (status = 200, description = "A page of mentions", body = chat_domain::MentionList),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[get("/mentions")]
pub async fn list(state: web::Data<AppState>, caller: Caller, query: QueryParams) -> ApiResult<HttpResponse> {
    let page = query.before_page(PAGE)?;
    let found = state.clusters.mentions_of(caller.user.id, page.before.map(MessageId), page.limit).await?;
    Ok(HttpResponse::Ok().json(MentionList {
        messages: found.items,
        next_before: found.next,
        missing_clusters: found.missing,
    }))
}
