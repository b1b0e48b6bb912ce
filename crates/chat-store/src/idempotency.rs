//! Idempotency-Key records: what makes two requests the same, what an earlier request with a key
//! produced, and forgetting keys after their retention. Claiming a key is part of each create
//! statement (`messages/create_statement.rs`, `chats/creation.rs`), where the primary key decides
//! between concurrent requests; replaying the answer is the resource's own business.

use crate::connection::pool::Store;
use crate::connection::prepared::plan_for_values;
use crate::error::{StoreError, StoreResult};
use crate::schema::{chat_members, idempotency_keys};
use chat_domain::{ChatId, DomainError, IdempotencyKey, MessageId, UserId};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// What the earlier request with a key created.
#[derive(Clone, Copy, Debug)]
pub(crate) enum EarlierAnswer {
    Message(MessageId),
    Chat(ChatId),
}

/// What `user`'s committed request with `key` created: `None` while no committed request has
/// claimed the key, `IdempotencyKeyReused` when the request that did was not this one (another
/// body, or another endpoint: the fingerprint covers both).
pub(crate) async fn earlier_answer(
    conn: &mut AsyncPgConnection,
    user: UserId,
    key: &IdempotencyKey,
    fingerprint: &[u8],
) -> StoreResult<Option<EarlierAnswer>> {
    let claimed = idempotency_keys::table
        .find((user.0, key.as_str()))
        .select((idempotency_keys::request_hash, idempotency_keys::message_id, idempotency_keys::chat_id))
        .first::<(Vec<u8>, Option<i64>, Option<i64>)>(conn)
        .await
        .optional()?;
    let Some((stored_fingerprint, message_id, chat_id)) = claimed else { return Ok(None) };
    if stored_fingerprint != fingerprint {
        return Err(StoreError::IdempotencyKeyReused);
    }
    match (message_id, chat_id) {
        (Some(id), _) => Ok(Some(EarlierAnswer::Message(MessageId(id)))),
        (None, Some(id)) => Ok(Some(EarlierAnswer::Chat(ChatId(id)))),
        (None, None) => Err(StoreError::Corrupt("an idempotency key that names nothing".into())),
    }
}

/// A replay answers only a caller who is still a member of the chat it names, as a first request
/// would: one who has left (or was removed) is told so, not shown the chat as its members see it.
pub(crate) async fn ensure_still_member(conn: &mut AsyncPgConnection, chat: ChatId, user: UserId) -> StoreResult<()> {
    let member =
        chat_members::table.find((chat.0, user.0)).select(chat_members::user_id).first::<i64>(conn).await.optional()?;
    member.map(|_| ()).ok_or_else(|| DomainError::NotAMember.into())
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

impl Store {
    /// Forgets idempotency keys older than `retention` (docs/API.md promises 48 hours).
    pub async fn prune_idempotency_keys(&self, retention: std::time::Duration) -> StoreResult<usize> {
        let cutoff = OffsetDateTime::now_utc() - retention;
        let mut conn = self.conn().await?;
        let stale = idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff));
        conn.transaction(async |conn| {
            plan_for_values(conn).await?;
            Ok(diesel::delete(stale).execute(conn).await?)
        })
        .await
    }
}
