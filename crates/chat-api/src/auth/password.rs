//! Password hashing with argon2id, off the request threads (it is slow on purpose), in working
//! memory allocated once per concurrent hash and reused.
//!
//! Allocating `memory_kib` afresh for every hash, on whichever blocking thread ran it, left the
//! allocator holding the freed memory per thread: 1 GB resident after 90 registrations. Reused
//! buffers bound hashing memory to `cores × memory_kib`, whatever the traffic.

use super::phc;
use crate::config::PasswordHashing;
use crate::problem::ApiError;
use argon2::{Block, Params};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::Semaphore;

/// Hashes and verifies passwords with fixed argon2id parameters.
#[derive(Clone, Debug)]
pub struct Passwords {
    params: Params,
    /// At most this many hashes at once (one per core): each takes `memory_kib` and a core, so a
    /// burst of logins queues here instead of exhausting memory on the blocking pool.
    running: Arc<Semaphore>,
    /// Working memory not in use; never more buffers than `running` has permits.
    idle_memory: Arc<Mutex<Vec<Vec<Block>>>>,
    /// Verified against when a username does not exist, so a login takes as long either way and
    /// its timing does not reveal which usernames are taken.
    decoy_hash: String,
}

impl Passwords {
    pub fn new(cost: PasswordHashing) -> Result<Self, ApiError> {
        let params = Params::new(cost.memory_kib, cost.iterations, 1, None)
            .map_err(|error| ApiError::Internal(format!("argon2 parameters: {error}")))?;
        let mut memory = Vec::new();
        let decoy_hash =
            phc::hash(&params, "decoy password, never matches", &mut memory).map_err(ApiError::Internal)?;
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Ok(Self {
            params,
            running: Arc::new(Semaphore::new(cores)),
            idle_memory: Arc::new(Mutex::new(vec![memory])),
            decoy_hash,
        })
    }

    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let params = self.params.clone();
        self.with_memory(move |memory| phc::hash(&params, &password, memory)).await?.map_err(ApiError::Internal)
    }

    /// Whether `password` matches `stored`; with no stored hash, spends the same time and says no.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.decoy_hash.clone());
        let matches = self.with_memory(move |memory| phc::verify(&stored, &password, memory)).await?;
        Ok(known && matches)
    }

    /// Runs `work` on the blocking pool, in its turn, with a working buffer lent for the while.
    async fn with_memory<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let _turn = self.running.acquire().await.map_err(|_| ApiError::Internal("password hashing closed".into()))?;
        let mut memory = self.idle_memory.lock().unwrap_or_else(PoisonError::into_inner).pop().unwrap_or_default();
        let (output, memory) = actix_web::web::block(move || (work(&mut memory), memory))
            .await
            .map_err(|error| ApiError::Internal(format!("blocking task: {error}")))?;
        self.idle_memory.lock().unwrap_or_else(PoisonError::into_inner).push(memory);
        Ok(output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn verifies_only_the_right_password() {
        let passwords = Passwords::new(PasswordHashing { memory_kib: 1024, iterations: 1 }).unwrap();
        let stored = passwords.hash("correct horse".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{stored}");
        assert!(passwords.verify("correct horse".into(), Some(stored.clone())).await.unwrap());
        assert!(!passwords.verify("wrong horse".into(), Some(stored)).await.unwrap());
        assert!(!passwords.verify("decoy password, never matches".into(), None).await.unwrap());
    }

    /// Hashes made before this module, by the argon2 crate's own `PasswordHasher`, still verify.
    #[actix_web::test]
    async fn verifies_hashes_from_the_standard_encoder() {
        use argon2::password_hash::{PasswordHasher as _, SaltString};
        let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
        let params = Params::new(2048, 2, 1, None).unwrap();
        let argon2 = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let stored = argon2.hash_password(b"old password", &salt).unwrap().to_string();
        let passwords = Passwords::new(PasswordHashing { memory_kib: 1024, iterations: 1 }).unwrap();
        assert!(passwords.verify("old password".into(), Some(stored.clone())).await.unwrap());
        assert!(!passwords.verify("new password".into(), Some(stored)).await.unwrap());
    }
}
