//! Bot accounts: the requests that create them and issue their tokens, and the chats a token may
//! reach.

use crate::field_code::FieldCode;
use crate::ids::ChatId;
use crate::user::{User, check_username};
use crate::validation::{ValidationErrors, check_length};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The most chats one token may be limited to.
pub const MAX_SCOPE_CHATS: usize = 100;

/// The chats a token reaches: every chat its user is in, or only some of them. A token limited to
/// chats sees every other chat as one that does not exist.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ChatScope {
    /// Every chat the user is in (every session token, and a bot token issued without `chats`).
    #[default]
    Every,
    /// Only these chats (and only while the user is in them).
    Only(BTreeSet<ChatId>),
}

impl ChatScope {
    /// Whether a token of this scope reaches `chat` (membership is checked apart).
    pub fn admits(&self, chat: ChatId) -> bool {
        match self {
            ChatScope::Every => true,
            ChatScope::Only(chats) => chats.contains(&chat),
        }
    }

    /// Whether the token is limited to chosen chats.
    pub fn is_limited(&self) -> bool {
        matches!(self, ChatScope::Only(_))
    }

    /// The chosen chats, in id order; `None` for every chat.
    pub fn chats(&self) -> Option<Vec<ChatId>> {
        match self {
            ChatScope::Every => None,
            ChatScope::Only(chats) => Some(chats.iter().copied().collect()),
        }
    }

    /// The scope of an optional `chats` list: none is every chat; a list must name 1 to
    /// `MAX_SCOPE_CHATS` valid ids.
    fn parse(chats: Option<Vec<ChatId>>, errors: &mut ValidationErrors) -> ChatScope {
        let Some(chats) = chats else { return ChatScope::Every };
        if chats.is_empty() {
            errors.add("chats", FieldCode::TooShort, "name at least one chat, or leave `chats` out for every chat");
        } else if chats.len() > MAX_SCOPE_CHATS {
            errors.add("chats", FieldCode::TooMany, format!("at most {MAX_SCOPE_CHATS} chats"));
        }
        for (index, chat) in chats.iter().enumerate() {
            if chat.0 <= 0 {
                errors.add(&format!("chats[{index}]"), FieldCode::Invalid, "not a chat id");
            }
        }
        ChatScope::Only(chats.into_iter().collect())
    }
}

/// The body of `POST /bots`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BotDraft {
    /// The bot's unique username, under the rules of every account's: 3 to 32 of `a-z 0-9 _ . -`.
    pub username: String,
    /// 1 to 100 characters; defaults to the username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Limits the bot's token to these chats (1 to 100 ids); left out, it reaches every chat the
    /// bot is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<i64>>))]
    pub chats: Option<Vec<ChatId>>,
}

/// A bot to create, validated: what `BotDraft::validate` answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBot {
    /// Its username.
    pub username: String,
    /// Its display name, trimmed (the username when none was given).
    pub display_name: String,
    /// The chats its first token reaches.
    pub scope: ChatScope,
}

impl BotDraft {
    /// The bot to create, once every field passes its rules.
    pub fn validate(self) -> Result<NewBot, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        check_username(&mut errors, &self.username);
        let display_name = match self.display_name {
            Some(name) => {
                let name = name.trim().to_owned();
                check_length(&mut errors, "display_name", &name, 1, 100);
                name
            }
            None => self.username.clone(),
        };
        let scope = ChatScope::parse(self.chats, &mut errors);
        errors.finish(NewBot { username: self.username, display_name, scope })
    }
}

/// The body of `POST /bots/{bot_id}/token` (optional: no body issues an unlimited token).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenDraft {
    /// Limits the new token to these chats (1 to 100 ids); left out, it reaches every chat the
    /// bot is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<i64>>))]
    pub chats: Option<Vec<ChatId>>,
}

impl TokenDraft {
    /// The new token's scope, once `chats` passes its rules.
    pub fn validate(self) -> Result<ChatScope, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let scope = ChatScope::parse(self.chats, &mut errors);
        errors.finish(scope)
    }
}

/// The answer of `POST /bots` and of a token rotation: the bot and its new token, which is shown
/// this once (the server keeps only its hash).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BotSession {
    /// The bot (`is_bot` is true).
    pub bot: User,
    /// Send as `Authorization: Bearer <token>`; every earlier token of the bot is revoked.
    pub token: String,
}

/// The answer of `GET /bots`: the caller's bots, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BotList {
    /// The bots the caller owns (deleted ones left out).
    pub bots: Vec<User>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(username: &str, chats: Option<Vec<i64>>) -> BotDraft {
        BotDraft {
            username: username.into(),
            display_name: None,
            chats: chats.map(|c| c.into_iter().map(ChatId).collect()),
        }
    }

    #[test]
    fn a_bot_takes_a_username_and_an_optional_scope() {
        let bot = draft("deploy-bot", None).validate().unwrap();
        assert_eq!((bot.display_name.as_str(), &bot.scope), ("deploy-bot", &ChatScope::Every));
        let scoped = draft("deploy-bot", Some(vec![3, 1, 3])).validate().unwrap();
        assert_eq!(scoped.scope.chats(), Some(vec![ChatId(1), ChatId(3)]));
        assert!(scoped.scope.admits(ChatId(3)) && !scoped.scope.admits(ChatId(2)));
        assert!(ChatScope::Every.admits(ChatId(2)));
    }

    #[test]
    fn bad_names_and_scopes_are_refused_field_by_field() {
        let errors = draft("No", Some(vec![])).validate().unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(fields, ["username", "username", "chats"]);
        let errors = draft("bot", Some(vec![1, 0])).validate().unwrap_err();
        assert_eq!(errors.0[0].field, "chats[1]");
        let too_many = TokenDraft { chats: Some((1..=101).map(ChatId).collect()) }.validate().unwrap_err();
        assert_eq!(too_many.0[0].code, FieldCode::TooMany);
        assert_eq!(TokenDraft::default().validate(), Ok(ChatScope::Every));
    }
}
