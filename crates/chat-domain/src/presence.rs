//! Presence: whether a user has a WebSocket open on any server process, shown to the users who
//! share a chat with them. A user may choose to appear offline.

use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// `online` or `offline`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PresenceStatus {
    /// A WebSocket of theirs is open (and they do not appear offline).
    Online,
    /// None is, or they appear offline.
    Offline,
}

/// A user's presence as another user sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Presence {
    /// `online` or `offline`.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub status: PresenceStatus,
    /// When they last went offline (null if never, or while they appear offline and never were
    /// seen before).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_seen_at: Option<Timestamp>,
}

/// The body of `PUT /users/me/presence`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PresenceChoice {
    /// `true`: others see you offline, and your last-seen time stays as it was.
    pub appear_offline: bool,
}

impl Presence {
    /// What others see of a user with `online` sockets who may `appear_offline`.
    pub fn seen(online: bool, appear_offline: bool, last_seen_at: Option<Timestamp>) -> Self {
        let status = if online && !appear_offline { PresenceStatus::Online } else { PresenceStatus::Offline };
        Self { status, last_seen_at }
    }
}
