//! Row structs and their translation into domain types: the one place rows become the domain.

use crate::error::{StoreError, StoreResult};
use crate::events::published::PublishedEvent;
use crate::schema::{chat_members, chats, events, messages, reactions, threads, uploads, users};
use chat_domain::{
    Chat, ChatId, Emoji, EventEnvelope, EventKind, JsonObject, LinkPreview, Membership, MessageId, MessageKind,
    MessageRecord, Reaction, ThreadSummary, Timestamp, Upload, UploadId, User, UserId,
};
use diesel::deserialize::{self, FromSql, QueryableByName};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::row::{Field, NamedRow, Row};
use diesel::sql_types::{BigInt, Bytea, Integer, Jsonb, Nullable, Text, Timestamptz};
use time::OffsetDateTime;

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {detail}"))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = messages, check_for_backend(diesel::pg::Pg))]
pub(crate) struct MessageRow {
    pub id: i64,
    pub chat_id: i64,
    pub author_id: i64,
    pub kind: String,
    pub content: Option<String>,
    pub payload: Option<serde_json::Value>,
    pub ts: OffsetDateTime,
    pub reply_to_id: Option<i64>,
    pub deleted_at: Option<OffsetDateTime>,
    pub updated_at: Option<OffsetDateTime>,
    pub thread_root_id: Option<i64>,
}

/// Hand-written SQL (history, threads, mentions, search) lists a message's columns first and in
/// this order, so each is read at its position; looking every column up by name was a tenth of
/// decoding a history page (a profile). A row laid out otherwise is still read by name.
impl QueryableByName<Pg> for MessageRow {
    fn build<'a>(row: &impl NamedRow<'a, Pg>) -> deserialize::Result<Self> {
        Ok(Self {
            id: column::<BigInt, _>(row, 0, "id")?,
            chat_id: column::<BigInt, _>(row, 1, "chat_id")?,
            author_id: column::<BigInt, _>(row, 2, "author_id")?,
            kind: column::<Text, _>(row, 3, "kind")?,
            content: column::<Nullable<Text>, _>(row, 4, "content")?,
            payload: column::<Nullable<Jsonb>, _>(row, 5, "payload")?,
            ts: column::<Timestamptz, _>(row, 6, "ts")?,
            reply_to_id: column::<Nullable<BigInt>, _>(row, 7, "reply_to_id")?,
            deleted_at: column::<Nullable<Timestamptz>, _>(row, 8, "deleted_at")?,
            updated_at: column::<Nullable<Timestamptz>, _>(row, 9, "updated_at")?,
            thread_root_id: column::<Nullable<BigInt>, _>(row, 10, "thread_root_id")?,
        })
    }
}

/// The column `name`, read at `position` when it is there, else found by name.
fn column<'a, ST, T: FromSql<ST, Pg>>(
    row: &impl NamedRow<'a, Pg>,
    position: usize,
    name: &str,
) -> deserialize::Result<T> {
    match Row::get(row, position) {
        Some(field) if field.field_name() == Some(name) => T::from_nullable_sql(field.value()),
        _ => NamedRow::get::<ST, T>(row, name),
    }
}

impl MessageRow {
    pub fn into_record(self) -> StoreResult<MessageRecord> {
        let kind = self.kind.parse::<MessageKind>().map_err(|()| corrupt("message kind", &self.kind))?;
        let payload = match self.payload {
            Some(value) => Some(serde_json::from_value::<JsonObject>(value).map_err(|e| corrupt("payload", e))?),
            None => None,
        };
        Ok(MessageRecord {
            id: MessageId(self.id),
            chat_id: ChatId(self.chat_id),
            author_id: UserId(self.author_id),
            kind,
            content: self.content,
            payload,
            ts: self.ts.into(),
            reply_to_id: self.reply_to_id.map(MessageId),
            thread_root_id: self.thread_root_id.map(MessageId),
            deleted_at: self.deleted_at.map(Timestamp::from),
            updated_at: self.updated_at.map(Timestamp::from),
        })
    }
}

