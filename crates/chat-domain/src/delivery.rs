//! Who receives which event: the members of its chat, from the moment they join until they leave.

use crate::bot::ChatScope;
use crate::event::EventKind;
use crate::ids::{ChatId, MessageId, UserId};
use std::collections::{BTreeMap, HashSet};

/// What delivery needs to know of a published event, without its payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventEnvelope {
    /// The event's place in the server-wide sequence.
    pub seq: i64,
    /// The chat the event belongs to.
    pub chat_id: ChatId,
    /// What kind of event it is.
    pub kind: EventKind,
    /// The message it is about, for the message, reaction, mention and thread events.
    pub message_id: Option<MessageId>,
    /// Users this event makes members (`chat.created`, `member.added`).
    pub joined: Vec<UserId>,
    /// The user this event removes (`member.removed`).
    pub left: Option<UserId>,
}

/// What reached one of a user's devices, per chat: the newest message of each chat among the
/// `message.created` events handed over (a WebSocket frame the client acknowledged, a feed page).
/// A delivery marker covers everything up to it, so the newest is all that needs recording.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveredMarks(BTreeMap<ChatId, MessageId>);

impl DeliveredMarks {
    /// Notes `event` as handed over.
    pub fn note(&mut self, event: &EventEnvelope) {
        if let (EventKind::MessageCreated, Some(message)) = (event.kind, event.message_id) {
            self.note_message(event.chat_id, message);
        }
    }

    /// Notes message `message` of `chat` as handed over.
    pub fn note_message(&mut self, chat: ChatId, message: MessageId) {
        let newest = self.0.entry(chat).or_insert(message);
        *newest = (*newest).max(message);
    }

    /// Whether nothing was noted since the last `take`.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The newest message noted per chat, forgetting them.
    pub fn take(&mut self) -> Vec<(ChatId, MessageId)> {
        std::mem::take(&mut self.0).into_iter().collect()
    }
}

/// One user's view of the event stream: how far they have read it and the chats they are in,
/// kept up to date by the stream. Every path that hands events to a user (the WebSocket's replay
/// and live delivery, `GET /events`) admits them here, so they all decide alike.
#[derive(Clone, Debug)]
pub struct Subscription {
    user: UserId,
    /// Every seq up to here has been looked at (handed over or passed by).
    position: i64,
    /// The user's chats within `scope`: a chat outside it is never tracked, so nothing of it is
    /// admitted (events, typing, presence).
    chats: HashSet<ChatId>,
    scope: ChatScope,
}

impl Subscription {
    /// `user`'s subscription at seq `position`, when they were in `chats`.
    pub fn new(user: UserId, position: i64, chats: impl IntoIterator<Item = ChatId>) -> Self {
        Self { user, position, chats: chats.into_iter().collect(), scope: ChatScope::Every }
    }

    /// The same subscription, for a token that reaches only `scope`'s chats.
    pub fn limited_to(mut self, scope: ChatScope) -> Self {
        self.chats.retain(|chat| scope.admits(*chat));
        self.scope = scope;
        self
    }

    /// The chats the token behind this subscription reaches.
    pub fn scope(&self) -> &ChatScope {
        &self.scope
    }

    /// Whose events these are.
    pub fn user(&self) -> UserId {
        self.user
    }

    /// The last seq looked at: the next event admitted comes after it.
    pub fn position(&self) -> i64 {
        self.position
    }

