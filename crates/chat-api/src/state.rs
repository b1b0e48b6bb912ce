//! What every handler shares: the store and the settings decided at start-up.

use crate::auth::password::Passwords;
use chat_store::Store;

#[derive(Debug)]
pub struct AppState {
    pub store: Store,
    pub passwords: Passwords,
    pub token_ttl: time::Duration,
    pub max_body_bytes: usize,
}
