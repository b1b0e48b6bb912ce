//! The caller's own account.

use crate::extract::Caller;
use actix_web::{HttpResponse, get};

#[get("/users/me")]
pub async fn me(caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(caller.user)
}
