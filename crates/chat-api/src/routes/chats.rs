//! Chats: start one, list them, look at one, rename one.

use crate::extract::{Caller, ChatPath, IdempotencyHeader, JsonBody, QueryParams, ReadPosition};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, get, patch, post, put, web};
use chat_domain::{ChatDraft, ChatId, ChatList, ChatPatch, FieldCode, SlowMode, ValidationErrors};
use chat_store::{ChatCursor, Seen};
use time::OffsetDateTime;

const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 100;

/// 201 with a new chat; 200 with the existing one when a direct chat with that person exists, or
/// when an `Idempotency-Key` replays an earlier request (then with `Idempotent-Replayed: true`).
/// A replay after the caller has left the chat (or been removed) answers 403 `not_a_member`, as a
/// message's replay does.
#[utoipa::path(tag = "chats", security(("bearer" = [])), request_body = chat_domain::ChatDraft,
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[ -~]+$",
        description = "1 to 255 printable ASCII characters; a retry with the same key and body answers the first chat")),
    responses(
    (status = 201, description = "Created", body = chat_domain::ChatSummary),
    (status = 200, description = "The existing direct chat of this pair, or a replay", body = chat_domain::ChatSummary),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[post("/chats")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyHeader,
    body: JsonBody<ChatDraft>,
) -> ApiResult<HttpResponse> {
    let new_chat = body.0.validate(caller.user.id)?;
    let creation = state.clusters.create_chat(&new_chat, key.0.as_ref()).await?;
    // Read on the primary, which holds what was just written.
    let mut seen = ReadPosition(Seen::nothing());
    let summary =
        state.chat_store(creation.chat.id).chat_summary(&mut seen.0, creation.chat.id, caller.user.id).await?;
    let mut response = if creation.created { HttpResponse::Created() } else { HttpResponse::Ok() };
    seen.stamp(&mut response);
    if creation.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(response.json(summary))
}

/// The caller's chats, most recently active first.
#[utoipa::path(tag = "chats", security(("bearer" = [])),
    params(("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "1 to 100, default 50"),
           ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page")),
    responses(
    (status = 200, description = "A page of the caller's chats", body = chat_domain::ChatList),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[get("/chats")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    mut seen: ReadPosition,
    query: QueryParams,
) -> ApiResult<HttpResponse> {
    let mut errors = ValidationErrors::default();
    let limit = query.integer(&mut errors, "limit", 1, MAX_PAGE).unwrap_or(DEFAULT_PAGE);
    let cursor = query.text("cursor").and_then(|text| {
        let parsed = parse_cursor(text);
        if parsed.is_none() {
            errors.add("cursor", FieldCode::Invalid, "not a cursor this server gave out");
        }
        parsed
    });
    errors.finish(())?;
    let limit = u32::try_from(limit).unwrap_or(50);
    let page = state.clusters.chats_of(&mut seen.0, caller.user.id, &caller.scope, cursor, limit).await?;
    let next_cursor = page.next.map(|next| format!("{}_{}", next.activity.unix_timestamp_nanos() / 1000, next.chat_id));
    Ok(seen.answer().json(ChatList { chats: page.chats, next_cursor, missing_clusters: page.missing }))
}

/// A cursor is `{unix microseconds}_{chat id}`; times outside 1970-9999 cannot come from this
/// server (and PostgreSQL could not compare them).
fn parse_cursor(text: &str) -> Option<ChatCursor> {
    let (micros, chat) = text.split_once('_')?;
    let micros = micros.parse::<i128>().ok().filter(|micros| (0..253_402_300_800_000_000).contains(micros))?;
    let activity = OffsetDateTime::from_unix_timestamp_nanos(micros * 1000).ok()?;
    Some(ChatCursor { activity, chat_id: ChatId(chat.parse().ok()?) })
}

#[utoipa::path(tag = "chats", security(("bearer" = [])), params(ChatPath), responses(
    (status = 200, description = "The chat", body = chat_domain::ChatSummary),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 404, response = crate::openapi::NotFound)))]
#[get("/chats/{chat_id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    mut seen: ReadPosition,
    path: web::Path<ChatPath>,
) -> ApiResult<HttpResponse> {
    let chat = state.chat_store(path.chat_id).chat_summary(&mut seen.0, path.chat_id, caller.user.id).await?;
    Ok(seen.answer().json(chat))
}

/// Renames a group chat (owner or admin).
#[utoipa::path(tag = "chats", security(("bearer" = [])), params(ChatPath),
    request_body = chat_domain::ChatPatch, responses(
    (status = 200, description = "The renamed chat", body = chat_domain::ChatSummary),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[patch("/chats/{chat_id}")]
pub async fn rename(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ChatPath>,
    body: JsonBody<ChatPatch>,
) -> ApiResult<HttpResponse> {
    let chat = state.chat_store(path.chat_id).rename_chat(path.chat_id, caller.user.id, body.0).await?;
    Ok(HttpResponse::Ok().json(chat))
}

/// Sets a group chat's slow mode (owner or admin): each plain member posts at most once every
/// `seconds` (0 turns it off); a post sooner is answered 429 `rate_limited` with `Retry-After`.
#[utoipa::path(tag = "chats", security(("bearer" = [])), params(ChatPath),
    request_body = chat_domain::SlowMode, responses(
    (status = 200, description = "The chat, with its `slow_mode_secs`", body = chat_domain::ChatSummary),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[put("/chats/{chat_id}/slow_mode")]
pub async fn set_slow_mode(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ChatPath>,
    body: JsonBody<SlowMode>,
) -> ApiResult<HttpResponse> {
    let chat = state.chat_store(path.chat_id).set_slow_mode(path.chat_id, caller.user.id, body.0).await?;
    Ok(HttpResponse::Ok().json(chat))
}
