//! The 503 of an unreachable database, declared once for every operation that reads or writes it
//! instead of in each handler's annotation, where a new route could forget it.

use super::problems::Unavailable;
use super::shared_response;
use actix_web::dev::{AppService, HttpServiceFactory};
use utoipa::ToResponse;
use utoipa::openapi::path::Paths;
use utoipa::openapi::{RefOr, Schema};
use utoipa_actix_web::OpenApiFactory;

/// Registers the routes of `S` unchanged, and documents a 503 on each of their operations: each
/// reads or writes the database (authenticating a token is a read), so each answers 503 when
/// the database cannot be reached. Routes that never touch it are registered without this.
#[derive(Debug)]
pub struct WithStoreErrors<S>(pub S);

impl<S: HttpServiceFactory> HttpServiceFactory for WithStoreErrors<S> {
    fn register(self, config: &mut AppService) {
        self.0.register(config);
    }
}

impl<S: OpenApiFactory> OpenApiFactory for WithStoreErrors<S> {
    fn paths(&self) -> Paths {
        let mut paths = self.0.paths();
        let (name, _) = Unavailable::response();
        for item in paths.paths.values_mut() {
            shared_response::operations_mut(item).for_each(|operation| shared_response::add(operation, "503", name));
        }
        paths
    }

    fn schemas(&self, schemas: &mut Vec<(String, RefOr<Schema>)>) {
        self.0.schemas(schemas);
    }
}
