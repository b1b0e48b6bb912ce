//! The OpenAPI 3.1 document, generated from the handlers' annotations as they are registered,
//! so a route cannot exist without its description.

mod flattened;
mod path_errors;
mod problems;

use actix_web::{HttpResponse, get, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

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

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The document, serialised once when the app is built.
#[derive(Clone, Debug)]
pub struct OpenApiJson(pub String);

impl OpenApiJson {
    /// Serialises the assembled document, each flattened struct described as one object.
    pub fn new(mut openapi: utoipa::openapi::OpenApi) -> Self {
        flattened::merge(&mut openapi);
        Self(openapi.to_json().unwrap_or_default())
    }
}

/// This document.
#[utoipa::path(tag = "meta", responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
#[get("/openapi.json")]
pub async fn document(document: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(document.0.clone())
}

pub use path_errors::WithPathErrors;
pub use problems::*;
