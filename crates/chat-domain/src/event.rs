//! Events: what changed, carried whole so a client never has to fetch after one. `Event` is the
//! one typed form of every stored event (its `type` and `data` together); the server stores and
//! sends it, and clients read it back into the same type.

use crate::chat::Chat;
use crate::ids::{ChatId, MessageId, UserId};
use crate::membership::ChatMember;
use crate::message::Message;
use crate::reaction::{Emoji, ReactionSummary};
use serde::{Deserialize, Serialize};

/// The stored event types, as they appear in a frame's `type` (and in the store's `kind` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    MessageCreated,
    MessageUpdated,
    MessageDeleted,
    ReactionAdded,
    ReactionRemoved,
    ReadUpdated,
    ChatCreated,
    ChatUpdated,
    MemberAdded,
    MemberUpdated,
    MemberRemoved,
}

impl EventKind {
    pub const ALL: [EventKind; 11] = [
        Self::MessageCreated,
        Self::MessageUpdated,
        Self::MessageDeleted,
        Self::ReactionAdded,
        Self::ReactionRemoved,
        Self::ReadUpdated,
        Self::ChatCreated,
        Self::ChatUpdated,
        Self::MemberAdded,
        Self::MemberUpdated,
        Self::MemberRemoved,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::MessageCreated => "message.created",
            Self::MessageUpdated => "message.updated",
            Self::MessageDeleted => "message.deleted",
            Self::ReactionAdded => "reaction.added",
            Self::ReactionRemoved => "reaction.removed",
            Self::ReadUpdated => "read.updated",
            Self::ChatCreated => "chat.created",
            Self::ChatUpdated => "chat.updated",
            Self::MemberAdded => "member.added",
            Self::MemberUpdated => "member.updated",
            Self::MemberRemoved => "member.removed",
        }
    }
}

/// A stored event: its kind and its data, as a frame carries them in `type` and `data`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
#[non_exhaustive]
pub enum Event {
    /// The whole new message.
    #[serde(rename = "message.created")]
    MessageCreated(Message),
    /// The whole message after an edit.
    #[serde(rename = "message.updated")]
    MessageUpdated(Message),
    /// The message's tombstone.
    #[serde(rename = "message.deleted")]
    MessageDeleted(Message),
    #[serde(rename = "reaction.added")]
    ReactionAdded(ReactionChange),
    #[serde(rename = "reaction.removed")]
    ReactionRemoved(ReactionChange),
    #[serde(rename = "read.updated")]
    ReadUpdated(ReadChange),
    /// The new chat and all its members.
    #[serde(rename = "chat.created")]
    ChatCreated(MembershipChange),
    #[serde(rename = "chat.updated")]
    ChatUpdated(Chat),
    /// The chat and the member who joined.
    #[serde(rename = "member.added")]
    MemberAdded(MembershipChange),
    /// The chat and the member with their new role.
    #[serde(rename = "member.updated")]
    MemberUpdated(MembershipChange),
    #[serde(rename = "member.removed")]
    MemberRemoved(MemberRemoval),
}

impl Event {
    pub fn kind(&self) -> EventKind {
        match self {
            Self::MessageCreated(_) => EventKind::MessageCreated,
            Self::MessageUpdated(_) => EventKind::MessageUpdated,
            Self::MessageDeleted(_) => EventKind::MessageDeleted,
            Self::ReactionAdded(_) => EventKind::ReactionAdded,
            Self::ReactionRemoved(_) => EventKind::ReactionRemoved,
            Self::ReadUpdated(_) => EventKind::ReadUpdated,
            Self::ChatCreated(_) => EventKind::ChatCreated,
            Self::ChatUpdated(_) => EventKind::ChatUpdated,
            Self::MemberAdded(_) => EventKind::MemberAdded,
            Self::MemberUpdated(_) => EventKind::MemberUpdated,
            Self::MemberRemoved(_) => EventKind::MemberRemoved,
        }
    }

    /// The users whose membership this event changes: those it adds (`chat.created`,
    /// `member.added`) or the one it removes (`member.removed`). Delivery and resuming use this.
    pub fn membership_subjects(&self) -> Vec<UserId> {
        match self {
            Self::ChatCreated(change) | Self::MemberAdded(change) => {
                change.members.iter().map(|member| member.user_id).collect()
            }
            Self::MemberRemoved(removal) => vec![removal.user_id],
            _ => Vec::new(),
        }
    }
}

/// `data` of `reaction.added` and `reaction.removed`: who changed which emoji, and the message's
/// reaction list after the change (also inside `message`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReactionChange {
    pub message_id: MessageId,
    pub user_id: UserId,
    pub emoji: Emoji,
    pub reactions: Vec<ReactionSummary>,
    pub message: Message,
}

/// `data` of `read.updated`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadChange {
    pub chat_id: ChatId,
    pub user_id: UserId,
    pub last_read_message_id: MessageId,
}

/// `data` of `chat.created`, `member.added` and `member.updated`: the chat, and who is in it,
/// joined, or changed role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipChange {
    pub chat: Chat,
    pub members: Vec<ChatMember>,
}

/// `data` of `member.removed`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRemoval {
    pub chat_id: ChatId,
    pub user_id: UserId,
}
