//! `POST /hooks/{token}`: a message posted through an incoming webhook, as its bot, by the same
//! path as `POST /messages` (validation, limits, idempotency), with a rate limit per webhook.
//! The token is the credential: the path is never logged (`telemetry.rs`).

use crate::extract::{IdempotencyHeader, JsonBody};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};
use chat_domain::{DomainError, IdempotencyKey, IncomingPost, Resource};

/// Posts a message as the webhook's bot; 404 for a revoked or unknown token.
#[utoipa::path(tag = "webhooks",
    params(("token" = String, Path, description = "The incoming webhook's secret token, from its `url`"),
        ("Idempotency-Key" = Option<String>, Header, description = "As on `POST /messages`; or `idempotency_key` in the body")),
    request_body = chat_domain::IncomingPost, responses(
    (status = 200, description = "The message", body = chat_domain::Message),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 429, response = crate::openapi::TooManyRequests)))]
#[post("/hooks/{token}")]
pub async fn post(
    state: web::Data<AppState>,
    token: web::Path<String>,
    header: IdempotencyHeader,
    body: JsonBody<IncomingPost>,
) -> ApiResult<HttpResponse> {
    let hook = state
        .store
        .incoming_webhook(&crate::auth::token::hash(&token))
        .await?
        .ok_or(ApiError::Domain(DomainError::NotFound(Resource::Webhook)))?;
    state.webhooks.incoming_limiter.admit_key(hook.id)?;
    let mut post = body.0;
    let key = match post.idempotency_key.take() {
        Some(key) => Some(IdempotencyKey::parse(&key).map_err(|mut errors| {
            errors.0.iter_mut().for_each(|error| error.field = "idempotency_key".into());
            ApiError::from(errors)
        })?),
        None => header.0,
    };
    let new_message = post.into_draft(hook.chat_id)?.validate()?;
    let creation =
        state.chat_store(new_message.chat_id).create_message(hook.bot_id, &new_message, key.as_ref()).await?;
    let mut response = HttpResponse::Ok();
    if creation.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(response.json(creation.message))
}
