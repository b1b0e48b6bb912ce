//! Events: what changed, carried whole so a client never has to fetch after one.

use crate::chat::Chat;
use crate::ids::{ChatId, MessageId, UserId};
use crate::membership::ChatMember;
use crate::message::Message;
use crate::reaction::{Emoji, ReactionSummary};
use serde::Serialize;

/// The stored event types, as they appear in a frame's `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

/// `data` of `reaction.added` and `reaction.removed`: who changed which emoji, and the message's
/// reaction list after the change (also inside `message`).
#[derive(Clone, Debug, Serialize)]
pub struct ReactionChange<'a> {
    pub message_id: MessageId,
    pub user_id: UserId,
    pub emoji: &'a Emoji,
    pub reactions: &'a [ReactionSummary],
    pub message: &'a Message,
}

/// `data` of `read.updated`.
#[derive(Clone, Debug, Serialize)]
pub struct ReadChange {
    pub chat_id: ChatId,
    pub user_id: UserId,
    pub last_read_message_id: MessageId,
}

/// `data` of `chat.created` and `member.added`: the chat, and who is in it or who joined.
#[derive(Clone, Debug, Serialize)]
pub struct MembershipChange<'a> {
    pub chat: &'a Chat,
    pub members: &'a [ChatMember],
}

/// `data` of `member.removed`.
#[derive(Clone, Debug, Serialize)]
pub struct MemberRemoval {
    pub chat_id: ChatId,
    pub user_id: UserId,
}
