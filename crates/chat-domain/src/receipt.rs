//! Receipts: who got a message and who read it. Delivery is recorded per member and chat ("every
//! message up to N reached one of their devices"), like read markers, never per message.

use crate::ids::{ChatId, UserId};
use crate::read_state::Marker;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// One other member's receipt for a message: when it first reached one of their devices, and when
/// they read it (each null until then; a read counts as a delivery).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receipt {
    /// The member.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub user_id: UserId,
    /// When the message reached one of their devices.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub delivered_at: Option<Timestamp>,
    /// When their read marker passed it.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub read_at: Option<Timestamp>,
}

/// The answer of `GET /messages/{id}/receipts`: every member but the author, by user id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptList {
    /// One per member other than the author.
    pub receipts: Vec<Receipt>,
}

/// `data` of `receipt.updated`: a chat's two lowest delivery markers and two lowest read markers,
/// sent when either pair changes. A message of yours is `delivered` once the first marker of
/// `delivered` that is not yours is at or past it, and `read` likewise with `read`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptChange {
    /// The chat.
    pub chat_id: ChatId,
    /// The two lowest delivery markers (a read marker counts as one), lowest first.
    pub delivered: Vec<Marker>,
    /// The two lowest read markers, lowest first.
    pub read: Vec<Marker>,
}
