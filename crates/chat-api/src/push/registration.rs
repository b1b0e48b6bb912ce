//! What a pusher's registration names, checked before it is stored: the URL (an SSRF route, so
//! through `Outbound::check`: no private address unless allow-listed) and a Web Push
//! subscription's keys (a point on P-256, a 16-byte secret).

use base64ct::{Base64UrlUnpadded, Encoding};
use chat_domain::{FieldCode, NewPusher, PushKeys, ValidationErrors};
use chat_outbound::{Outbound, OutboundError, Refusal};
use web_push_native::p256::PublicKey;

/// The browser's keys, decoded: what `web-push-native` encrypts to.
pub struct DecodedKeys {
    pub p256dh: PublicKey,
    pub auth: [u8; 16],
}

impl std::fmt::Debug for DecodedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecodedKeys").field("p256dh", &self.p256dh).finish_non_exhaustive()
    }
}

/// base64url, padded or not (browsers send it unpadded; some libraries pad).
pub fn decode(text: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(text.trim_end_matches('=')).ok()
}

/// Decodes a subscription's keys, or says which is wrong.
pub fn decode_keys(keys: &PushKeys) -> Result<DecodedKeys, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let p256dh = decode(&keys.p256dh).and_then(|bytes| PublicKey::from_sec1_bytes(&bytes).ok());
    if p256dh.is_none() {
        errors.add("keys.p256dh", FieldCode::Invalid, "must be a base64url P-256 public key");
    }
    let auth = decode(&keys.auth).and_then(|bytes| <[u8; 16]>::try_from(bytes).ok());
    if auth.is_none() {
        errors.add("keys.auth", FieldCode::Invalid, "must be a base64url 16-byte secret");
    }
    match (p256dh, auth) {
        (Some(p256dh), Some(auth)) => Ok(DecodedKeys { p256dh, auth }),
        _ => Err(errors),
    }
}

/// Checks everything a registration names; the field errors of what is refused.
pub async fn check(outbound: &Outbound, pusher: &NewPusher) -> Result<(), ValidationErrors> {
    if let NewPusher::WebPush { keys, .. } = pusher {
        decode_keys(keys)?;
    }
    let field = pusher.url_field();
    let refused = |code, why: &str| Err(ValidationErrors::single(field, code, why));
    match outbound.check(pusher.url()).await {
        Ok(url) if url.as_str().parse::<http::Uri>().is_err() => refused(FieldCode::Invalid, "must be an http(s) URL"),
        Ok(_) => Ok(()),
        Err(OutboundError::Refused(Refusal::NonPublicAddress(_))) => refused(
            FieldCode::NotAllowed,
            "names a private, loopback or otherwise non-public address (an operator may allow-list the host)",
        ),
        Err(OutboundError::Refused(Refusal::Unresolvable) | OutboundError::Timeout | OutboundError::Network(_)) => {
            refused(FieldCode::Invalid, "names a host that does not resolve")
        }
        Err(_) => refused(FieldCode::Invalid, "must be an absolute http or https URL"),
    }
}
