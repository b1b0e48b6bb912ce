//! Idempotency-Key records: what makes two requests the same, replaying the first answer, and
//! forgetting keys after their retention. (Claiming a key is part of the create statement in
//! `messages.rs`, where the primary key decides between concurrent requests.)

use crate::connection::pool::Store;
use crate::error::{StoreError, StoreResult};
use crate::messages::aggregate::build_messages;
use crate::messages::create::{MessageCreation, single};
use crate::rows::MessageRow;
use crate::schema::{idempotency_keys, messages};
use chat_domain::{ChatId, IdempotencyKey, UserId};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The earlier answer for a key already claimed, if the request is the same.
pub(crate) async fn replay(
    conn: &mut AsyncPgConnection,
    author: UserId,
    key: &IdempotencyKey,
    fingerprint: &[u8],
) -> StoreResult<MessageCreation> {
    let (stored_fingerprint, message_id) = idempotency_keys::table
        .find((author.0, key.as_str()))
        .select((idempotency_keys::request_hash, idempotency_keys::message_id))
        .first::<(Vec<u8>, Option<i64>)>(conn)
        .await?;
    let message_id =
        message_id.filter(|_| stored_fingerprint == fingerprint).ok_or(StoreError::IdempotencyKeyReused)?;
    let row = messages::table.find(message_id).select(MessageRow::as_select()).first::<MessageRow>(conn).await?;
    let message = single(build_messages(conn, vec![row]).await?)?;
    Ok(MessageCreation { message, replayed: true })
}

/// The earlier answer if `author` has claimed `key` by a committed request; `None` otherwise.
pub(crate) async fn replay_if_claimed(
    conn: &mut AsyncPgConnection,
    author: UserId,
    key: Option<&IdempotencyKey>,
    fingerprint: Option<&[u8]>,
) -> StoreResult<Option<MessageCreation>> {
    let (Some(key), Some(fingerprint)) = (key, fingerprint) else {
        return Ok(None);
    };
    let claimed = idempotency_keys::table
        .find((author.0, key.as_str()))
        .select(idempotency_keys::user_id)
        .first::<i64>(conn)
        .await
        .optional()?;
    match claimed {
        Some(_) => replay(conn, author, key, fingerprint).await.map(Some),
        None => Ok(None),
    }
}

/// What makes two requests "the same" for idempotency: the endpoint and every field of the
/// validated request.
pub(crate) fn request_fingerprint(endpoint: &str, request: &impl serde::Serialize) -> StoreResult<Vec<u8>> {
    let canonical = serde_json::to_vec(request).map_err(|e| StoreError::Corrupt(format!("fingerprint: {e}")))?;
    let mut hasher = Sha256::new();
    hasher.update(endpoint.as_bytes());
    hasher.update(&canonical);
    Ok(hasher.finalize().to_vec())
}

/// The chat an earlier request with this key created, if the request is the same.
pub(crate) async fn replayed_chat(
    conn: &mut AsyncPgConnection,
    caller: UserId,
    key: &IdempotencyKey,
    fingerprint: &[u8],
) -> StoreResult<ChatId> {
    let (stored_fingerprint, chat_id) = idempotency_keys::table
        .find((caller.0, key.as_str()))
        .select((idempotency_keys::request_hash, idempotency_keys::chat_id))
        .first::<(Vec<u8>, Option<i64>)>(conn)
        .await?;
    chat_id.filter(|_| stored_fingerprint == fingerprint).map(ChatId).ok_or(StoreError::IdempotencyKeyReused)
}

impl Store {
    /// Forgets idempotency keys older than `retention` (the contract keeps them at least 24 hours).
    pub async fn prune_idempotency_keys(&self, retention: std::time::Duration) -> StoreResult<usize> {
        let cutoff = OffsetDateTime::now_utc() - retention;
        let mut conn = self.conn().await?;
        let stale = idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff));
        Ok(diesel::delete(stale).execute(&mut conn).await?)
    }
}
