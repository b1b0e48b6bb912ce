//! Push notifications: the pushers a user registers (a browser's Web Push subscription, or an HTTP
//! push gateway), the notification level a member chooses per chat, and what a push carries.

use crate::field_code::FieldCode;
use crate::ids::{ChatId, MessageId};
use crate::json::JsonValue;
use crate::text_enums::text_enum;
use crate::timestamp::Timestamp;
use crate::validation::{ValidationErrors, check_length};
use serde::{Deserialize, Serialize};

/// The most pushers one user may have (a pusher is a device; re-registering one updates it).
pub const MAX_PUSHERS_PER_USER: i64 = 20;
/// The longest endpoint or gateway URL accepted (push services' endpoints are a few hundred).
pub const MAX_PUSH_URL_CHARS: usize = 2048;
/// The longest gateway pushkey accepted (an FCM token is about 160, an APNs token 64).
pub const MAX_PUSHKEY_CHARS: usize = 512;
/// The longest message preview a push carries, in characters.
pub const MAX_PREVIEW_CHARS: usize = 200;

/// `webpush` (RFC 8030, encrypted to the browser's keys, signed with VAPID) or `http` (a push
/// gateway in the shape of Matrix's `/_matrix/push/v1/notify`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PusherKind {
    /// A browser's Web Push subscription.
    Webpush,
    /// An HTTP push gateway.
    Http,
}

text_enum!(PusherKind { Webpush => "webpush", Http => "http" });

/// A browser's `PushSubscription` keys, base64url as `PushSubscription.toJSON()` gives them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushKeys {
    /// The browser's P-256 public key (65 bytes, uncompressed), base64url.
    pub p256dh: String,
    /// The browser's authentication secret (16 bytes), base64url.
    pub auth: String,
}

/// The body of `POST /push/subscriptions`: a browser's `PushSubscription` JSON as it is
/// (`{"endpoint", "expirationTime", "keys": {"p256dh", "auth"}}`), or
/// `{"kind": "http", "url", "pushkey"}` for a push gateway.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PusherRegistration {
    /// `webpush` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<PusherKind>,
    /// Web Push: the push service's endpoint for this browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Web Push: the browser's keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<PushKeys>,
    /// Web Push: what the browser says of the subscription's expiry; accepted and ignored.
    #[serde(default, rename = "expirationTime", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<f64>))]
    pub expiration_time: Option<JsonValue>,
    /// Gateway: where the notification is posted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Gateway: the device's key, passed on to the gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushkey: Option<String>,
}

/// A registration whose shape is right; what it names is checked by the server (the URL's
/// address, the keys' curve point).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewPusher {
    /// A Web Push subscription.
    WebPush {
        /// The push service's endpoint.
        endpoint: String,
        /// The browser's keys.
        keys: PushKeys,
    },
    /// A push gateway.
    Gateway {
        /// The gateway's notify URL.
        url: String,
        /// The device's key at the gateway.
        pushkey: String,
    },
}

impl NewPusher {
    /// The URL the server posts to.
    pub fn url(&self) -> &str {
        match self {
            Self::WebPush { endpoint, .. } => endpoint,
            Self::Gateway { url, .. } => url,
        }
    }

    /// The body field that names the URL, for a field error.
    pub fn url_field(&self) -> &'static str {
        match self {
            Self::WebPush { .. } => "endpoint",
            Self::Gateway { .. } => "url",
        }
    }
}

impl PusherRegistration {
    /// Checks that the fields of its kind are there, and no others, within their lengths.
    pub fn validate(self) -> Result<NewPusher, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let Self { kind, endpoint, keys, url, pushkey, .. } = self;
        match kind.unwrap_or(PusherKind::Webpush) {
            PusherKind::Webpush => {
                forbid(&mut errors, "url", url.is_some(), "is for `kind: http` pushers");
                forbid(&mut errors, "pushkey", pushkey.is_some(), "is for `kind: http` pushers");
                let endpoint = required(&mut errors, "endpoint", endpoint, MAX_PUSH_URL_CHARS);
                let keys = match keys {
                    None => {
                        errors.add("keys", FieldCode::Required, "a Web Push subscription needs its keys");
                        None
                    }
                    Some(keys) => {
                        check_length(&mut errors, "keys.p256dh", &keys.p256dh, 1, 200);
                        check_length(&mut errors, "keys.auth", &keys.auth, 1, 100);
                        Some(keys)
                    }
                };
                match (endpoint, keys) {
                    (Some(endpoint), Some(keys)) => errors.finish(NewPusher::WebPush { endpoint, keys }),
                    _ => Err(errors),
                }
            }
            PusherKind::Http => {
                forbid(&mut errors, "endpoint", endpoint.is_some(), "is for Web Push subscriptions");
                forbid(&mut errors, "keys", keys.is_some(), "is for Web Push subscriptions");
                let url = required(&mut errors, "url", url, MAX_PUSH_URL_CHARS);
                let pushkey = required(&mut errors, "pushkey", pushkey, MAX_PUSHKEY_CHARS);
                match (url, pushkey) {
                    (Some(url), Some(pushkey)) => errors.finish(NewPusher::Gateway { url, pushkey }),
                    _ => Err(errors),
                }
            }
        }
    }
}

fn forbid(errors: &mut ValidationErrors, field: &str, present: bool, why: &str) {
    if present {
        errors.add(field, FieldCode::NotAllowed, why);
    }
}

