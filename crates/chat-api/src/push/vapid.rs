//! The server's VAPID key pair (RFC 8292): from `CHAT_VAPID_PRIVATE_KEY`, or the one kept in the
//! database (the first process to start generates it; every process then signs with it).

use crate::config::PushConfig;
use base64ct::{Base64UrlUnpadded, Encoding};
use chat_store::{Store, StoreError};
use web_push_native::jwt_simple::algorithms::{ECDSAP256PublicKeyLike, ES256KeyPair};

#[derive(Debug, thiserror::Error)]
pub enum VapidError {
    #[error("CHAT_VAPID_PRIVATE_KEY is not a base64url P-256 private key")]
    InvalidKey,
    #[error("the stored VAPID key is not a P-256 private key")]
    InvalidStoredKey,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The key pair, its public half as clients need it, and the `sub` claim.
pub struct Vapid {
    pub key_pair: ES256KeyPair,
    /// Uncompressed P-256 point, base64url without padding (`applicationServerKey`).
    pub public_key: String,
    pub subject: String,
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
        Ok(Self { key_pair, public_key, subject: config.vapid_subject.clone() })
    }
}
