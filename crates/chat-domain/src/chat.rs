//! Chats, the people in them, and the request to start one.

use crate::ids::{ChatId, MessageId, UserId};
use crate::membership::Role;
use crate::timestamp::Timestamp;
use crate::validation::{ValidationErrors, check_length};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_INITIAL_MEMBERS: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ChatKind {
    /// Exactly two people, at most one such chat per pair, no title.
    Direct,
    /// A titled chat with an owner, admins and members.
    Group,
}

/// `as_str` and `FromStr` for a fieldless enum stored as text.
macro_rules! text_enum {
    ($type:ident { $($variant:ident => $text:literal),* }) => {
        impl $type {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }
        }
        impl FromStr for $type {
            type Err = ();
            fn from_str(text: &str) -> Result<Self, ()> {
                match text { $($text => Ok(Self::$variant),)* _ => Err(()) }
            }
        }
    };
}
text_enum!(ChatKind { Direct => "direct", Group => "group" });
pub(crate) use text_enum;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Chat {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: ChatId,
    pub kind: ChatKind,
    /// Null for direct chats.
    pub title: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub created_by: UserId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// The body of `POST /chats` as the client sent it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = NewChat))]
#[serde(deny_unknown_fields)]
pub struct ChatDraft {
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
    pub kind: ChatKind,
    pub title: Option<String>,
    pub creator: UserId,
    pub member_ids: Vec<UserId>,
}

impl ChatDraft {
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
                    errors.add("member_ids", "invalid", "a direct chat has exactly one other member");
                }
                if self.title.is_some() {
                    errors.add("title", "not_allowed", "a direct chat has no title");
                }
            }
            ChatKind::Group => match &self.title {
                Some(title) => check_length(&mut errors, "title", title, 1, MAX_TITLE_CHARS),
                None => errors.add("title", "required", "a group chat needs a title"),
            },
        }
        if member_ids.len() > MAX_INITIAL_MEMBERS {
            errors.add("member_ids", "too_many", format!("at most {MAX_INITIAL_MEMBERS} members at creation"));
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
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub chat: Chat,
    /// The caller's role.
    pub role: Role,
    /// Messages by others after the caller's read marker, tombstones excluded.
    pub unread_count: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub last_read_message_id: Option<MessageId>,
    pub last_message: Option<crate::message::Message>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub last_activity_at: Timestamp,
}

/// The body of `PATCH /chats/{id}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChatPatch {
    pub title: String,
}

impl ChatPatch {
    pub fn validate(self, chat: &Chat) -> Result<String, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if chat.kind == ChatKind::Direct {
            errors.add("title", "not_allowed", "a direct chat has no title");
        }
        check_length(&mut errors, "title", &self.title, 1, MAX_TITLE_CHARS);
        errors.finish(self.title)
    }
}
