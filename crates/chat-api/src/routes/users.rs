//! The caller's own account.

use crate::extract::Caller;
use actix_web::{HttpResponse, get};

#[utoipa::path(tag = "users", security(("bearer" = [])), responses(
    (status = 200, description = "The caller", body = chat_domain::User),
    (status = 401, response = crate::openapi::Unauthorized)))]
#[get("/users/me")]
pub async fn me(caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(caller.user)
}
