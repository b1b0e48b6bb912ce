//! The OpenAPI 3.1 document, generated from the handlers' annotations as they are registered,
//! so a route cannot exist without its description.

mod bearer;
mod flattened;
mod path_errors;
mod problems;
mod shared_response;
mod store_errors;

use actix_web::{HttpResponse, get, web};
use bearer::BearerAuth;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "chat-backend", description = "Chats, messages, reactions and read state. Errors are problem+json."),
    modifiers(&BearerAuth),
    components(schemas(chat_domain::Problem, chat_domain::FieldError), responses(
        problems::BadRequest,
        problems::Unauthorized,
        problems::Forbidden,
        problems::NotFound,
        problems::Conflict,
        problems::PayloadTooLarge,
        problems::RangeNotSatisfiable,
        problems::Unprocessable,
        problems::TooManyRequests,
        problems::Unavailable
    ))
)]
#[derive(Debug)]
pub struct ApiDoc;

/// The document, serialised once when the app is built.
#[derive(Clone, Debug)]
pub struct OpenApiJson(pub String);

impl OpenApiJson {
    /// Serialises the assembled document, each flattened struct described as one object and
    /// each operation that requires a token documenting its 401.
    pub fn new(mut openapi: utoipa::openapi::OpenApi) -> Self {
        flattened::merge(&mut openapi);
        bearer::add_unauthorized(&mut openapi);
        Self(openapi.to_json().unwrap_or_default())
    }
}

/// This document.
// Registered outside the `/api/v1` scope, whose every other route reads the database (see
// `routes::configure`); the full path is given here for that.
#[utoipa::path(tag = "meta", responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
#[get("/api/v1/openapi.json")]
pub async fn document(document: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(document.0.clone())
}

pub use path_errors::WithPathErrors;
pub use problems::*;
pub use store_errors::WithStoreErrors;
