//! The message aggregate: a message together with everything a client shows with it.

use crate::ids::{ChatId, MessageId, UserId};
use crate::json::JsonObject;
use crate::link_preview::{LinkPreview, first_link};
pub use crate::message_kind::MessageKind;
pub use crate::message_status::{DeliveryStatus, MessageStatus};
use crate::reaction::{Emoji, Reaction, ReactionSummary, summarize};
use crate::read_state::ReadFrontier;
use crate::thread::ThreadSummary;
use crate::timestamp::Timestamp;
use crate::upload::Upload;
use serde::{Deserialize, Serialize};

/// A message as stored, before its reactions and read status are attached.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageRecord {
    /// The message's id.
    pub id: MessageId,
    /// The chat it was posted in.
    pub chat_id: ChatId,
    /// Who wrote it.
    pub author_id: UserId,
    /// Its type.
    pub kind: MessageKind,
    /// Its text, if any (`None` once deleted).
    pub content: Option<String>,
    /// Its payload, if any (`None` once deleted).
    pub payload: Option<JsonObject>,
    /// When it was created.
    pub ts: Timestamp,
    /// The message of the same chat it answers, if any.
    pub reply_to_id: Option<MessageId>,
    /// The root of the thread it is a reply in, if any.
    pub thread_root_id: Option<MessageId>,
    /// When it was deleted; `Some` makes the aggregate a tombstone.
    pub deleted_at: Option<Timestamp>,
    /// When it was last edited, if ever.
    pub updated_at: Option<Timestamp>,
}

/// The whole message, exactly as every endpoint and event shows it. It has no way to be "partly
/// loaded": building one takes the reactions and the read frontier up front.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    /// The message's id. Ids grow with time across the whole server, with gaps.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: MessageId,
    /// The chat it was posted in.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub chat_id: ChatId,
    /// The user who wrote it.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub author_id: UserId,
    /// `text`, `image`, `file` or `system` (written by the server).
    #[serde(rename = "type")]
    pub kind: MessageKind,
    /// Null for tombstones and for messages without text.
    pub content: Option<String>,
    /// A JSON object of at most 16 KiB; null for tombstones.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub payload: Option<JsonObject>,
    // For rustdoc only: a doc comment here would make utoipa wrap the inlined enum in a `oneOf`;
    // in the OpenAPI document, `MessageStatus`'s own description describes the field.
    #[cfg_attr(doc, doc = "`read` once every other member has read it, else `delivered` (see `MessageStatus`).")]
    #[cfg_attr(not(doc), allow(missing_docs))]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub status: MessageStatus,
    // As for `status`: the enum's own description describes the field.
    #[cfg_attr(doc, doc = "`sent`, `delivered` or `read`, per recipient (see `DeliveryStatus`).")]
    #[cfg_attr(not(doc), allow(missing_docs))]
    #[cfg_attr(feature = "openapi", schema(inline))]
    #[serde(default)]
    pub delivery: DeliveryStatus,
    /// When the message was created.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, format = DateTime, example = "2025-11-05T03:58:00.123456Z")
    )]
    pub ts: Timestamp,
    /// The message of the same chat this one replies to (possibly a tombstone), or null.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub reply_to_id: Option<MessageId>,
    /// The root of the thread this message is a reply in; left out for a message of the chat
    /// itself (so the seed's clients see the message exactly as before threads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub thread_root_id: Option<MessageId>,
    /// The summary of the thread under this message; left out while it has no reply (deleted
    /// replies not counted). A deleted root keeps it: its replies stay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<ThreadSummary>,
    /// True for a tombstone: the message was deleted, and `content`, `payload` and `reactions`
    /// are emptied. It keeps its id, place in history, `ts`, `reply_to_id`, its thread fields
    /// and `updated_at`.
    pub is_deleted: bool,
    /// When it was deleted; null unless `is_deleted`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub deleted_at: Option<Timestamp>,
    /// Who deleted it (its author, a chat admin or owner, or a server moderator); left out unless
    /// `is_deleted` (and for messages deleted before the server recorded it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub deleted_by: Option<UserId>,
    /// Why, when the one who deleted it said; left out otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_reason: Option<String>,
    /// When it was last edited; null if it never was.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub updated_at: Option<Timestamp>,
    /// Grouped by emoji, in order of each emoji's first use; empty for tombstones.
    pub reactions: Vec<ReactionSummary>,
    /// The uploads an `image` or `file` message carries, in the order its `payload.upload_ids`
    /// named them; left out when none (and for tombstones, whose files are erased).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub attachments: Vec<Upload>,
    /// What the page of the first web address in `content` shows, once the server has fetched
    /// it (a moment after the message is posted, with `message.updated`); left out until then,
    /// when the page offers nothing to show, and for tombstones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_preview: Option<LinkPreview>,
}

