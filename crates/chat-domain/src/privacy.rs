//! What a user lets others do to reach them: who may start a direct chat with them, and whom they
//! block. A blocked user cannot start a direct chat with the blocker nor post in the one they
//! share; the refusal is the same as for the setting (`direct_chat_refused`), so it does not say
//! which it was. Blocking is otherwise invisible to the blocked user.

use crate::text_enums::text_enum;
use crate::timestamp::Timestamp;
use crate::user::User;
use serde::{Deserialize, Serialize};

/// Who may start a direct chat with a user.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DirectChats {
    /// Anyone (the default).
    #[default]
    Everyone,
    /// People who share a chat with them.
    Shared,
    /// No one: direct chats they already have stay.
    Nobody,
}

text_enum!(DirectChats { Everyone => "everyone", Shared => "shared", Nobody => "nobody" });

/// The body and answer of `PUT /users/me/privacy` (and `GET`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    /// Who may start a direct chat with the caller: `everyone`, `shared` (people who share a chat
    /// with them) or `nobody`.
    pub direct_chats: DirectChats,
}

/// A user the caller blocks, and since when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Block {
    /// The blocked user.
    pub user: User,
    /// When the caller blocked them.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub blocked_at: Timestamp,
}

/// The answer of `GET /users/me/blocks`: newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockList {
    /// The blocks, newest first.
    pub blocks: Vec<Block>,
}
