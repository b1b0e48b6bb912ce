//! Password hashing with argon2id, off the request threads (it is slow on purpose).

use crate::config::PasswordHashing;
use crate::problem::ApiError;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Hashes and verifies passwords with fixed argon2id parameters.
#[derive(Clone, Debug)]
pub struct Passwords {
    params: Params,
    /// At most this many hashes at once (one per core): each takes `memory_kib` and a core, so a
    /// burst of logins queues here instead of exhausting memory on the blocking pool.
    running: Arc<Semaphore>,
    /// Verified against when a username does not exist, so a login takes as long either way and
    /// its timing does not reveal which usernames are taken.
    decoy_hash: String,
}

impl Passwords {
    pub fn new(cost: PasswordHashing) -> Result<Self, ApiError> {
        let params = Params::new(cost.memory_kib, cost.iterations, 1, None)
            .map_err(|error| ApiError::Internal(format!("argon2 parameters: {error}")))?;
        let decoy_hash = hash_with(&params, "decoy password, never matches")?;
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Ok(Self { params, running: Arc::new(Semaphore::new(cores)), decoy_hash })
    }

    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let params = self.params.clone();
        let _turn = self.turn().await?;
        run_blocking(move || hash_with(&params, &password)).await?
    }

    /// Whether `password` matches `stored`; with no stored hash, spends the same time and says no.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.decoy_hash.clone());
        let _turn = self.turn().await?;
        let matches = run_blocking(move || {
            PasswordHash::new(&stored).is_ok_and(|hash| argon2().verify_password(password.as_bytes(), &hash).is_ok())
        })
        .await?;
        Ok(known && matches)
    }
}

impl Passwords {
    async fn turn(&self) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
        self.running.clone().acquire_owned().await.map_err(|_| ApiError::Internal("password hashing closed".into()))
    }
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

fn hash_with(params: &Params, password: &str) -> Result<String, ApiError> {
    let mut salt_bytes = [0_u8; 16];
    rand::TryRngCore::try_fill_bytes(&mut rand::rngs::OsRng, &mut salt_bytes)
        .map_err(|error| ApiError::Internal(format!("random salt: {error}")))?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|error| ApiError::Internal(error.to_string()))?;
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let hash =
        hasher.hash_password(password.as_bytes(), &salt).map_err(|error| ApiError::Internal(error.to_string()))?;
    Ok(hash.to_string())
}

async fn run_blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    actix_web::web::block(work).await.map_err(|error| ApiError::Internal(format!("blocking task: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn verifies_only_the_right_password() {
        let passwords = Passwords::new(PasswordHashing { memory_kib: 1024, iterations: 1 }).unwrap();
        let stored = passwords.hash("correct horse".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(passwords.verify("correct horse".into(), Some(stored.clone())).await.unwrap());
        assert!(!passwords.verify("wrong horse".into(), Some(stored)).await.unwrap());
        assert!(!passwords.verify("decoy password, never matches".into(), None).await.unwrap());
    }
}
