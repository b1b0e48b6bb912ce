//! Accounts and the credentials that create them.

use crate::field_code::FieldCode;
use crate::ids::UserId;
use crate::presence::Presence;
use crate::timestamp::Timestamp;
use crate::validation::{ValidationErrors, check_length};
use serde::{Deserialize, Serialize};

/// The longest username, in characters (usernames are ASCII).
pub const MAX_USERNAME_CHARS: usize = 32;

/// An account, as the API shows it: never its password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// The user's id, as `member_ids`, `user_id` and `/members/{user_id}` take it.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: UserId,
    /// The unique login name: 3 to 32 of `a-z 0-9 _ . -`.
    pub username: String,
    /// The name to show; the username unless another was given.
    pub display_name: String,
    /// When the account was registered.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// Whether they are online; only for a user who shares a chat with the caller (and the
    /// caller themself), left out otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<Presence>,
    /// True for a bot account (`POST /bots`): it acts through its owner's tokens, never a password.
    /// Always sent; a reader that predates it takes `false`.
    #[serde(default)]
    pub is_bot: bool,
}

/// The body of `PATCH /users/me`: the name shown for the caller in member lists.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// 1 to 100 characters, not blank.
    pub display_name: String,
}

impl UserPatch {
    /// The display name, trimmed, once it passes the rules of a new account's.
    pub fn validate(self) -> Result<String, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let name = self.display_name.trim().to_owned();
        check_length(&mut errors, "display_name", &name, 1, 100);
        errors.finish(name)
    }
}

/// The body of register and login.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// 3 to 32 of `a-z 0-9 _ . -`.
    pub username: String,
    /// 8 to 256 characters.
    pub password: String,
    /// Register only; defaults to the username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// Hides the password, so it never reaches a log.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).finish_non_exhaustive()
    }
}

impl Credentials {
    /// Rules for a new account: a 3-32 character username of `a-z 0-9 _ . -`, a password of
    /// 8-256 characters, an optional display name of at most 100 characters.
    pub fn validate_new(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        check_username(&mut errors, &self.username);
        check_length(&mut errors, "password", &self.password, 8, 256);
        if let Some(name) = &self.display_name {
            check_length(&mut errors, "display_name", name, 1, 100);
        }
        errors.finish(())
    }
}

/// The username rules every account shares (people's and bots'): 3 to 32 of `a-z 0-9 _ . -`.
pub(crate) fn check_username(errors: &mut ValidationErrors, username: &str) {
    check_length(errors, "username", username, 3, MAX_USERNAME_CHARS);
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c);
    if !username.chars().all(allowed) {
        errors.add("username", FieldCode::Invalid, "may contain only a-z, 0-9, '_', '.' and '-'");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(username: &str, password: &str) -> Credentials {
        Credentials { username: username.into(), password: password.into(), display_name: None }
    }

    #[test]
    fn account_rules() {
        assert!(creds("ann_1", "correct horse").validate_new().is_ok());
        assert!(creds("An", "correct horse").validate_new().is_err());
        assert!(creds("Ann", "correct horse").validate_new().is_err());
        assert!(creds("ann", "short").validate_new().is_err());
        assert!(!format!("{:?}", creds("ann", "secret-password")).contains("secret"));
    }
}
