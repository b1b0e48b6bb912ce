//! The server's VAPID key pair (RFC 8292): from `CHAT_VAPID_PRIVATE_KEY`, or the one kept in the
//! database (the first process to start generates it; every process then signs with it).

use crate::config::PushConfig;
use base64ct::{Base64UrlUnpadded, Encoding};
use chat_store::{Store, StoreError};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use web_push_native::jwt_simple::algorithms::{ECDSAP256KeyPairLike, ECDSAP256PublicKeyLike, ES256KeyPair};
use web_push_native::jwt_simple::claims::Claims;

/// How long a signed VAPID token is valid (RFC 8292 allows at most 24 hours) ...
const TOKEN_VALID: Duration = Duration::from_secs(12 * 3600);
/// ... and how long one is reused: signing is an ECDSA signature, about a third of a push's CPU,
/// and a push service's origin is the same for all its subscriptions.
const TOKEN_REUSED: Duration = Duration::from_secs(3600);
/// Tokens kept, one per push service origin; past this (origins are users' URLs), all are dropped.
const TOKENS_KEPT: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum VapidError {
    #[error("CHAT_VAPID_PRIVATE_KEY is not a base64url P-256 private key")]
    InvalidKey,
    #[error("the stored VAPID key is not a P-256 private key")]
    InvalidStoredKey,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The key pair, its public half as clients need it, the `sub` claim, and the `Authorization`
/// values signed lately, by audience.
pub struct Vapid {
    pub key_pair: ES256KeyPair,
    /// Uncompressed P-256 point, base64url without padding (`applicationServerKey`).
    pub public_key: String,
    pub subject: String,
    signed: Mutex<HashMap<String, Signed>>,
}

struct Signed {
    authorization: http::HeaderValue,
    at: Instant,
}

impl std::fmt::Debug for Vapid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vapid").field("public_key", &self.public_key).finish_non_exhaustive()
    }
}

impl Vapid {
    pub async fn load(store: &Store, config: &PushConfig) -> Result<Self, VapidError> {
        let key_pair = match &config.vapid_private_key {
            Some(secret) => {
                let bytes = Base64UrlUnpadded::decode_vec(secret.0.trim().trim_end_matches('='))
                    .map_err(|_| VapidError::InvalidKey)?;
                ES256KeyPair::from_bytes(&bytes).map_err(|_| VapidError::InvalidKey)?
            }
            None => {
                let candidate = ES256KeyPair::generate().to_bytes();
                let stored = store.vapid_private_key(&candidate).await?;
                ES256KeyPair::from_bytes(&stored).map_err(|_| VapidError::InvalidStoredKey)?
            }
        };
        let public_key = Base64UrlUnpadded::encode_string(&key_pair.public_key().public_key().to_bytes_uncompressed());
        Ok(Self { key_pair, public_key, subject: config.vapid_subject.clone(), signed: Mutex::default() })
    }

    /// The `Authorization` header for a push to `endpoint`: `vapid t=<JWT>, k=<public key>`, the
    /// JWT's audience the endpoint's origin (as `web-push-native` writes it: scheme and host).
    pub fn authorization(&self, endpoint: &http::Uri) -> Result<http::HeaderValue, String> {
        let (Some(scheme), Some(host)) = (endpoint.scheme_str(), endpoint.host()) else {
            return Err("the endpoint has no scheme or host".into());
        };
        let audience = format!("{scheme}://{host}");
        let mut signed = self.signed.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(fresh) = signed.get(&audience).filter(|kept| kept.at.elapsed() < TOKEN_REUSED) {
            return Ok(fresh.authorization.clone());
        }
        let claims = Claims::create(TOKEN_VALID.into()).with_audience(&audience).with_subject(&self.subject);
        let token = self.key_pair.sign(claims).map_err(|error| error.to_string())?;
        let authorization = http::HeaderValue::try_from(format!("vapid t={token}, k={}", self.public_key))
            .map_err(|error| error.to_string())?;
        if signed.len() >= TOKENS_KEPT {
            signed.clear();
        }
        signed.insert(audience, Signed { authorization: authorization.clone(), at: Instant::now() });
        Ok(authorization)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn vapid() -> Vapid {
        let key_pair = ES256KeyPair::generate();
        let public_key = Base64UrlUnpadded::encode_string(&key_pair.public_key().public_key().to_bytes_uncompressed());
        Vapid { key_pair, public_key, subject: "mailto:ops@example.com".into(), signed: Mutex::default() }
    }

    #[test]
    fn a_push_services_token_is_signed_once_and_reused_for_its_every_endpoint() {
        let vapid = vapid();
        let first = vapid.authorization(&"https://push.example/a".parse().unwrap()).unwrap();
        let second = vapid.authorization(&"https://push.example/b".parse().unwrap()).unwrap();
        let other = vapid.authorization(&"https://other.example/a".parse().unwrap()).unwrap();
        assert_eq!(first, second, "one origin, one token");
        assert_ne!(first, other, "another origin is another audience");
        let value = first.to_str().unwrap();
        assert!(value.starts_with("vapid t=") && value.ends_with(&format!(", k={}", vapid.public_key)), "{value}");
    }
}