impl Message {
    /// Builds the aggregate. `reactions` are this message's, oldest first; `thread` is the
    /// summary of the thread under it, if it has one. A deleted message becomes a tombstone: it
    /// keeps its place but shows no content, payload or reactions.
    pub fn assemble(
        record: MessageRecord,
        reactions: &[Reaction],
        thread: Option<ThreadSummary>,
        attachments: &[Upload],
        frontier: &ReadFrontier,
    ) -> Self {
        let status = frontier.status_of(record.id, record.author_id);
        let delivery = frontier.delivery_of(record.id, record.author_id);
        let is_deleted = record.deleted_at.is_some();
        Self {
            id: record.id,
            chat_id: record.chat_id,
            author_id: record.author_id,
            kind: record.kind,
            content: if is_deleted { None } else { record.content },
            payload: if is_deleted { None } else { record.payload },
            status,
            delivery,
            ts: record.ts,
            reply_to_id: record.reply_to_id,
            thread_root_id: record.thread_root_id,
            thread: thread.and_then(ThreadSummary::shown),
            is_deleted,
            deleted_at: record.deleted_at,
            deleted_by: None,
            deletion_reason: None,
            updated_at: record.updated_at,
            reactions: if is_deleted { Vec::new() } else { summarize(reactions) },
            attachments: if is_deleted { Vec::new() } else { attachments.to_vec() },
            link_preview: None,
        }
    }

    /// The message with the preview of its first link (`None` stays `None` for a tombstone, and
    /// for a preview of an address its text no longer names).
    pub fn with_link_preview(self, preview: Option<LinkPreview>) -> Self {
        let named = |preview: &LinkPreview| self.content.as_deref().and_then(first_link) == Some(preview.url.as_str());
        let link_preview = preview.filter(|preview| !self.is_deleted && named(preview));
        Self { link_preview, ..self }
    }
}

/// Who deleted a message, and why if they said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deletion {
    /// The author, a chat admin or owner, or a server moderator.
    pub by: UserId,
    /// What they said, if anything.
    pub reason: Option<String>,
}

impl Message {
    /// The message after deletion at `at`: its place in history, nothing of what it said, and who
    /// deleted it.
    pub fn into_tombstone(self, at: Timestamp, deletion: Deletion) -> Self {
        Self {
            content: None,
            payload: None,
            reactions: Vec::new(),
            attachments: Vec::new(),
            link_preview: None,
            is_deleted: true,
            deleted_at: Some(at),
            deleted_by: Some(deletion.by),
            deletion_reason: deletion.reason,
            ..self
        }
    }

    /// A tombstone with who deleted it, as recorded (a live message ignores it).
    pub fn with_deletion(self, deletion: Option<Deletion>) -> Self {
        match deletion.filter(|_| self.is_deleted) {
            Some(Deletion { by, reason }) => Self { deleted_by: Some(by), deletion_reason: reason, ..self },
            None => self,
        }
    }

    /// The message after an edit at `at`. Its link preview stays while the text's first link is
    /// the same; the server previews a new one after the edit.
    pub fn with_body(self, body: EditedBody, at: Timestamp) -> Self {
        let preview = self.link_preview.clone();
        Self { content: body.content, payload: body.payload, updated_at: Some(at), ..self }.with_link_preview(preview)
    }

    /// Whether `user` has reacted with `emoji`.
    pub fn has_reaction(&self, user: UserId, emoji: &Emoji) -> bool {
        self.reactions.iter().any(|summary| &summary.emoji == emoji && summary.user_ids.contains(&user))
    }

    /// The message after `user` reacted with `emoji` (the newest reaction goes last).
    pub fn with_reaction(mut self, user: UserId, emoji: &Emoji) -> Self {
        match self.reactions.iter_mut().find(|summary| &summary.emoji == emoji) {
            Some(summary) if !summary.user_ids.contains(&user) => {
                summary.user_ids.push(user);
                summary.count += 1;
            }
            Some(_) => {}
            None => self.reactions.push(ReactionSummary { emoji: emoji.clone(), count: 1, user_ids: vec![user] }),
        }
        self
    }

