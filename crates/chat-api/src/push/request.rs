//! What a delivery becomes on the wire: a Web Push request (RFC 8291 body, RFC 8292 VAPID header,
//! built by `web-push-native`), or a push gateway's JSON in the shape of Matrix's
//! `/_matrix/push/v1/notify`.

use super::registration::decode_keys;
use super::vapid::Vapid;
use crate::config::PushContent;
use chat_domain::{PushKeys, PushPayload, PushType, push};
use chat_store::DueDelivery;
use serde_json::json;
use std::time::Duration;
use web_push_native::{Auth, WebPushBuilder};

/// Why a stored pusher cannot be sent to (its row is refused from now on).
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("the pusher's stored keys are unusable")]
    Keys,
    #[error("the pusher's URL is unusable")]
    Url,
    #[error("building the Web Push request failed: {0}")]
    Build(String),
}

/// The payload a Web Push carries for `delivery`.
pub fn payload(delivery: &DueDelivery, content: PushContent) -> PushPayload {
    let shown = delivery.kind == PushType::Message && content == PushContent::Full;
    let preview = || match (delivery.content.as_deref(), delivery.message_kind.as_deref()) {
        (Some(text), _) if !text.trim().is_empty() => push::preview(text),
        (_, Some("image")) => "(image)".to_owned(),
        (_, Some("file")) => "(file)".to_owned(),
        _ => String::new(),
    };
    PushPayload {
        kind: delivery.kind,
        chat_id: delivery.chat_id,
        message_id: delivery.message_id,
        sender_name: if shown { delivery.sender_name.clone() } else { None },
        preview: shown.then(preview),
        unread: delivery.unread,
    }
}

/// RFC 8030's `Topic`: a push still queued at the push service with the same topic is replaced,
/// so a message sent twice (a retry after a crash) shows once. At most 32 base64url characters.
pub fn topic(payload: &PushPayload) -> String {
    match payload.kind {
        PushType::Message => format!("m{}", payload.message_id.0),
        PushType::Clear => format!("c{}", payload.chat_id.0),
    }
}

/// The encrypted, VAPID-signed request for a Web Push subscription.
pub fn web_push(
    url: &str,
    keys: &PushKeys,
    payload: &PushPayload,
    vapid: &Vapid,
    ttl: Duration,
) -> Result<http::Request<Vec<u8>>, RequestError> {
    let endpoint: http::Uri = url.parse().map_err(|_| RequestError::Url)?;
    let keys = decode_keys(keys).map_err(|_| RequestError::Keys)?;
    let body = serde_json::to_vec(payload).map_err(|error| RequestError::Build(error.to_string()))?;
    let authorization = vapid.authorization(&endpoint).map_err(RequestError::Build)?;
    let mut request = WebPushBuilder::new(endpoint, keys.p256dh, Auth::clone_from_slice(&keys.auth))
        .with_valid_duration(ttl)
        .build(body)
        .map_err(|error| RequestError::Build(error.to_string()))?;
    request.headers_mut().insert(http::header::AUTHORIZATION, authorization);
    let urgency = if payload.kind == PushType::Message { "high" } else { "low" };
    let headers = request.headers_mut();
    headers.insert("urgency", http::HeaderValue::from_static(urgency));
    let topic = http::HeaderValue::try_from(topic(payload)).map_err(|error| RequestError::Build(error.to_string()))?;
    headers.insert("topic", topic);
    Ok(request)
}

/// The JSON a push gateway gets: Matrix's notification, with the chat as the room and the
/// message as the event. A `clear` is Matrix's badge-only form (counts, no event). With content
/// off, the event-id-only form (no sender, no body).
pub fn gateway_body(payload: &PushPayload, pushkey: &str) -> Vec<u8> {
    let device = json!({ "app_id": "chat-backend", "pushkey": pushkey, "data": { "type": payload.kind.as_str() } });
    let mut notification = json!({
        "room_id": payload.chat_id.0.to_string(),
        "counts": { "unread": payload.unread },
        "devices": [device],
    });
    if payload.kind == PushType::Message {
        notification["event_id"] = json!(payload.message_id.0.to_string());
        notification["type"] = json!("m.room.message");
        notification["prio"] = json!("high");
        if let Some(sender) = &payload.sender_name {
            notification["sender_display_name"] = json!(sender);
        }
        if let Some(preview) = &payload.preview {
            notification["content"] = json!({ "msgtype": "m.text", "body": preview });
        }
    } else {
        notification["prio"] = json!("low");
    }
    json!({ "notification": notification }).to_string().into_bytes()
}

/// Whether a gateway's answer (`{"rejected": [pushkey, ...]}`) says the pushkey is dead.
pub fn gateway_rejected(answer: &[u8], pushkey: &str) -> bool {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(answer) else { return false };
    body.get("rejected")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|rejected| rejected.iter().any(|key| key.as_str() == Some(pushkey)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64ct::{Base64UrlUnpadded, Encoding};
    use web_push_native::p256::SecretKey;

    fn b64(text: &str) -> Vec<u8> {
        Base64UrlUnpadded::decode_vec(text).unwrap()
    }

    /// RFC 8291, Appendix A: the user agent's keys decrypt the example message.
    #[test]
    fn rfc_8291_appendix_a_decrypts() {
        let message = b64(
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
        );
        let ua_private = SecretKey::from_slice(&b64("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94")).unwrap();
        let auth = Auth::clone_from_slice(&b64("BTBZMqHH6r4Tts7J_aSIgg"));
        let plain = web_push_native::decrypt(message, &ua_private, &auth).unwrap();
        assert_eq!(plain, b"When I grow up, I want to be a watermelon");
    }

    #[test]
    fn a_gateway_rejection_names_the_pushkey() {
        assert!(gateway_rejected(br#"{"rejected":["a","b"]}"#, "b"));
        assert!(!gateway_rejected(br#"{"rejected":[]}"#, "b"));
        assert!(!gateway_rejected(b"not json", "b"));
    }
}
