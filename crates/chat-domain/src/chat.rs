//! Chats, the people in them, and the request to start one.

use crate::field_code::FieldCode;
use crate::ids::{ChatId, MessageId, UserId};
use crate::membership::Role;
use crate::text_enums::text_enum;
use crate::timestamp::Timestamp;
use crate::validation::{ValidationErrors, check_length};
use serde::{Deserialize, Serialize};

/// The longest group chat title, in characters (not bytes).
pub const MAX_TITLE_CHARS: usize = 200;
/// The most `member_ids` one `POST /chats` may name; more is refused as `too_many`.
pub const MAX_INITIAL_MEMBERS: usize = 1000;

/// A chat's kind, `"direct"` or `"group"` on the wire. It never changes after creation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ChatKind {
    /// Exactly two people, at most one such chat per pair, no title.
    Direct,
    /// A titled chat with an owner, admins and members.
    Group,
}

text_enum!(ChatKind { Direct => "direct", Group => "group" });

/// A chat on its own, without the caller's view of it (that is `ChatSummary`). It is the `data` of
/// `chat.updated` and the `chat` of membership events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Chat {
    /// The chat's id: `{chat_id}` in paths, `chat_id` in messages and events.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: ChatId,
    /// `direct` or `group`; never changes.
    pub kind: ChatKind,
    /// Null for direct chats.
    pub title: Option<String>,
    /// The user who created the chat; a group's creator is its first owner.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub created_by: UserId,
    /// When the chat was created.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// Slow mode: each plain member posts at most once this many seconds (owners and admins are
    /// not held); 0 when off, as it always is in a direct chat.
    #[serde(default)]
    pub slow_mode_secs: u32,
}

/// The longest slow mode, in seconds (a day).
pub const MAX_SLOW_MODE_SECS: u32 = 86_400;

/// The body of `PUT /chats/{chat_id}/slow_mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlowMode {
    /// Each plain member posts at most once this many seconds: 0 (off) to 86400.
    pub seconds: u32,
}

impl SlowMode {
    /// The seconds, for a group (`not_allowed` in a direct chat) and at most a day.
    pub fn validate(self, chat: &Chat) -> Result<u32, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if chat.kind == ChatKind::Direct {
            errors.add("seconds", FieldCode::NotAllowed, "a direct chat has no slow mode");
        }
        if self.seconds > MAX_SLOW_MODE_SECS {
            errors.add("seconds", FieldCode::Invalid, "must be 0 (off) to 86400 seconds");
        }
        errors.finish(self.seconds)
    }
}

/// The body of `POST /chats` as the client sent it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = NewChat))]
#[serde(deny_unknown_fields)]
pub struct ChatDraft {
    /// `direct` or `group`.
    pub kind: ChatKind,
    /// Required for groups (1 to 200 characters); absent for direct chats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Direct: exactly one other user. Group: the initial members besides the creator (owner), none
    /// if left out.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<i64>))]
    pub member_ids: Vec<UserId>,
}

/// A chat ready to be stored: the creator becomes its owner; `member_ids` excludes the creator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewChat {
    /// Direct or group.
    pub kind: ChatKind,
    /// A group's title (1 to 200 characters); `None` for a direct chat.
    pub title: Option<String>,
    /// Who asked: a group's owner, or one of a direct chat's two members.
    pub creator: UserId,
    /// The other members, without duplicates: exactly one for a direct chat.
    pub member_ids: Vec<UserId>,
}

