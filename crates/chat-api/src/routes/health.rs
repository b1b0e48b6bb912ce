//! Liveness and readiness probes for orchestrators and load balancers.

use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
struct Status {
    status: &'static str,
}

/// The process is up and serving HTTP.
#[utoipa::path(tag = "health", responses((status = 200, description = "Serving", body = Status)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "ok" })
}

/// The process can serve requests: its database answers.
#[utoipa::path(tag = "health", responses(
    (status = 200, description = "The database answers", body = Status)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    state.store.ping().await?;
    Ok(HttpResponse::Ok().json(Status { status: "ready" }))
}
