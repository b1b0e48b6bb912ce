//! When a message counts as delivered and as read: once every member other than its author has a
//! delivery (or read) marker at or past it. Markers are per member and chat, never per message.
//! Also the request that moves a member's read marker.

use crate::ids::{MessageId, UserId};
use crate::message_status::{DeliveryStatus, MessageStatus};
use serde::{Deserialize, Serialize};

/// Unread counts (the chat list's, a read marker's answer, a push's) stop here: a badge shows
/// "99+" at it. Counting further would cost the database a row per unread message on every
/// chat list, so a member of a few busy groups who has been away would pay for all of them.
pub const UNREAD_COUNTED_UP_TO: i64 = 100;

/// The two lowest markers of one kind in a chat (a member without one counts as marker 0). Two
/// are enough: whoever wrote a message, the lowest marker among the *other* members is one of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarkerFrontier {
    /// The member with the lowest marker, and that marker; `None` before any was pushed.
    pub lowest: Option<(UserId, MessageId)>,
    /// The member with the next lowest marker, and that marker; `None` for a chat of one.
    pub second_lowest: Option<(UserId, MessageId)>,
}

impl MarkerFrontier {
    /// Feeds markers in ascending order of marker; only the first two are kept.
    pub fn push(&mut self, user: UserId, marker: MessageId) {
        if self.lowest.is_none() {
            self.lowest = Some((user, marker));
        } else if self.second_lowest.is_none() {
            self.second_lowest = Some((user, marker));
        }
    }

    /// Whether every member other than `author` has a marker at or past `message` (never for an
    /// author alone in the chat).
    pub fn passed_by_others(&self, message: MessageId, author: UserId) -> bool {
        let others_lowest = match self.lowest {
            Some((user, _)) if user == author => self.second_lowest,
            lowest => lowest,
        };
        others_lowest.is_some_and(|(_, marker)| marker >= message)
    }

    /// The markers, lowest first, as `receipt.updated` carries them.
    pub fn markers(&self) -> Vec<Marker> {
        [self.lowest, self.second_lowest]
            .into_iter()
            .flatten()
            .map(|(user_id, message_id)| Marker { user_id, message_id })
            .collect()
    }
}

/// A chat's read markers and its delivery markers (a read marker counts as delivery too).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadFrontier {
    /// The two lowest read markers.
    pub read: MarkerFrontier,
    /// The two lowest delivery markers, each at least its member's read marker.
    pub delivered: MarkerFrontier,
}

impl ReadFrontier {
    /// The seed's `status`: `Read` once every member other than `author` has read `message`;
    /// `Delivered` otherwise, and when the author is alone in the chat.
    pub fn status_of(&self, message: MessageId, author: UserId) -> MessageStatus {
        if self.read.passed_by_others(message, author) { MessageStatus::Read } else { MessageStatus::Delivered }
    }

    /// `delivery`: `Read` as for `status`, else `Delivered` once a device of every other member
    /// received it, else `Sent`.
    pub fn delivery_of(&self, message: MessageId, author: UserId) -> DeliveryStatus {
        if self.read.passed_by_others(message, author) {
            DeliveryStatus::Read
        } else if self.delivered.passed_by_others(message, author) {
            DeliveryStatus::Delivered
        } else {
            DeliveryStatus::Sent
        }
    }
}

/// One member's marker: everything of the chat up to `message_id` is delivered to (or read by)
/// `user_id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Marker {
    /// The member.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub user_id: UserId,
    /// Their marker (0: nothing yet).
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub message_id: MessageId,
}

/// The body of `POST /chats/{chat_id}/read`: moves the caller's read marker forward to
/// `message_id` (never back). The server reads it and clients send it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ReadRequest))]
#[serde(deny_unknown_fields)]
pub struct ReadMarkerMove {
    /// A message of the chat: the newest one the caller has read.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub message_id: MessageId,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frontier(markers: &[(i64, i64)]) -> MarkerFrontier {
        let mut frontier = MarkerFrontier::default();
        for &(user, marker) in markers {
            frontier.push(UserId(user), MessageId(marker));
        }
        frontier
    }

    #[test]
    fn read_once_every_other_member_passed_it() {
        let both_read = ReadFrontier { read: frontier(&[(1, 10), (2, 12)]), delivered: frontier(&[(1, 10), (2, 12)]) };
        assert_eq!(both_read.status_of(MessageId(10), UserId(1)), MessageStatus::Read);
        assert_eq!(both_read.status_of(MessageId(11), UserId(1)), MessageStatus::Read);
        assert_eq!(both_read.status_of(MessageId(11), UserId(2)), MessageStatus::Delivered);
        assert_eq!(both_read.status_of(MessageId(13), UserId(1)), MessageStatus::Delivered);
    }

    #[test]
    fn delivery_goes_from_sent_to_delivered_to_read() {
        let chat = ReadFrontier { read: frontier(&[(2, 5), (1, 20)]), delivered: frontier(&[(2, 9), (1, 20)]) };
        assert_eq!(chat.delivery_of(MessageId(5), UserId(1)), DeliveryStatus::Read);
        assert_eq!(chat.delivery_of(MessageId(9), UserId(1)), DeliveryStatus::Delivered);
        assert_eq!(chat.delivery_of(MessageId(10), UserId(1)), DeliveryStatus::Sent);
        assert_eq!(chat.status_of(MessageId(9), UserId(1)), MessageStatus::Delivered, "the seed's status is unchanged");
    }

    #[test]
    fn alone_in_a_chat_means_sent_and_delivered() {
        let alone = ReadFrontier { read: frontier(&[(1, 99)]), delivered: frontier(&[(1, 99)]) };
        assert_eq!(alone.status_of(MessageId(5), UserId(1)), MessageStatus::Delivered);
        assert_eq!(alone.delivery_of(MessageId(5), UserId(1)), DeliveryStatus::Sent);
        assert_eq!(ReadFrontier::default().status_of(MessageId(5), UserId(1)), MessageStatus::Delivered);
    }
}
