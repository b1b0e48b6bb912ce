//! Liveness and readiness probes for orchestrators and load balancers.

use crate::problem::ApiResult;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};

/// The process is up and serving HTTP.
#[utoipa::path(tag = "health", responses((status = 200, description = "Serving", body = crate::openapi::StatusSchema)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// The process can serve requests: its database answers.
#[utoipa::path(tag = "health", responses(
    (status = 200, description = "The database answers", body = crate::openapi::StatusSchema),
    (status = 503, response = crate::openapi::Unavailable)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    state.store.ping().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })))
}
