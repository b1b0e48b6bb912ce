//! A message a client asks to create, and the checks it must pass before anything is stored.

use crate::attachment::{UPLOAD_IDS_KEY, upload_ids};
use crate::field_code::FieldCode;
use crate::ids::{ChatId, MessageId, UserId};
use crate::json::{JsonObject, JsonValue, contains_nul, encoded_len};
use crate::mention::{MAX_MENTIONS, mentioned_usernames};
use crate::message_kind::MessageKind;
use crate::upload::UploadId;
use crate::validation::{ValidationErrors, check_length};
use serde::{Deserialize, Serialize};

/// The longest message `content`, in characters (not bytes).
pub const MAX_CONTENT_CHARS: usize = 4000;
/// The largest message `payload`, in bytes of compact JSON (16 KiB); more is `too_large`.
pub const MAX_PAYLOAD_BYTES: usize = 16 * 1024;

/// The body of `POST /messages` as the client sent it, not yet checked.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = NewMessage))]
#[serde(deny_unknown_fields)]
pub struct MessageDraft {
    /// The chat to post in; the caller must be a member (else 403 `not_a_member`).
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub chat_id: ChatId,
    /// `text` (the default), `image` or `file`; `system` is the server's own. May be left out, not `null`.
    #[serde(rename = "type", default = "default_kind")]
    #[cfg_attr(feature = "openapi", schema(value_type = MessageKind))]
    pub kind: String,
    /// Required for `text`: 1 to 4000 characters, not all whitespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Required for `image` and `file`: a JSON object of at most 16 KiB. Its `upload_ids`, an
    /// array of 1 to 10 ids from `POST /uploads`, attaches those files (the author's own, attached
    /// nowhere else; images only for `image`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub payload: Option<JsonValue>,
    /// A message of the same chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub reply_to_id: Option<MessageId>,
    /// Posts the message as a reply in the thread under this message of the same chat (which must
    /// not itself be a thread reply: threads do not nest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub thread_root_id: Option<MessageId>,
    /// Members to mention besides those named with `@username` in `content` (at most 50);
    /// anyone who is not a member is ignored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<i64>))]
    pub mentions: Vec<UserId>,
}

fn default_kind() -> String {
    MessageKind::Text.as_str().to_owned()
}

/// A message that passed every check that needs no stored data. (That a reply or a thread names a
/// message of the same chat is checked where the data is, in the same statement as the insert.)
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NewMessage {
    /// The chat to post in (membership is checked by the store).
    pub chat_id: ChatId,
    /// `Text`, `Image` or `File`: never `System`.
    pub kind: MessageKind,
    /// The text, 1 to 4000 characters; always `Some` for text messages.
    pub content: Option<String>,
    /// The payload object (at most 16 KiB); always `Some` for image and file messages. A `null`
    /// payload in the draft becomes `None`.
    pub payload: Option<JsonObject>,
    /// The message replied to, not yet checked to be of the same chat.
    pub reply_to_id: Option<MessageId>,
    /// The root of the thread to post in, not yet checked to be of the same chat and no reply.
    /// (Left out when absent, so idempotency fingerprints of earlier versions still match.)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_root_id: Option<MessageId>,
    /// The usernames `@`-mentioned in the content (members among them are mentioned).
    pub mentioned_usernames: Vec<String>,
    /// The users mentioned explicitly (members among them are mentioned).
    pub mentioned_ids: Vec<UserId>,
    /// The uploads `payload.upload_ids` names, in order, not yet checked to be the author's.
    /// (Not part of the idempotency fingerprint: the payload already is.)
    #[serde(skip)]
    pub upload_ids: Vec<UploadId>,
}

impl MessageDraft {
    /// A text message of `content` into `chat`: no reply, thread or explicit mentions (set those
    /// fields on the result).
    pub fn text(chat: ChatId, content: impl Into<String>) -> Self {
        Self {
            chat_id: chat,
            kind: MessageKind::Text.as_str().to_owned(),
            content: Some(content.into()),
            payload: None,
            reply_to_id: None,
            thread_root_id: None,
            mentions: Vec::new(),
        }
    }

    /// A message of `kind` (`Image` or `File`) into `chat` carrying `uploads`, in that order, as
    /// `payload.upload_ids`; no caption.
    pub fn carrying(chat: ChatId, kind: MessageKind, uploads: &[UploadId]) -> Self {
        let ids = uploads.iter().map(|id| JsonValue::String(id.to_string())).collect();
        let payload = JsonObject::from([(UPLOAD_IDS_KEY.to_owned(), JsonValue::Array(ids))]);
        Self {
            chat_id: chat,
            kind: kind.as_str().to_owned(),
            content: None,
            payload: Some(JsonValue::Object(payload)),
            reply_to_id: None,
            thread_root_id: None,
            mentions: Vec::new(),
        }
    }

