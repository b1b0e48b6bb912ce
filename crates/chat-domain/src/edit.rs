//! Editing a message: the new body, and the versions an edit leaves behind.

use crate::field_code::FieldCode;
use crate::json::{JsonObject, JsonValue};
pub use crate::message::EditedBody;
use crate::message::Message;
use crate::message_kind::MessageKind;
use crate::new_message::check_body;
use crate::timestamp::Timestamp;
use crate::validation::ValidationErrors;
use serde::{Deserialize, Serialize};

/// The body of `PATCH /messages/{id}`. Absent fields keep their current value.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MessagePatch {
    /// The new text, under the same rules as on create (1 to 4000 characters, not only
    /// whitespace). Absent or null keeps the current text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The new payload, a JSON object of at most 16 KiB. Absent or null keeps the current one: a
    /// payload cannot be cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub payload: Option<JsonValue>,
}

impl MessagePatch {
    /// Applies the patch to `current` and re-validates the result under the message's type.
    pub fn apply(self, current: &Message) -> Result<EditedBody, ValidationErrors> {
        if self.content.is_none() && self.payload.is_none() {
            return Err(ValidationErrors::single("body", FieldCode::EmptyPatch, "give content, payload or both"));
        }
        let content = self.content.or_else(|| current.content.clone());
        let payload = match self.payload {
            Some(payload) => Some(payload),
            None => current.payload.clone().map(JsonValue::Object),
        };
        let mut errors = ValidationErrors::default();
        let kind: MessageKind = current.kind;
        let (content, payload) = check_body(&mut errors, kind, content, payload);
        errors.finish(EditedBody { content, payload })
    }
}

/// An earlier version of a message, as `GET /messages/{id}/edits` lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageVersion {
    /// That version's text; null if it had none.
    pub content: Option<String>,
    /// That version's payload object; null if it had none.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub payload: Option<JsonObject>,
    /// When this version was written.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub written_at: Timestamp,
    /// When an edit replaced it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub replaced_at: Timestamp,
}