/// The database form of a message payload.
pub(crate) fn payload_to_json(payload: &Option<JsonObject>) -> StoreResult<Option<serde_json::Value>> {
    payload.as_ref().map(serde_json::to_value).transpose().map_err(|e| corrupt("payload", e))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = threads, check_for_backend(diesel::pg::Pg))]
pub(crate) struct ThreadRow {
    pub root_id: i64,
    pub reply_count: i32,
    pub last_reply_at: Option<OffsetDateTime>,
    pub participant_ids: Vec<i64>,
}

impl ThreadRow {
    pub fn into_summary(self) -> StoreResult<(MessageId, ThreadSummary)> {
        let reply_count = u32::try_from(self.reply_count).map_err(|e| corrupt("reply count", e))?;
        let summary = ThreadSummary {
            reply_count,
            last_reply_at: self.last_reply_at.map(Timestamp::from),
            participant_ids: self.participant_ids.into_iter().map(UserId).collect(),
        };
        Ok((MessageId(self.root_id), summary))
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reactions, check_for_backend(diesel::pg::Pg))]
pub(crate) struct ReactionRow {
    pub message_id: i64,
    pub user_id: i64,
    pub emoji: String,
    pub created_at: OffsetDateTime,
}

impl ReactionRow {
    pub fn into_reaction(self) -> StoreResult<(MessageId, Reaction)> {
        let emoji = Emoji::parse(&self.emoji).map_err(|e| corrupt("emoji", e))?;
        let reaction = Reaction { emoji, user_id: UserId(self.user_id), created_at: self.created_at.into() };
        Ok((MessageId(self.message_id), reaction))
    }
}

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = chats, check_for_backend(diesel::pg::Pg))]
pub(crate) struct ChatRow {
    pub id: i64,
    pub kind: String,
    pub title: Option<String>,
    pub created_by: i64,
    pub created_at: OffsetDateTime,
    pub slow_mode_secs: i32,
}