    /// The chats the user is in, as far as this subscription has followed the stream.
    pub fn chats(&self) -> impl Iterator<Item = ChatId> + '_ {
        self.chats.iter().copied()
    }

    /// Whether the user is in `chat`, as far as this subscription has followed the stream.
    pub fn is_member(&self, chat: ChatId) -> bool {
        self.chats.contains(&chat)
    }

    /// Whether the user receives `event`, updating their position and chats as it goes: an event
    /// at or before the position was had already; a join counts from the joining event on; a
    /// removal is the last event of that chat they receive.
    pub fn admit(&mut self, event: &EventEnvelope) -> bool {
        if event.seq <= self.position {
            return false;
        }
        self.position = event.seq;
        if !self.scope.admits(event.chat_id) {
            return false;
        }
        if event.joined.contains(&self.user) {
            self.chats.insert(event.chat_id);
        }
        let deliver = self.chats.contains(&event.chat_id) || event.left == Some(self.user);
        if event.left == Some(self.user) {
            self.chats.remove(&event.chat_id);
        }
        deliver
    }

    /// Moves the position to `seq` when it is further: every event up to it was looked at (a
    /// page of the log that held none of the user's, or what live delivery starts after).
    pub fn pass_to(&mut self, seq: i64) {
        self.position = self.position.max(seq);
    }

    /// Whether the user sees `typist` typing in `chat`: in their chats, and not themselves.
    pub fn sees_typing(&self, chat: ChatId, typist: UserId) -> bool {
        typist != self.user && self.is_member(chat)
    }

    /// Whether the user sees `whose` presence change, offered through `chats` (theirs in common).
    pub fn sees_presence(&self, chats: &[ChatId], whose: UserId) -> bool {
        whose != self.user && chats.iter().any(|chat| self.is_member(*chat))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64, chat: i64, kind: EventKind, joined: &[i64], left: Option<i64>) -> EventEnvelope {
        EventEnvelope {
            seq,
            chat_id: ChatId(chat),
            kind,
            message_id: None,
            joined: joined.iter().copied().map(UserId).collect(),
            left: left.map(UserId),
        }
    }

    #[test]
    fn members_receive_from_joining_until_leaving() {
        let mut ann = Subscription::new(UserId(1), 0, [ChatId(10)]);
        assert!(ann.admit(&event(1, 10, EventKind::MessageCreated, &[], None)));
        assert!(!ann.admit(&event(2, 20, EventKind::MessageCreated, &[], None)));
        assert!(ann.admit(&event(3, 20, EventKind::MemberAdded, &[1], None)));
        assert!(ann.admit(&event(4, 20, EventKind::MessageCreated, &[], None)));
        assert!(ann.admit(&event(5, 20, EventKind::MemberRemoved, &[], Some(1))));
        assert!(!ann.admit(&event(6, 20, EventKind::MessageCreated, &[], None)));
        assert!(!ann.is_member(ChatId(20)));
    }

    #[test]
    fn a_removal_reaches_the_removed_user_even_when_not_tracked() {
        let mut bob = Subscription::new(UserId(2), 0, []);
        assert!(bob.admit(&event(1, 30, EventKind::MemberRemoved, &[], Some(2))));
        assert!(!bob.admit(&event(2, 30, EventKind::MemberRemoved, &[], Some(3))));
    }

    #[test]
    fn what_was_looked_at_is_not_admitted_again() {
        let mut ann = Subscription::new(UserId(1), 5, [ChatId(10)]);
        assert!(!ann.admit(&event(5, 10, EventKind::MessageCreated, &[], None)));
        assert!(ann.admit(&event(6, 10, EventKind::MessageCreated, &[], None)));
        assert!(!ann.admit(&event(6, 10, EventKind::MessageCreated, &[], None)));
        ann.pass_to(9);
        ann.pass_to(7);
        assert_eq!(ann.position(), 9);
        assert!(!ann.admit(&event(8, 10, EventKind::MessageCreated, &[], None)));
        assert!(ann.admit(&event(10, 10, EventKind::MessageCreated, &[], None)));
    }

    #[test]
    fn a_limited_token_sees_only_its_chats() {
        let scope = ChatScope::Only([ChatId(10)].into());
        let mut bot = Subscription::new(UserId(1), 0, [ChatId(10), ChatId(20)]).limited_to(scope);
        assert!(!bot.is_member(ChatId(20)));
        assert!(bot.admit(&event(1, 10, EventKind::MessageCreated, &[], None)));
        assert!(!bot.admit(&event(2, 20, EventKind::MessageCreated, &[], None)));
        assert!(!bot.admit(&event(3, 30, EventKind::MemberAdded, &[1], None)));
        assert!(!bot.admit(&event(4, 30, EventKind::MessageCreated, &[], None)));
        assert!(!bot.admit(&event(5, 20, EventKind::MemberRemoved, &[], Some(1))));
        assert!(!bot.sees_typing(ChatId(20), UserId(2)));
        assert_eq!(bot.position(), 5);
    }

    #[test]
    fn ephemera_reach_members_other_than_their_subject() {
        let ann = Subscription::new(UserId(1), 0, [ChatId(10)]);
        assert!(ann.sees_typing(ChatId(10), UserId(2)));
        assert!(!ann.sees_typing(ChatId(10), UserId(1)));
        assert!(!ann.sees_typing(ChatId(20), UserId(2)));
        assert!(ann.sees_presence(&[ChatId(20), ChatId(10)], UserId(2)));
        assert!(!ann.sees_presence(&[ChatId(10)], UserId(1)));
        assert!(!ann.sees_presence(&[ChatId(20)], UserId(2)));
    }
}
