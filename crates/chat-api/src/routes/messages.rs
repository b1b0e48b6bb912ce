//! Messages: the seed's `POST /messages`, and reading one back.

use crate::extract::{Caller, IdempotencyHeader, JsonBody};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use chat_domain::{MessageDraft, MessageId};

/// 200 with the whole message, as the seed's clients expect; a replay adds `Idempotent-Replayed: true`.
#[post("/messages")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyHeader,
    body: JsonBody<MessageDraft>,
) -> ApiResult<HttpResponse> {
    let new_message = body.0.validate()?;
    let creation = state
        .store
        .create_message(caller.user.id, &new_message, key.0.as_ref())
        .await?;
    let mut response = HttpResponse::Ok();
    if creation.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(response.json(creation.message))
}

#[get("/messages/{message_id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let message = state
        .store
        .message_for_member(MessageId(path.into_inner()), caller.user.id)
        .await?;
    Ok(HttpResponse::Ok().json(message))
}
