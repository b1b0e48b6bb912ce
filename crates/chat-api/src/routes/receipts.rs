//! Who got a message and who read it.

use crate::extract::{Caller, MessagePath, ReadPosition};
use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};

/// Every member but the author, with when the message reached one of their devices and when they
/// read it; for the author and the chat's admins and owners.
#[utoipa::path(tag = "messages", security(("bearer" = [])), params(MessagePath),
    responses(
    (status = 200, description = "One receipt per member other than the author", body = chat_domain::ReceiptList),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound)))]
#[get("/messages/{message_id}/receipts")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    mut seen: ReadPosition,
    path: web::Path<MessagePath>,
) -> ApiResult<HttpResponse> {
    let receipts = state.message_store(path.message_id).receipts(&mut seen.0, path.message_id, caller.user.id).await?;
    Ok(seen.answer().json(receipts))
}
