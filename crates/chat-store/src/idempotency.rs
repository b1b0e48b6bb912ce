//! Idempotency-Key records: what makes two requests the same, replaying the first answer, and
//! forgetting keys after their retention. (Claiming a key is part of the create statement in
//! `messages.rs`, where the primary key decides between concurrent requests.)

use crate::aggregate::build_messages;
use crate::error::{StoreError, StoreResult};
use crate::messages::{MessageCreation, single};
use crate::pool::Store;
use crate::rows::MessageRow;
use crate::schema::{idempotency_keys, messages};
use chat_domain::{IdempotencyKey, NewMessage, UserId};
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
        .first::<(Vec<u8>, i64)>(conn)
        .await?;
    if stored_fingerprint != fingerprint {
        return Err(StoreError::IdempotencyKeyReused);
    }
    let row = messages::table.find(message_id).select(MessageRow::as_select()).first::<MessageRow>(conn).await?;
    let message = single(build_messages(conn, vec![row]).await?)?;
    Ok(MessageCreation { message, replayed: true })
}

/// What makes two requests "the same" for idempotency: every field of the validated message.
pub(crate) fn request_fingerprint(new: &NewMessage) -> StoreResult<Vec<u8>> {
    let canonical = serde_json::to_vec(new).map_err(|e| StoreError::Corrupt(format!("fingerprint: {e}")))?;
    Ok(Sha256::digest(&canonical).to_vec())
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