impl ChatDraft {
    /// Checks the draft for `creator`, dropping the creator and duplicates from `member_ids`.
    /// Reports every field at fault: `member_ids` (`invalid` unless a direct chat names exactly
    /// one other user, `too_many`), `title` (`required`, `not_allowed`, `too_short`, `too_long`).
    /// Whether the members exist is checked by the store.
    pub fn validate(self, creator: UserId) -> Result<NewChat, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut member_ids: Vec<UserId> = Vec::with_capacity(self.member_ids.len());
        for id in self.member_ids {
            if id != creator && !member_ids.contains(&id) {
                member_ids.push(id);
            }
        }
        match self.kind {
            ChatKind::Direct => {
                if member_ids.len() != 1 {
                    errors.add("member_ids", FieldCode::Invalid, "a direct chat has exactly one other member");
                }
                if self.title.is_some() {
                    errors.add("title", FieldCode::NotAllowed, "a direct chat has no title");
                }
            }
            ChatKind::Group => match &self.title {
                Some(title) => check_length(&mut errors, "title", title, 1, MAX_TITLE_CHARS),
                None => errors.add("title", FieldCode::Required, "a group chat needs a title"),
            },
        }
        if member_ids.len() > MAX_INITIAL_MEMBERS {
            errors.add("member_ids", FieldCode::TooMany, format!("at most {MAX_INITIAL_MEMBERS} members at creation"));
        }
        errors.finish(NewChat { kind: self.kind, title: self.title, creator, member_ids })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(kind: ChatKind, title: Option<&str>, members: &[i64]) -> ChatDraft {
        ChatDraft { kind, title: title.map(str::to_owned), member_ids: members.iter().copied().map(UserId).collect() }
    }

    #[test]
    fn direct_chat_has_exactly_one_other_member_and_no_title() {
        let chat = draft(ChatKind::Direct, None, &[2, 2, 1]).validate(UserId(1)).unwrap();
        assert_eq!(chat.member_ids, vec![UserId(2)]);
        assert!(draft(ChatKind::Direct, None, &[1]).validate(UserId(1)).is_err());
        assert!(draft(ChatKind::Direct, None, &[2, 3]).validate(UserId(1)).is_err());
        assert!(draft(ChatKind::Direct, Some("x"), &[2]).validate(UserId(1)).is_err());
    }

    #[test]
    fn group_chat_needs_a_title() {
        assert!(draft(ChatKind::Group, Some("Team"), &[]).validate(UserId(1)).is_ok());
        assert!(draft(ChatKind::Group, None, &[2]).validate(UserId(1)).is_err());
        assert!(draft(ChatKind::Group, Some(" "), &[2]).validate(UserId(1)).is_err());
        let long = "t".repeat(MAX_TITLE_CHARS + 1);
        assert!(draft(ChatKind::Group, Some(&long), &[2]).validate(UserId(1)).is_err());
    }
}

/// A chat as the caller sees it in their list: with their role, unread count and last message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatSummary {
    // For rustdoc only: a doc comment here would make utoipa wrap the inlined schema in a `oneOf`,
    // and chat-api's OpenAPI document could no longer merge the flattened fields into one object.
    #[cfg_attr(doc, doc = "The chat's own fields (`id`, `kind`, `title`, ...), flattened into the summary's JSON.")]
    #[cfg_attr(not(doc), allow(missing_docs))]
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub chat: Chat,
    /// The caller's role.
    pub role: Role,
    /// Messages by others after the caller's read marker, tombstones excluded, counted up to
    /// `UNREAD_COUNTED_UP_TO` (100: show "99+").
    pub unread_count: i64,
    /// Messages after the caller's read marker that mention the caller, counted up to 100 too.
    pub unread_mentions: i64,
    /// The caller's read marker; null if the caller has never marked anything read.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub last_read_message_id: Option<MessageId>,
    /// The newest message, whole (it can be a tombstone); null if the chat has none.
    pub last_message: Option<crate::message::Message>,
    /// The later of `created_at` and the newest message's `ts` (edits, reactions and reads do not
    /// move it). The chat list is sorted by it, newest first. Of messages posted to the chat at the
    /// same moment, it may hold the `ts` of one a few milliseconds older than the newest: no post
    /// waits for another to move it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub last_activity_at: Timestamp,
}

/// The body of `PATCH /chats/{id}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChatPatch {
    /// The new title: 1 to 200 characters, not only whitespace. Direct chats have none.
    pub title: String,
}

impl ChatPatch {
    /// Checks the new title for `chat` and answers it: `title` `not_allowed` on a direct chat,
    /// `too_short` or `too_long` outside 1 to 200 characters.
    pub fn validate(self, chat: &Chat) -> Result<String, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if chat.kind == ChatKind::Direct {
            errors.add("title", FieldCode::NotAllowed, "a direct chat has no title");
        }
        check_length(&mut errors, "title", &self.title, 1, MAX_TITLE_CHARS);
        errors.finish(self.title)
    }
}
