//! serde's `flatten` in the document: utoipa describes a struct with a flattened field (such as
//! `ChatSummary`, which flattens its `Chat`) as an `allOf` of its parts, while the server writes
//! one object; the document describes that one object.

use utoipa::openapi::schema::{AllOf, Object, Schema, Type};
use utoipa::openapi::{OpenApi, RefOr};

/// Replaces each component schema that is an `allOf` of inline objects with one object holding
/// all their properties. An `allOf` that holds anything else is left as it is.
pub fn merge(document: &mut OpenApi) {
    let Some(components) = document.components.as_mut() else { return };
    for schema in components.schemas.values_mut() {
        if let RefOr::T(Schema::AllOf(all_of)) = schema
            && let Some(object) = merged(all_of)
        {
            *schema = RefOr::T(Schema::Object(object));
        }
    }
}

fn merged(all_of: &AllOf) -> Option<Object> {
    let mut object = Object::with_type(Type::Object);
    object.description = all_of.description.clone();
    for item in &all_of.items {
        let RefOr::T(Schema::Object(part)) = item else { return None };
        object.properties.extend(part.properties.clone());
        object.required.extend(part.required.iter().cloned());
    }
    Some(object)
}
