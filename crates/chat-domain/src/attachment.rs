//! Attachments: the uploads an `image` or `file` message names in `payload.upload_ids`, and the
//! rules they must pass (the author's own, ready, attached nowhere else, images for `image`).

use crate::field_code::FieldCode;
use crate::ids::UserId;
use crate::json::{JsonObject, JsonValue};
use crate::message_kind::MessageKind;
use crate::upload::{Upload, UploadId, is_inline_image};
use crate::validation::ValidationErrors;

/// The most uploads one message may carry.
pub const MAX_ATTACHMENTS: usize = 10;

/// The payload key that names a message's uploads.
pub const UPLOAD_IDS_KEY: &str = "upload_ids";

/// The uploads `payload.upload_ids` names, in order. Only `image` and `file` messages may name
/// any; each id must be a UUID, named once, at most `MAX_ATTACHMENTS` of them.
pub(crate) fn upload_ids(
    errors: &mut ValidationErrors,
    kind: MessageKind,
    payload: Option<&JsonObject>,
) -> Vec<UploadId> {
    let Some(value) = payload.and_then(|payload| payload.get(UPLOAD_IDS_KEY)) else {
        return Vec::new();
    };
    const FIELD: &str = "payload.upload_ids";
    if !kind.carries_uploads() {
        errors.add(FIELD, FieldCode::NotAllowed, "only image and file messages carry uploads");
        return Vec::new();
    }
    let JsonValue::Array(items) = value else {
        errors.add(FIELD, FieldCode::Invalid, "must be an array of upload ids");
        return Vec::new();
    };
    if items.is_empty() || items.len() > MAX_ATTACHMENTS {
        errors.add(FIELD, FieldCode::Invalid, format!("must name 1 to {MAX_ATTACHMENTS} uploads"));
        return Vec::new();
    }
    let mut ids = Vec::with_capacity(items.len());
    for item in items {
        let parsed = match item {
            JsonValue::String(text) => text.parse::<UploadId>().ok(),
            _ => None,
        };
        match parsed {
            Some(id) if !ids.contains(&id) => ids.push(id),
            Some(_) => errors.add(FIELD, FieldCode::Duplicate, "names an upload twice"),
            _ => errors.add(FIELD, FieldCode::Invalid, "must be an array of upload ids (UUID strings)"),
        }
    }
    ids
}

/// An upload a message asks to carry, as the store found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachmentCandidate {
    /// Its metadata.
    pub upload: Upload,
    /// Who uploaded it.
    pub uploader_id: UserId,
    /// Whether a message already carries it.
    pub attached: bool,
}

/// Checks that every upload of `requested` was found among `found`, is `author`'s own, attached
/// nowhere, and (for an `image` message) an image; answers them in `requested`'s order.
pub fn check_attachments(
    kind: MessageKind,
    author: UserId,
    requested: &[UploadId],
    found: Vec<AttachmentCandidate>,
) -> Result<Vec<Upload>, ValidationErrors> {
    const FIELD: &str = "payload.upload_ids";
    let mut errors = ValidationErrors::default();
    let mut uploads = Vec::with_capacity(requested.len());
    for id in requested {
        match found.iter().find(|candidate| candidate.upload.id == *id) {
            Some(candidate) if candidate.uploader_id != author => {
                errors.add(FIELD, FieldCode::NotFound, format!("{id} is not an upload of yours"));
            }
            None => errors.add(FIELD, FieldCode::NotFound, format!("{id} is not an upload of yours")),
            Some(candidate) if candidate.attached => {
                errors.add(FIELD, FieldCode::AlreadyAttached, format!("{id} is attached to another message"));
            }
            Some(candidate) if kind == MessageKind::Image && !is_inline_image(&candidate.upload.content_type) => {
                errors.add(
                    FIELD,
                    FieldCode::NotAnImage,
                    format!("{id} is {}, not an image", candidate.upload.content_type),
                );
            }
            Some(candidate) => uploads.push(candidate.upload.clone()),
        }
    }
    errors.finish(uploads)
}