fn required(errors: &mut ValidationErrors, field: &str, value: Option<String>, max: usize) -> Option<String> {
    match value {
        None => {
            errors.add(field, FieldCode::Required, "is required");
            None
        }
        Some(value) => {
            let before = errors.0.len();
            check_length(errors, field, &value, 1, max);
            if errors.0.len() == before && value.contains(char::is_control) {
                errors.add(field, FieldCode::Invalid, "must not hold control characters");
            }
            (errors.0.len() == before).then_some(value)
        }
    }
}

/// A pusher as its owner lists it. The URL is not shown back (it is a credential to whoever holds
/// it): only its origin, to tell devices apart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pusher {
    /// Its id, for `DELETE /push/subscriptions/{id}`.
    pub id: i64,
    /// `webpush` or `http`.
    pub kind: PusherKind,
    /// The scheme, host and port it is sent to.
    pub origin: String,
    /// Whether the session (token) of this request registered it: revoking that token removes it.
    pub this_session: bool,
    /// When it was first registered.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// `GET /push/subscriptions`: the caller's pushers, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PusherList {
    /// The pushers.
    pub items: Vec<Pusher>,
}

/// The answer of `POST /push/subscriptions`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PusherCreated {
    /// The pusher's id (the same id when the same endpoint is registered again).
    pub id: i64,
}

/// `GET /push/vapid-key`: the server's VAPID public key, for `pushManager.subscribe`'s
/// `applicationServerKey`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VapidKey {
    /// The P-256 public key, uncompressed (65 bytes), base64url without padding.
    pub public_key: String,
}

/// Which messages of a chat push a member's devices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum NotificationLevel {
    /// Every message of others (the default in a direct chat).
    All,
    /// Messages that mention the member (the default in a group).
    Mentions,
    /// None: the chat is muted.
    None,
}

text_enum!(NotificationLevel { All => "all", Mentions => "mentions", None => "none" });

/// A member's notification setting for one chat: the body of `PUT /chats/{chat_id}/notifications`
/// and its answer (and of `GET` on the same path).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NotificationSetting {
    /// `all`, `mentions` or `none`.
    pub level: NotificationLevel,
    /// Nothing is pushed until then, whatever the level; null: not muted.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub muted_until: Option<Timestamp>,
}

/// What a push is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PushType {
    /// A message to show.
    Message,
    /// The chat was read on some device: remove its notification, update the badge.
    Clear,
}

text_enum!(PushType { Message => "message", Clear => "clear" });

/// The JSON a Web Push carries (decrypted by the browser).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushPayload {
    /// `message` or `clear`.
    #[serde(rename = "type")]
    pub kind: PushType,
    /// The chat.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub chat_id: ChatId,
    /// The message pushed; for `clear`, the message the member has now read up to.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub message_id: MessageId,
    /// The author's display name; absent for `clear`, and when the server sends no content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<String>,
    /// The message's text, at most 200 characters; absent as `sender_name` is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
    /// The member's unread messages in this chat, for a badge, counted up to 100.
    pub unread: i64,
}

/// `text` cut to at most `MAX_PREVIEW_CHARS` characters (at a character boundary, with `…` when
/// cut).
pub fn preview(text: &str) -> String {
    match text.char_indices().nth(MAX_PREVIEW_CHARS - 1) {
        Some((cut, _)) if text[cut..].chars().nth(1).is_some() => format!("{}…", &text[..cut]),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn web_push(endpoint: Option<&str>, keys: bool) -> PusherRegistration {
        PusherRegistration {
            kind: None,
            endpoint: endpoint.map(str::to_owned),
            keys: keys.then(|| PushKeys { p256dh: "BCVx".into(), auth: "BTBZ".into() }),
            expiration_time: None,
            url: None,
            pushkey: None,
        }
    }

    #[test]
    fn a_subscription_needs_its_endpoint_and_keys() {
        assert!(matches!(web_push(Some("https://push.example/x"), true).validate(), Ok(NewPusher::WebPush { .. })));
        let errors = web_push(None, false).validate().unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|error| (error.field.as_str(), error.code)).collect();
        assert_eq!(fields, [("endpoint", FieldCode::Required), ("keys", FieldCode::Required)]);
    }

    #[test]
    fn a_gateway_pusher_takes_no_keys() {
        let registration = PusherRegistration {
            kind: Some(PusherKind::Http),
            keys: Some(PushKeys { p256dh: "a".into(), auth: "b".into() }),
            url: Some("https://gateway.example/_matrix/push/v1/notify".into()),
            pushkey: Some("device".into()),
            ..web_push(None, false)
        };
        let errors = registration.validate().unwrap_err();
        assert_eq!(errors.0[0].field, "keys");
        assert_eq!(errors.0[0].code, FieldCode::NotAllowed);
    }

    #[test]
    fn a_preview_is_cut_at_a_character_boundary() {
        let short = "привет";
        assert_eq!(preview(short), short);
        let exact = "я".repeat(MAX_PREVIEW_CHARS);
        assert_eq!(preview(&exact), exact);
        let long = "я".repeat(MAX_PREVIEW_CHARS + 1);
        let cut = preview(&long);
        assert_eq!(cut.chars().count(), MAX_PREVIEW_CHARS);
        assert!(cut.ends_with('…'));
    }
}
