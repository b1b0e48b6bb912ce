//! Creating and reading messages. Every message leaves through the aggregate builder.

use crate::connection::pool::Store;
use crate::error::{StoreError, StoreResult};
use crate::idempotency::{EarlierAnswer, earlier_answer, ensure_still_member, request_fingerprint};
use crate::messages::aggregate::{build_messages, single};
use crate::messages::create_statement::{CreateMessage, CreateMessageWithUploads, CreatePlainMessage, CreateStatement};
use crate::rows::MessageRow;
use crate::schema::{chat_members, messages};
use crate::uploads::attachment_candidates;
use chat_domain::{
    ChatId, DomainError, ErrorCode, IdempotencyKey, Message, MessageId, MessageRecord, NewMessage, ReadFrontier,
    Resource, Timestamp, Upload, UserId, ValidationErrors, attachment::check_attachments,
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// What `create_message` did: created the message, or replayed an earlier request's answer.
#[derive(Debug)]
pub struct MessageCreation {
    pub message: Message,
    pub replayed: bool,
}

impl Store {
    /// Creates a message by `author`, or with a known `key` and the same request, replays it.
    pub async fn create_message(
        &self,
        author: UserId,
        new: &NewMessage,
        key: Option<&IdempotencyKey>,
    ) -> StoreResult<MessageCreation> {
        let fingerprint = key.map(|_| request_fingerprint("POST /messages", new)).transpose()?;
        let mut conn = self.conn().await?;
        let attachments = if new.upload_ids.is_empty() {
            Vec::new()
        } else {
            // A retry finds its uploads attached by the first attempt: replay before checking them.
            if let Some(replayed) = replayed(&mut conn, author, key, fingerprint.as_deref()).await? {
                return Ok(replayed);
            }
            attachments_for(&mut conn, new, author).await?
        };
        let ts = Timestamp::now();
        let draft = Message::assemble(
            MessageRecord {
                id: MessageId(0),
                chat_id: new.chat_id,
                author_id: author,
                kind: new.kind,
                content: new.content.clone(),
                payload: new.payload.clone(),
                ts,
                reply_to_id: new.reply_to_id,
                thread_root_id: new.thread_root_id,
                deleted_at: None,
                updated_at: None,
            },
            &[],
            None,
            &attachments,
            &ReadFrontier::default(),
        );
        let statement = CreateStatement {
            new,
            author,
            key,
            fingerprint: fingerprint.as_deref(),
            ts,
            draft: &draft,
            limit: self.send_limit,
        };
        let plain = new.mentioned_usernames.is_empty() && new.mentioned_ids.is_empty() && new.thread_root_id.is_none();
        let outcome = if !new.upload_ids.is_empty() {
            statement.run::<CreateMessageWithUploads>(&mut conn).await?
        } else if plain {
            statement.run::<CreatePlainMessage>(&mut conn).await?
        } else {
            statement.run::<CreateMessage>(&mut conn).await?
        };
        if !outcome.is_member {
            return Err(DomainError::NotAMember.into());
        }
        if !outcome.may_post {
            return Err(DomainError::Refused(ErrorCode::DirectChatRefused).into());
        }
        if !outcome.reply_ok {
            let error = ValidationErrors::single(
                "reply_to_id",
                chat_domain::FieldCode::NotInChat,
                "must name a message of the same chat",
            );
            return Err(DomainError::Validation(error).into());
        }
        match outcome.thread_check.as_str() {
            "ok" => {}
            "nested" => {
                let why = "names a reply in a thread; threads do not nest: name that thread's root";
                return Err(DomainError::Validation(ValidationErrors::single(
                    "thread_root_id",
                    chat_domain::FieldCode::NestedThread,
                    why,
                ))
                .into());
            }
            _ => {
                let why = "must name a message of the same chat";
                return Err(DomainError::Validation(ValidationErrors::single(
                    "thread_root_id",
                    chat_domain::FieldCode::NotInChat,
                    why,
                ))
                .into());
            }
        }
        if outcome.slow_wait > 0.0 {
            // A retry of a message that went through is answered as itself, slow mode or not.
            if let Some(replayed) = replayed(&mut conn, author, key, fingerprint.as_deref()).await? {
                return Ok(replayed);
            }
            // At least a second: a client told 0 would retry at once and be refused again.
            let retry_after_secs = outcome.slow_wait.ceil().max(1.0) as u64;
            return Err(StoreError::SlowMode { retry_after_secs });
        }
        if outcome.attach_ok && !outcome.within_limit {
            if let Some(replayed) = replayed(&mut conn, author, key, fingerprint.as_deref()).await? {
                return Ok(replayed);
            }
            return Err(StoreError::SendLimited { retry_after_secs: self.send_limit.retry_after_secs() });
        }
        if !outcome.attach_ok {
            if let Some(replayed) = replayed(&mut conn, author, key, fingerprint.as_deref()).await? {
                return Ok(replayed);
            }
            let why = "names an upload attached to another message meanwhile";
            return Err(DomainError::Validation(ValidationErrors::single(
                "payload.upload_ids",
                chat_domain::FieldCode::AlreadyAttached,
                why,
            ))
            .into());
        }
        if let Some(row) = outcome.into_row() {
            // Just inserted in this statement: no reactions yet, and no one has read it.
            let created = MessageCreation { message: Message { id: MessageId(row.id), ..draft }, replayed: false };
            return self.after_write(Ok(created));
        }
        // No row: the key was claimed by a committed request.
        replayed(&mut conn, author, key, fingerprint.as_deref())
            .await?
            .ok_or_else(|| StoreError::Corrupt("message insert returned no row".into()))
    }

    /// One message, whole, if `viewer` is a member of its chat.
    pub async fn message_for_member(&self, id: MessageId, viewer: UserId) -> StoreResult<Message> {
        let mut conn = self.conn().await?;
        let row = messages::table
            .inner_join(
                chat_members::table
                    .on(chat_members::chat_id.eq(messages::chat_id).and(chat_members::user_id.eq(viewer.0))),
            )
            .filter(messages::id.eq(id.0))
            .select(MessageRow::as_select())
            .first::<MessageRow>(&mut conn)
            .await
            .optional()?
            .ok_or(DomainError::NotFound(Resource::Message))?;
        single(build_messages(&mut conn, vec![row]).await?)
    }
}

/// The uploads `new` names, checked by the domain's rules (the author's own, ready, attached
/// nowhere, images for an image message), in the order named.
async fn attachments_for(conn: &mut AsyncPgConnection, new: &NewMessage, author: UserId) -> StoreResult<Vec<Upload>> {
    let found = attachment_candidates(conn, &new.upload_ids).await?;
    Ok(check_attachments(new.kind, author, &new.upload_ids, found).map_err(DomainError::from)?)
}

/// The earlier answer if `author` has claimed `key` by a committed request with this body; `None`
/// otherwise.
async fn replayed(
    conn: &mut AsyncPgConnection,
    author: UserId,
    key: Option<&IdempotencyKey>,
    fingerprint: Option<&[u8]>,
) -> StoreResult<Option<MessageCreation>> {
    let (Some(key), Some(fingerprint)) = (key, fingerprint) else { return Ok(None) };
    let message_id = match earlier_answer(conn, author, key, fingerprint).await? {
        None => return Ok(None),
        Some(EarlierAnswer::Message(id)) => id,
        Some(EarlierAnswer::Chat(_)) => return Err(StoreError::IdempotencyKeyReused),
    };
    let row = messages::table.find(message_id.0).select(MessageRow::as_select()).first::<MessageRow>(conn).await?;
    // A message naming uploads is replayed before the create statement checks membership.
    ensure_still_member(conn, ChatId(row.chat_id), author).await?;
    let message = single(build_messages(conn, vec![row]).await?)?;
    Ok(Some(MessageCreation { message, replayed: true }))
}