impl ChatRow {
    pub fn into_chat(self) -> StoreResult<Chat> {
        Ok(Chat {
            id: ChatId(self.id),
            kind: self.kind.parse().map_err(|()| corrupt("chat kind", &self.kind))?,
            title: self.title,
            created_by: UserId(self.created_by),
            created_at: self.created_at.into(),
            slow_mode_secs: u32::try_from(self.slow_mode_secs).map_err(|e| corrupt("slow mode", e))?,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, QueryableByName)]
#[diesel(table_name = chat_members, check_for_backend(diesel::pg::Pg))]
pub(crate) struct MemberRow {
    pub chat_id: i64,
    pub user_id: i64,
    pub role: String,
    pub joined_at: OffsetDateTime,
    pub last_read_message_id: Option<i64>,
    pub last_delivered_message_id: Option<i64>,
}

impl MemberRow {
    /// Whether delivering messages up to `message` would move this member's delivery marker (a
    /// read marker counts as one).
    pub fn would_deliver(&self, message: i64) -> bool {
        self.last_delivered_message_id.max(self.last_read_message_id).unwrap_or(0) < message
    }
}

impl MemberRow {
    pub fn into_membership(self) -> StoreResult<Membership> {
        Ok(Membership {
            chat_id: ChatId(self.chat_id),
            user_id: UserId(self.user_id),
            role: self.role.parse().map_err(|()| corrupt("role", &self.role))?,
            joined_at: self.joined_at.into(),
            last_read_message_id: self.last_read_message_id.map(MessageId),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub(crate) struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub created_at: OffsetDateTime,
    pub is_bot: bool,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            id: UserId(row.id),
            username: row.username,
            display_name: row.display_name,
            created_at: row.created_at.into(),
            presence: None,
            is_bot: row.is_bot,
        }
    }
}

/// An event row (its `created_at` serves the store only).
#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = events, check_for_backend(diesel::pg::Pg))]
pub(crate) struct EventRow {
    pub seq: Option<i64>,
    pub chat_id: i64,
    pub kind: String,
    pub data: serde_json::Value,
    pub member_ids: Vec<i64>,
    pub message_id: Option<i64>,
}

impl EventRow {
    /// The published event, with the envelope delivery needs (from the typed columns: its data
    /// goes to clients untouched).
    pub fn into_published(self) -> StoreResult<PublishedEvent> {
        let kind = EventKind::parse(&self.kind).ok_or_else(|| corrupt("event kind", &self.kind))?;
        let subjects = self.member_ids.into_iter().map(UserId);
        let (joined, left) = match kind {
            EventKind::ChatCreated | EventKind::MemberAdded => (subjects.collect(), None),
            EventKind::MemberRemoved => (Vec::new(), subjects.into_iter().next()),
            _ => (Vec::new(), None),
        };
        let seq = self.seq.ok_or_else(|| corrupt("event", "read back without a seq"))?;
        let message_id = self.message_id.map(MessageId);
        let envelope = EventEnvelope { seq, chat_id: ChatId(self.chat_id), kind, message_id, joined, left };
        Ok(PublishedEvent { envelope, data: self.data })
    }
}

/// A finished upload: its metadata and the message carrying it, if any.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = uploads, check_for_backend(diesel::pg::Pg))]
pub(crate) struct UploadRow {
    pub id: uuid::Uuid,
    pub uploader_id: i64,
    pub name: String,
    pub content_type: Option<String>,
    pub size: Option<i64>,
    pub sha256: Option<Vec<u8>>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub message_id: Option<i64>,
}

/// A message's link preview, with its picture's upload when it has a ready one (the columns of
/// `aggregate.rs`'s preview statement).
#[derive(Debug, Clone, QueryableByName)]
pub(crate) struct PreviewRow {
    #[diesel(sql_type = BigInt)]
    pub message_id: i64,
    #[diesel(sql_type = Text)]
    pub url: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub title: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub description: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub site_name: Option<String>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    pub image_id: Option<uuid::Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub image_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub image_content_type: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub image_size: Option<i64>,
    #[diesel(sql_type = Nullable<Bytea>)]
    pub image_sha256: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub image_width: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub image_height: Option<i32>,
}

impl PreviewRow {
    pub fn into_preview(self) -> StoreResult<(MessageId, LinkPreview)> {
        let image = match (self.image_id, self.image_name) {
            (Some(id), Some(name)) => Some(
                UploadRow {
                    id,
                    uploader_id: 0,
                    name,
                    content_type: self.image_content_type,
                    size: self.image_size,
                    sha256: self.image_sha256,
                    width: self.image_width,
                    height: self.image_height,
                    message_id: None,
                }
                .into_upload()?,
            ),
            _ => None,
        };
        let preview = LinkPreview {
            url: self.url,
            title: self.title,
            description: self.description,
            site_name: self.site_name,
            image,
        };
        Ok((MessageId(self.message_id), preview))
    }
}

impl UploadRow {
    /// The upload; a row still `pending` (no type, size or hash yet) is corrupt here.
    pub fn into_upload(self) -> StoreResult<Upload> {
        let id = UploadId(self.id);
        let missing = || corrupt("unfinished upload", id);
        let dimension = |value: Option<i32>| value.and_then(|pixels| u32::try_from(pixels).ok());
        Ok(Upload {
            id,
            name: self.name,
            size: self.size.and_then(|size| u64::try_from(size).ok()).ok_or_else(missing)?,
            content_type: self.content_type.ok_or_else(missing)?,
            sha256: hex::encode(self.sha256.ok_or_else(missing)?),
            width: dimension(self.width),
            height: dimension(self.height),
        })
    }
}
