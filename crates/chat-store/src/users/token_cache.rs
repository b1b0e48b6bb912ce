//! Live tokens this process has looked up already, so most requests are authenticated without a
//! round trip to the database.
//!
//! Revocation stays immediate: the process that revokes a token forgets it before answering, and
//! every other process forgets it when the revocation's NOTIFY arrives (see `listener.rs`). A
//! process whose listener is disconnected could miss one, so it keeps nothing until it listens
//! again. A lookup that raced a revocation is not remembered: every forget moves an epoch, and an
//! entry read before the move is dropped.

use chat_domain::{ChatScope, User};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use time::OffsetDateTime;

/// A live token's holder, and the chats the token reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authenticated {
    pub user: User,
    pub scope: ChatScope,
}

/// Past this many live tokens the cache starts over rather than grow without bound.
const CAPACITY: usize = 100_000;

#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    tokens: HashMap<Vec<u8>, (Authenticated, OffsetDateTime)>,
    listening: bool,
    epoch: u64,
}

impl TokenCache {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The holder of a remembered, unexpired token.
    pub fn get(&self, token_hash: &[u8]) -> Option<Authenticated> {
        let state = self.state();
        let (holder, expires_at) = state.tokens.get(token_hash)?;
        (*expires_at > OffsetDateTime::now_utc()).then(|| holder.clone())
    }

    /// Where revocations stand; pass it back to `remember` with what was read after it.
    pub fn epoch(&self) -> u64 {
        self.state().epoch
    }

    pub fn remember(&self, epoch: u64, token_hash: &[u8], holder: &Authenticated, expires_at: OffsetDateTime) {
        let mut state = self.state();
        if !state.listening || state.epoch != epoch {
            return;
        }
        if state.tokens.len() >= CAPACITY {
            state.tokens.clear();
        }
        state.tokens.insert(token_hash.to_vec(), (holder.clone(), expires_at));
    }

    pub fn forget(&self, token_hash: &[u8]) {
        let mut state = self.state();
        state.tokens.remove(token_hash);
        state.epoch += 1;
    }

    pub fn forget_all(&self) {
        let mut state = self.state();
        state.tokens.clear();
        state.epoch += 1;
    }

    /// Starts or stops remembering; either way what was remembered is dropped, since revocations
    /// may have been missed while not listening.
    pub fn set_listening(&self, listening: bool) {
        self.forget_all();
        self.state().listening = listening;
    }
}