    /// The message after `user` took back their `emoji` reaction.
    pub fn without_reaction(mut self, user: UserId, emoji: &Emoji) -> Self {
        for summary in self.reactions.iter_mut().filter(|summary| &summary.emoji == emoji) {
            summary.user_ids.retain(|&id| id != user);
            summary.count = summary.user_ids.len();
        }
        self.reactions.retain(|summary| summary.count > 0);
        self
    }
}

/// The message's body after a validated edit.
#[derive(Clone, Debug, PartialEq)]
pub struct EditedBody {
    /// The text after the edit, `None` if the message has none.
    pub content: Option<String>,
    /// The payload after the edit, `None` if the message has none.
    pub payload: Option<JsonObject>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reaction::Emoji;

    fn record(deleted: bool) -> MessageRecord {
        MessageRecord {
            id: MessageId(7),
            chat_id: ChatId(2),
            author_id: UserId(1),
            kind: MessageKind::Text,
            content: Some("hi".into()),
            payload: None,
            ts: Timestamp::now(),
            reply_to_id: None,
            thread_root_id: None,
            deleted_at: deleted.then(Timestamp::now),
            updated_at: None,
        }
    }

    fn thumbs_up() -> Vec<Reaction> {
        let emoji = Emoji::parse("👍").unwrap();
        vec![Reaction { emoji, user_id: UserId(5), created_at: Timestamp::now() }]
    }

    #[test]
    fn live_message_keeps_content_and_reactions() {
        let message = Message::assemble(record(false), &thumbs_up(), None, &[], &ReadFrontier::default());
        assert_eq!(message.content.as_deref(), Some("hi"));
        assert_eq!(message.reactions.len(), 1);
        assert!(!message.is_deleted);
        assert_eq!(message.status, MessageStatus::Delivered);
    }

    #[test]
    fn deleted_message_is_a_tombstone() {
        let message = Message::assemble(record(true), &thumbs_up(), None, &[], &ReadFrontier::default());
        assert!(message.is_deleted);
        assert!(message.deleted_at.is_some());
        assert_eq!(message.content, None);
        assert!(message.reactions.is_empty());
    }

    #[test]
    fn reactions_are_added_and_removed_in_place() {
        let message = Message::assemble(record(false), &thumbs_up(), None, &[], &ReadFrontier::default());
        let (party, thumbs) = (Emoji::parse("🎉").unwrap(), Emoji::parse("👍").unwrap());
        let message = message.with_reaction(UserId(2), &party).with_reaction(UserId(3), &thumbs);
        assert_eq!(
            message.reactions.iter().map(|r| (r.emoji.as_str(), r.count)).collect::<Vec<_>>(),
            [("👍", 2), ("🎉", 1)]
        );
        assert!(message.has_reaction(UserId(3), &thumbs));
        let same = message.clone().with_reaction(UserId(3), &thumbs);
        assert_eq!(same, message);
        let message = message.without_reaction(UserId(2), &party);
        assert_eq!(message.reactions.len(), 1);
        assert_eq!(message.reactions[0].user_ids, vec![UserId(5), UserId(3)]);
    }

    #[test]
    fn tombstone_and_edit() {
        let message = Message::assemble(record(false), &thumbs_up(), None, &[], &ReadFrontier::default());
        let edited =
            message.clone().with_body(EditedBody { content: Some("new".into()), payload: None }, Timestamp::now());
        assert_eq!(edited.content.as_deref(), Some("new"));
        assert!(edited.updated_at.is_some());
        let deletion = Deletion { by: UserId(9), reason: Some("spam".into()) };
        let gone = edited.into_tombstone(Timestamp::now(), deletion.clone());
        assert!(gone.is_deleted && gone.content.is_none() && gone.reactions.is_empty());
        assert_eq!((gone.deleted_by, gone.deletion_reason.as_deref()), (Some(UserId(9)), Some("spam")));
        let live = message.with_deletion(Some(deletion));
        assert_eq!(live.deleted_by, None, "a live message was deleted by nobody");
    }

    #[test]
    fn kind_names_round_trip() {
        for kind in MessageKind::ALL {
            assert_eq!(kind.as_str().parse::<MessageKind>(), Ok(kind));
        }
        assert!("video".parse::<MessageKind>().is_err());
    }
}
