//! Bans: a group's admins keep a person out of it. Banning removes them if they are a member, and
//! while the ban stands nobody can add them back.

use crate::ids::UserId;
use crate::timestamp::Timestamp;
use crate::validation::{ValidationErrors, check_length};
use serde::{Deserialize, Serialize};

/// The longest reason kept, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// The optional body of `PUT /chats/{chat_id}/bans/{user_id}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BanDraft {
    /// Why, for the chat's admins: at most 500 characters.
    #[serde(default)]
    pub reason: Option<String>,
}

impl BanDraft {
    /// The reason, trimmed (none when blank), once it is short enough.
    pub fn validate(self) -> Result<Option<String>, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let reason = self.reason.map(|reason| reason.trim().to_owned()).filter(|reason| !reason.is_empty());
        if let Some(reason) = &reason {
            check_length(&mut errors, "reason", reason, 1, MAX_REASON_CHARS);
        }
        errors.finish(reason)
    }
}

/// A ban: who is kept out, by whom, why and since when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatBan {
    /// The banned user.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub user_id: UserId,
    /// The admin or owner who banned them.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub banned_by: UserId,
    /// Why, if they said.
    pub reason: Option<String>,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub banned_at: Timestamp,
}

/// The answer of `GET /chats/{chat_id}/bans`: newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BanList {
    /// The chat's bans, newest first.
    pub bans: Vec<ChatBan>,
}