    /// Checks the draft: `type` (`system` is `not_allowed`, anything but `text`, `image` and
    /// `file` is `invalid`), then `content` and `payload` under that type. Reports every field at
    /// fault, each with the field codes of docs/API.md.
    pub fn validate(self) -> Result<NewMessage, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let kind = match self.kind.parse::<MessageKind>() {
            Ok(MessageKind::System) => {
                errors.add("type", FieldCode::NotAllowed, "system messages are written by the server");
                MessageKind::System
            }
            Ok(kind) => kind,
            Err(()) => {
                errors.add("type", FieldCode::Invalid, "must be one of text, image, file");
                MessageKind::Text
            }
        };
        let (content, payload) = check_body(&mut errors, kind, self.content, self.payload);
        if self.mentions.len() > MAX_MENTIONS {
            errors.add("mentions", FieldCode::TooMany, format!("at most {MAX_MENTIONS} people"));
        }
        let mentioned_usernames = content.as_deref().map(mentioned_usernames).unwrap_or_default();
        let upload_ids = upload_ids(&mut errors, kind, payload.as_ref());
        errors.finish(NewMessage {
            chat_id: self.chat_id,
            kind,
            content,
            payload,
            reply_to_id: self.reply_to_id,
            thread_root_id: self.thread_root_id,
            mentioned_usernames,
            mentioned_ids: self.mentions,
            upload_ids,
        })
    }
}

/// Checks content and payload for a message of `kind`; shared by creation and edits.
pub(crate) fn check_body(
    errors: &mut ValidationErrors,
    kind: MessageKind,
    content: Option<String>,
    payload: Option<JsonValue>,
) -> (Option<String>, Option<JsonObject>) {
    match (&content, kind) {
        (Some(text), _) => check_length(errors, "content", text, 1, MAX_CONTENT_CHARS),
        (None, MessageKind::Text) => errors.add("content", FieldCode::Required, "a text message needs content"),
        (None, _) => {}
    }
    let payload_given = matches!(payload, Some(ref value) if *value != JsonValue::Null);
    let payload = match payload {
        None | Some(JsonValue::Null) => None,
        Some(JsonValue::Object(object)) => {
            let size = encoded_len(&object);
            if contains_nul(&object) {
                errors.add("payload", FieldCode::Invalid, "must not contain NUL characters");
            } else if size > MAX_PAYLOAD_BYTES {
                errors.add(
                    "payload",
                    FieldCode::TooLarge,
                    format!("must be at most {MAX_PAYLOAD_BYTES} bytes of JSON, is {size}"),
                );
            }
            Some(object)
        }
        Some(_) => {
            errors.add("payload", FieldCode::Invalid, "must be a JSON object");
            None
        }
    };
    if !payload_given && matches!(kind, MessageKind::Image | MessageKind::File) {
        errors.add("payload", FieldCode::Required, "image and file messages describe their attachment in payload");
    }
    (content, payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(kind: &str, content: Option<&str>, payload: Option<JsonValue>) -> MessageDraft {
        MessageDraft {
            chat_id: ChatId(2),
            kind: kind.into(),
            content: content.map(str::to_owned),
            payload,
            reply_to_id: None,
            thread_root_id: None,
            mentions: Vec::new(),
        }
    }

    fn fields(result: Result<NewMessage, ValidationErrors>) -> Vec<(String, FieldCode)> {
        result.unwrap_err().0.into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn text_needs_content_of_1_to_4000_characters() {
        assert!(draft("text", Some("Тестовое сообщение"), None).validate().is_ok());
        assert!(draft("text", Some(&"я".repeat(4000)), None).validate().is_ok());
        assert_eq!(
            fields(draft("text", Some(&"я".repeat(4001)), None).validate()),
            [("content".into(), FieldCode::TooLong)]
        );
        assert_eq!(fields(draft("text", Some(""), None).validate()), [("content".into(), FieldCode::TooShort)]);
        assert_eq!(fields(draft("text", Some("  \n"), None).validate()), [("content".into(), FieldCode::TooShort)]);
        assert_eq!(fields(draft("text", None, None).validate()), [("content".into(), FieldCode::Required)]);
    }

    #[test]
    fn payload_must_be_a_small_object() {
        let mut object = JsonObject::new();
        object.insert("url".into(), JsonValue::String("https://x/y.png".into()));
        assert!(draft("image", None, Some(JsonValue::Object(object.clone()))).validate().is_ok());
        assert_eq!(fields(draft("image", None, None).validate()), [("payload".into(), FieldCode::Required)]);
        assert_eq!(
            fields(draft("text", Some("a"), Some(JsonValue::Integer(1))).validate()),
            [("payload".into(), FieldCode::Invalid)]
        );
        object.insert("big".into(), JsonValue::String("x".repeat(MAX_PAYLOAD_BYTES)));
        assert_eq!(
            fields(draft("file", None, Some(JsonValue::Object(object))).validate()),
            [("payload".into(), FieldCode::TooLarge)]
        );
    }

    #[test]
    fn a_text_draft_is_a_valid_text_message() {
        let message = MessageDraft::text(ChatId(2), "hello").validate().unwrap();
        assert_eq!((message.kind, message.content.as_deref()), (MessageKind::Text, Some("hello")));
    }

    #[test]
    fn clients_cannot_post_unknown_or_system_types() {
        assert_eq!(fields(draft("video", Some("a"), None).validate()), [("type".into(), FieldCode::Invalid)]);
        assert_eq!(fields(draft("system", Some("a"), None).validate()), [("type".into(), FieldCode::NotAllowed)]);
    }
}
