//! Messages: the seed's `POST /messages`, reading, editing and deleting one, and its edit history.

use super::moderation::role_of;
use crate::extract::{Caller, IdempotencyHeader, JsonBody, MessagePath, QueryParams};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chat_domain::moderation::deletion_reason;
use chat_domain::{ChatScope, DomainError, EditList, MessageDraft, MessagePatch, Resource, ServerRole};
use chat_store::StoreError;

/// 200 with the whole message, as the seed's clients expect; a replay adds `Idempotent-Replayed: true`.
#[utoipa::path(tag = "messages", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[ -~]+$",
        description = "1 to 255 printable ASCII characters; a retry with the same key and body replays the first answer")),
    request_body = chat_domain::MessageDraft, responses(
    (status = 200, description = "The whole message", body = chat_domain::Message,
        headers(("Idempotent-Replayed" = String, description = "`true` when this answer replays an earlier request"))),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[post("/messages")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyHeader,
    body: JsonBody<MessageDraft>,
) -> ApiResult<HttpResponse> {
    let new_message = body.0.validate()?;
    caller.reaches(new_message.chat_id)?;
    let creation =
        state.chat_store(new_message.chat_id).create_message(caller.user.id, &new_message, key.0.as_ref()).await?;
    let mut response = HttpResponse::Ok();
    if creation.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(response.json(creation.message))
}

#[utoipa::path(tag = "messages", security(("bearer" = [])), params(MessagePath), responses(
    (status = 200, description = "The whole message", body = chat_domain::Message),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 404, response = crate::openapi::NotFound)))]
#[get("/messages/{message_id}")]
pub async fn get(state: web::Data<AppState>, caller: Caller, path: web::Path<MessagePath>) -> ApiResult<HttpResponse> {
    let message = state.message_store(path.message_id).message_for_member(path.message_id, caller.user.id).await?;
    Ok(HttpResponse::Ok().json(message))
}

/// Edits a message (author only); the replaced version is kept.
#[utoipa::path(tag = "messages", security(("bearer" = [])), params(MessagePath),
    request_body = chat_domain::MessagePatch, responses(
    (status = 200, description = "The edited message", body = chat_domain::Message),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[patch("/messages/{message_id}")]
pub async fn edit(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MessagePath>,
    body: JsonBody<MessagePatch>,
) -> ApiResult<HttpResponse> {
    let message = state.message_store(path.message_id).edit_message(path.message_id, caller.user.id, body.0).await?;
    Ok(HttpResponse::Ok().json(message))
}

/// Deletes a message (author, a chat admin or owner, or a server moderator in any chat) and
/// answers its tombstone, which says who deleted it and the `reason` given, if any; deleting
/// again answers the same tombstone.
#[utoipa::path(tag = "messages", security(("bearer" = [])),
    params(MessagePath, ("reason" = Option<String>, Query, max_length = 500,
        description = "Why, shown on the tombstone and written to the audit log; 1 to 500 characters")),
    responses(
    (status = 200, description = "The tombstone", body = chat_domain::Message),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[delete("/messages/{message_id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MessagePath>,
    query: QueryParams,
) -> ApiResult<HttpResponse> {
    let reason = deletion_reason(query.text("reason"))?;
    let (id, actor, reason) = (path.message_id, caller.user.id, reason.as_deref());
    // As a member first (nearly every delete: the author's own); the server role is read only
    // when that is refused, and a token limited to chosen chats acts as a member only, whoever
    // holds it.
    let message = match state.message_store(id).delete_message(id, actor, false, reason).await {
        Err(StoreError::Domain(DomainError::NotFound(Resource::Message) | DomainError::Forbidden(_)))
            if caller.scope == ChatScope::Every && role_of(&state, actor).await? >= Some(ServerRole::Moderator) =>
        {
            state.clusters.delete_message_as_moderator(id, actor, reason).await?
        }
        outcome => outcome?,
    };
    // The tombstone promise: its files' bytes go before the answer (the janitor retries failures).
    if message.kind.carries_uploads() {
        crate::uploads::janitor::erase_files_of(&state.store, &state.media, message.id).await;
    }
    Ok(HttpResponse::Ok().json(message))
}

#[utoipa::path(tag = "messages", security(("bearer" = [])), params(MessagePath), responses(
    (status = 200, description = "Earlier versions, oldest first", body = chat_domain::EditList),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 404, response = crate::openapi::NotFound)))]
#[get("/messages/{message_id}/edits")]
pub async fn edits(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MessagePath>,
) -> ApiResult<HttpResponse> {
    let edits = state.message_store(path.message_id).message_versions(path.message_id, caller.user.id).await?;
    Ok(HttpResponse::Ok().json(EditList { edits }))
}
