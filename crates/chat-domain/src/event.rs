//! Events: what changed, carried whole so a client never has to fetch after one. `Event` is the
//! one typed form of every stored event (its `type` and `data` together); the server stores and
//! sends it, and clients read it back into the same type.

use crate::chat::Chat;
use crate::ids::{ChatId, MessageId, UserId};
use crate::membership::ChatMember;
use crate::mention::MentionChange;
use crate::message::Message;
use crate::reaction::{Emoji, ReactionSummary};
use crate::receipt::ReceiptChange;
use crate::thread::ThreadChange;
use serde::{Deserialize, Serialize};

/// The stored event types, as they appear in a frame's `type` (and in the store's `kind` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// `message.created`: a message was posted.
    MessageCreated,
    /// `message.updated`: a message was edited.
    MessageUpdated,
    /// `message.deleted`: a message was deleted (its data is the tombstone).
    MessageDeleted,
    /// `reaction.added`: a user reacted to a message.
    ReactionAdded,
    /// `reaction.removed`: a user took back a reaction.
    ReactionRemoved,
    /// `read.updated`: a member moved their read marker forward.
    ReadUpdated,
    /// `chat.created`: a chat was created; its members receive it.
    ChatCreated,
    /// `chat.updated`: a group chat was renamed.
    ChatUpdated,
    /// `member.added`: a user joined a chat; they receive it too.
    MemberAdded,
    /// `member.updated`: a member's role changed.
    MemberUpdated,
    /// `member.removed`: a member left or was removed; they receive it too, and nothing of the
    /// chat after it.
    MemberRemoved,
    /// `mention`: a new message mentions members of its chat.
    Mention,
    /// `thread.updated`: a reply in a thread was posted or deleted; the root's new summary.
    ThreadUpdated,
    /// `receipt.updated`: a chat's lowest delivery or read markers moved.
    ReceiptUpdated,
}

impl EventKind {
    /// Every kind, in the order of docs/EVENTS.md.
    pub const ALL: [EventKind; 14] = [
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
        Self::Mention,
        Self::ThreadUpdated,
        Self::ReceiptUpdated,
    ];

    /// The kind a frame's `type` names (`"message.created"`), or `None` for a name this version
    /// does not know (including the control frames' `ready`, `typing`, ...).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// The name as a frame's `type` carries it (`"message.created"`).
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
            Self::Mention => "mention",
            Self::ThreadUpdated => "thread.updated",
            Self::ReceiptUpdated => "receipt.updated",
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
    /// Who reacted with which emoji, and the whole message after it.
    #[serde(rename = "reaction.added")]
    ReactionAdded(ReactionChange),
    /// Who took back which emoji, and the whole message after it.
    #[serde(rename = "reaction.removed")]
    ReactionRemoved(ReactionChange),
    /// A member's new read marker. No `message.updated` follows when messages become `read`:
    /// work that out from these.
    #[serde(rename = "read.updated")]
    ReadUpdated(ReadChange),
    /// The new chat and all its members.
    #[serde(rename = "chat.created")]
    ChatCreated(MembershipChange),
    /// The chat after a change (a new title).
    #[serde(rename = "chat.updated")]
    ChatUpdated(Chat),
    /// The chat and the member who joined.
    #[serde(rename = "member.added")]
    MemberAdded(MembershipChange),
    /// The chat and the member with their new role.
    #[serde(rename = "member.updated")]
    MemberUpdated(MembershipChange),
    /// Who left or was removed. The removed user receives it, and nothing of that chat after it.
    #[serde(rename = "member.removed")]
    MemberRemoved(MemberRemoval),
    /// Who a new message mentions; sent to the chat, for the mentioned to notice.
    #[serde(rename = "mention")]
    Mention(MentionChange),
    /// A thread's root and its new summary, after a reply in it was posted or deleted.
    #[serde(rename = "thread.updated")]
    ThreadUpdated(ThreadChange),
    /// A chat's lowest delivery and read markers, after one of them moved.
    #[serde(rename = "receipt.updated")]
    ReceiptUpdated(ReceiptChange),
}

impl Event {
    /// The event's kind: what its frame's `type` says.
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
            Self::Mention(_) => EventKind::Mention,
            Self::ThreadUpdated(_) => EventKind::ThreadUpdated,
            Self::ReceiptUpdated(_) => EventKind::ReceiptUpdated,
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
///
/// Once the message is deleted, such events still kept for resuming are rewritten: `message` is
/// the tombstone and `reactions` is empty.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReactionChange {
    /// The message reacted to.
    pub message_id: MessageId,
    /// Who added or took back the reaction.
    pub user_id: UserId,
    /// The emoji added or taken back.
    pub emoji: Emoji,
    /// The message's reactions after the change, the same as `message.reactions`.
    pub reactions: Vec<ReactionSummary>,
    /// The whole message after the change.
    pub message: Message,
}

/// `data` of `read.updated`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadChange {
    /// The chat the marker is in.
    pub chat_id: ChatId,
    /// The member whose marker moved.
    pub user_id: UserId,
    /// Their new marker: they have read every message of the chat up to this id.
    pub last_read_message_id: MessageId,
}

/// `data` of `chat.created`, `member.added` and `member.updated`: the chat, and who is in it,
/// joined, or changed role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipChange {
    /// The chat as it is now.
    pub chat: Chat,
    /// `chat.created`: every member; `member.added`: the one who joined; `member.updated`: the
    /// member with their new role.
    pub members: Vec<ChatMember>,
}

/// `data` of `member.removed`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRemoval {
    /// The chat they are no longer in.
    pub chat_id: ChatId,
    /// The user who left or was removed.
    pub user_id: UserId,
}
