//! When a message counts as read: once every member other than its author has read past it.

use crate::ids::{MessageId, UserId};
use crate::message::MessageStatus;

/// The two lowest read markers of a chat (a member who never read counts as marker 0). Two are
/// enough: whoever wrote a message, the lowest marker among the *other* members is one of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadFrontier {
    /// The member with the lowest marker, and that marker; `None` before any was pushed.
    pub lowest: Option<(UserId, MessageId)>,
    /// The member with the next lowest marker, and that marker; `None` for a chat of one.
    pub second_lowest: Option<(UserId, MessageId)>,
}

impl ReadFrontier {
    /// Feeds markers in ascending order of marker; only the first two are kept.
    pub fn push(&mut self, user: UserId, marker: MessageId) {
        if self.lowest.is_none() {
            self.lowest = Some((user, marker));
        } else if self.second_lowest.is_none() {
            self.second_lowest = Some((user, marker));
        }
    }

    /// `Read` once every member other than `author` has a marker at or past `message`;
    /// `Delivered` otherwise, and when the author is alone in the chat.
    pub fn status_of(&self, message: MessageId, author: UserId) -> MessageStatus {
        let others_lowest = match self.lowest {
            Some((user, _)) if user == author => self.second_lowest,
            lowest => lowest,
        };
        match others_lowest {
            Some((_, marker)) if marker >= message => MessageStatus::Read,
            _ => MessageStatus::Delivered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frontier(markers: &[(i64, i64)]) -> ReadFrontier {
        let mut frontier = ReadFrontier::default();
        for &(user, marker) in markers {
            frontier.push(UserId(user), MessageId(marker));
        }
        frontier
    }

    #[test]
    fn read_once_every_other_member_passed_it() {
        let both_read = frontier(&[(1, 10), (2, 12)]);
        assert_eq!(both_read.status_of(MessageId(10), UserId(1)), MessageStatus::Read);
        assert_eq!(both_read.status_of(MessageId(11), UserId(1)), MessageStatus::Read);
        assert_eq!(both_read.status_of(MessageId(11), UserId(2)), MessageStatus::Delivered);
        assert_eq!(both_read.status_of(MessageId(13), UserId(1)), MessageStatus::Delivered);
    }

    #[test]
    fn alone_in_a_chat_means_delivered() {
        assert_eq!(frontier(&[(1, 99)]).status_of(MessageId(5), UserId(1)), MessageStatus::Delivered);
        assert_eq!(ReadFrontier::default().status_of(MessageId(5), UserId(1)), MessageStatus::Delivered);
    }
}
