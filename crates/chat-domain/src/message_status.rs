//! How far a message has come: delivered to and read by the other members. A leaf: the message
//! carries it, the read state works it out.

use serde::{Deserialize, Serialize};

/// `read` once every member other than the author has a read marker at or past the message,
/// `delivered` otherwise (and always in the answer to `POST /messages`). Worked out each time the
/// message is fetched, so a newly added member who has read nothing turns older messages back to
/// `delivered`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    /// Stored; at least one other member has not read it yet.
    Delivered,
    /// Every other member's read marker has passed it.
    Read,
}

/// Where a message is on its way to the other members: `sent` (stored), `delivered` (a device of
/// every other member received it), `read` (every other member read it). In a direct chat, that is
/// the other person's state; for an author alone in a chat, always `sent`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Stored; a device of at least one other member has not received it yet. (What a message
    /// from a server older than receipts reads as.)
    #[default]
    Sent,
    /// Every other member's devices received it (an acknowledged frame, a history page or a
    /// feed page); at least one has not read it.
    Delivered,
    /// Every other member's read marker has passed it.
    Read,
}
