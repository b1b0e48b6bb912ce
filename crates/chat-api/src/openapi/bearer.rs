//! The bearer token in the document: its security scheme, and the 401 of every operation that
//! requires it, declared once instead of in each handler's annotation.

use super::problems::Unauthorized;
use super::shared_response;
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::{Modify, ToResponse};

/// The scheme's name, as handlers' annotations give it in `security(("bearer" = []))`.
const SCHEME: &str = "bearer";

/// Declares the `bearer` security scheme.
pub(super) struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApi) {
        let scheme = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(SCHEME, SecurityScheme::Http(scheme));
    }
}

/// Documents the 401 of every operation that requires the token: the `Caller` extractor refuses
/// a missing, unknown, expired or revoked one before the handler runs. Operations that read a
/// token themselves (login's credentials, the WebSocket's query parameter) declare their own.
pub(super) fn add_unauthorized(openapi: &mut OpenApi) {
    let (name, _) = Unauthorized::response();
    for item in openapi.paths.paths.values_mut() {
        shared_response::operations_mut(item)
            .filter(|operation| requires_token(operation))
            .for_each(|operation| shared_response::add(operation, "401", name));
    }
}

/// True when every way the operation may be called needs the bearer token (none is anonymous).
fn requires_token(operation: &Operation) -> bool {
    let bearer = SecurityRequirement::new(SCHEME, Vec::<String>::new());
    let alternatives = operation.security.as_deref().unwrap_or_default();
    !alternatives.is_empty() && alternatives.iter().all(|alternative| *alternative == bearer)
}
