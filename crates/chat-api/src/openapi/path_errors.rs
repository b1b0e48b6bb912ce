//! The 400 `invalid_path` answer, declared once for every operation with a path parameter
//! instead of in each handler's annotation, where a new route could forget it.

use super::problems::BadRequest;
use super::shared_response;
use actix_web::dev::{AppService, HttpServiceFactory};
use utoipa::ToResponse;
use utoipa::openapi::path::{Parameter, ParameterIn, PathItem, Paths};
use utoipa::openapi::{RefOr, Schema};
use utoipa_actix_web::OpenApiFactory;

/// Registers the routes of `S` unchanged, and documents the 400 of each of its operations that
/// takes a path parameter: a segment that does not parse (`/chats/abc`, an id past `i64::MAX`)
/// is refused by the path extractor before the handler runs.
#[derive(Debug)]
pub struct WithPathErrors<S>(pub S);

impl<S: HttpServiceFactory> HttpServiceFactory for WithPathErrors<S> {
    fn register(self, config: &mut AppService) {
        self.0.register(config);
    }
}

impl<S: OpenApiFactory> OpenApiFactory for WithPathErrors<S> {
    fn paths(&self) -> Paths {
        let mut paths = self.0.paths();
        paths.paths.values_mut().for_each(add_bad_request);
        paths
    }

    fn schemas(&self, schemas: &mut Vec<(String, RefOr<Schema>)>) {
        self.0.schemas(schemas);
    }
}

fn add_bad_request(item: &mut PathItem) {
    let shared = takes_path_parameter(item.parameters.as_deref());
    let (name, _) = BadRequest::response();
    for operation in shared_response::operations_mut(item) {
        if shared || takes_path_parameter(operation.parameters.as_deref()) {
            // A handler that declares its own 400 (for a body, say) keeps its description.
            shared_response::add(operation, "400", name);
        }
    }
}

fn takes_path_parameter(parameters: Option<&[Parameter]>) -> bool {
    parameters.unwrap_or_default().iter().any(|parameter| parameter.parameter_in == ParameterIn::Path)
}
