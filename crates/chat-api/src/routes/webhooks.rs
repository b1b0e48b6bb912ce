//! Webhooks: registering, listing, re-enabling and revoking them, and an outgoing one's recent
//! deliveries. (Posting through an incoming one is `incoming.rs`; slash commands `commands.rs`.)

use crate::extract::{Caller, ChatPath, JsonBody, WebhookPath};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chat_domain::{DeliveryList, WebhookDraft, WebhookList, WebhookPatch};

/// Registers a webhook: an admin's, or (outgoing, with `bot_id`) one acting for the caller's bot.
/// The secret (outgoing) or the URL (incoming) is shown in this answer only.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(ChatPath),
    request_body = chat_domain::WebhookDraft, responses(
    (status = 201, description = "The webhook, and its secret or URL", body = chat_domain::CreatedWebhook),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[post("/chats/{chat_id}/webhooks")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ChatPath>,
    body: JsonBody<WebhookDraft>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let draft = body.0.validate()?;
    let base_url = {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    };
    let created =
        crate::webhooks::register(&state.store, &state.webhooks, path.chat_id, caller.user.id, draft, &base_url)
            .await?;
    Ok(HttpResponse::Created().json(created))
}

/// The chat's webhooks (admins only), without their secrets.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(ChatPath), responses(
    (status = 200, description = "The webhooks", body = chat_domain::WebhookList),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound)))]
#[get("/chats/{chat_id}/webhooks")]
pub async fn list(state: web::Data<AppState>, caller: Caller, path: web::Path<ChatPath>) -> ApiResult<HttpResponse> {
    let webhooks = state.store.chat_webhooks(path.chat_id, caller.user.id).await?;
    Ok(HttpResponse::Ok().json(WebhookList { webhooks }))
}

/// Revokes a webhook: nothing more is sent to it; an incoming one's URL answers 404.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(WebhookPath), responses(
    (status = 204, description = "Revoked"),
    (status = 404, response = crate::openapi::NotFound)))]
#[delete("/webhooks/{webhook_id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<WebhookPath>,
) -> ApiResult<HttpResponse> {
    state.store.revoke_webhook(path.webhook_id, caller.user.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `{"enabled": true}` sends to a failing webhook again; `false` pauses it.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(WebhookPath),
    request_body = chat_domain::WebhookPatch, responses(
    (status = 200, description = "The webhook", body = chat_domain::Webhook),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[patch("/webhooks/{webhook_id}")]
pub async fn enable(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<WebhookPath>,
    body: JsonBody<WebhookPatch>,
) -> ApiResult<HttpResponse> {
    let webhook = state.store.enable_webhook(path.webhook_id, caller.user.id, body.0.enabled).await?;
    Ok(HttpResponse::Ok().json(webhook))
}

/// An outgoing webhook's newest deliveries (at most 100), with their answers' statuses.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(WebhookPath), responses(
    (status = 200, description = "The deliveries, newest first", body = chat_domain::DeliveryList),
    (status = 404, response = crate::openapi::NotFound)))]
#[get("/webhooks/{webhook_id}/deliveries")]
pub async fn deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<WebhookPath>,
) -> ApiResult<HttpResponse> {
    let deliveries = state.store.webhook_deliveries(path.webhook_id, caller.user.id).await?;
    Ok(HttpResponse::Ok().json(DeliveryList { deliveries }))
}
