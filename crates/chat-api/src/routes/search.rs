//! Full-text search over the messages of the caller's chats.

use crate::extract::{Caller, QueryParams, ReadPosition};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use chat_domain::{ChatId, FieldCode, SearchQuery, SearchResults, ValidationErrors};
use chat_store::{SearchCursor, SearchOrder, SearchPage};

const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 50;

/// Messages whose text matches `q` (web-search syntax), in the caller's chats or one of them.
#[utoipa::path(tag = "messages", security(("bearer" = [])),
    params(("q" = String, Query, max_length = 200,
                description = "Words (Russian and English by stem, others as written), \"exact phrases\", -excluded; the last word is a prefix"),
           ("chat_id" = Option<i64>, Query, description = "Only this chat"),
           ("order" = Option<String>, Query, description = "`newest` (default) or `relevance`"),
           ("before" = Option<i64>, Query, minimum = 1, description = "With `order=newest`: messages older than this id"),
           ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
           ("limit" = Option<i64>, Query, minimum = 1, maximum = 50, description = "1 to 50, default 20")),
    responses(
    (status = 200, description = "A page of results", body = chat_domain::SearchResults),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[get("/search")]
pub async fn search(
    state: web::Data<AppState>,
    caller: Caller,
    mut seen: ReadPosition,
    query: QueryParams,
) -> ApiResult<HttpResponse> {
    let mut errors = ValidationErrors::default();
    let parsed = SearchQuery::parse(query.text("q").unwrap_or_default());
    let chat = query.integer(&mut errors, "chat_id", 1, i64::MAX).map(ChatId);
    let before = query.integer(&mut errors, "before", 1, i64::MAX);
    let limit = query.integer(&mut errors, "limit", 1, MAX_LIMIT).unwrap_or(DEFAULT_LIMIT);
    let order = match query.text("order").unwrap_or("newest") {
        "newest" => SearchOrder::Newest,
        "relevance" => SearchOrder::Relevance,
        _ => {
            errors.add("order", FieldCode::InvalidType, "`newest` or `relevance`");
            SearchOrder::Newest
        }
    };
    let cursor = match query.text("cursor") {
        Some(text) => parse_cursor(text).or_else(|| {
            errors.add("cursor", FieldCode::Invalid, "not a cursor this server gave out");
            None
        }),
        None => before.map(|id| SearchCursor { id, rank: f32::MAX }),
    };
    let parsed = match parsed {
        Ok(parsed) => errors.finish(parsed)?,
        Err(mut refused) => {
            refused.0.extend(errors.0);
            return Err(refused.into());
        }
    };
    let page = SearchPage { chat, order, cursor, limit };
    let found = state.clusters.search_messages(&mut seen.0, caller.user.id, &parsed, page).await?;
    let next_cursor = found.next.map(|next| format!("{}_{}", next.rank, next.id));
    Ok(seen.answer().json(SearchResults { hits: found.items, next_cursor, missing_clusters: found.missing }))
}

/// A cursor is `{rank}_{message id}` (the rank is ignored in newest-first order).
fn parse_cursor(text: &str) -> Option<SearchCursor> {
    let (rank, id) = text.split_once('_')?;
    let rank = rank.parse::<f32>().ok().filter(|rank| rank.is_finite())?;
    Some(SearchCursor { id: id.parse().ok().filter(|id| *id > 0)?, rank })
}
