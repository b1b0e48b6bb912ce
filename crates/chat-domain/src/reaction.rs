//! Reactions and the per-emoji summary that messages carry.

use crate::field_code::FieldCode;
use crate::ids::UserId;
use crate::timestamp::Timestamp;
use crate::validation::ValidationErrors;
use serde::{Deserialize, Serialize};

/// The most distinct emoji one message may carry.
pub const MAX_DISTINCT_EMOJI: usize = 50;
const MAX_EMOJI_BYTES: usize = 64;

/// A reaction's key: non-empty, at most 64 bytes, no whitespace or control characters (checked
/// when read from JSON too).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Emoji(String);

impl Serialize for Emoji {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl TryFrom<String> for Emoji {
    type Error = ValidationErrors;

    fn try_from(text: String) -> Result<Self, ValidationErrors> {
        Self::parse(&text)
    }
}

impl Emoji {
    /// Checks `text` as a reaction key. It need not be a real emoji: any 1 to 64 bytes without
    /// whitespace or control characters will do. A refusal is one `emoji` field error with code
    /// `invalid`, as the API answers it (422).
    ///
    /// ```
    /// use chat_domain::{Emoji, FieldCode};
    ///
    /// let thumbs = Emoji::parse("👍")?;
    /// assert_eq!(thumbs.as_str(), "👍");
    /// assert!(Emoji::parse(":thumbsup:").is_ok());
    ///
    /// let refused = Emoji::parse("two words").unwrap_err();
    /// assert_eq!((refused.0[0].field.as_str(), refused.0[0].code), ("emoji", FieldCode::Invalid));
    /// # Ok::<(), chat_domain::ValidationErrors>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, ValidationErrors> {
        let invalid = |message: &str| Err(ValidationErrors::single("emoji", FieldCode::Invalid, message));
        if text.is_empty() {
            return invalid("must not be empty");
        }
        if text.len() > MAX_EMOJI_BYTES {
            return invalid("must be at most 64 bytes");
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return invalid("must not contain whitespace or control characters");
        }
        Ok(Self(text.to_owned()))
    }

    /// The emoji as sent (`"👍"`); percent-encode it for a path segment.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One user's reaction to one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reaction {
    /// The emoji reacted with.
    pub emoji: Emoji,
    /// Who reacted.
    pub user_id: UserId,
    /// When; it orders the summaries and their `user_ids`.
    pub created_at: Timestamp,
}

/// All reactions with one emoji: how many, and who.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReactionSummary {
    /// The reaction's key: 1 to 64 bytes without whitespace or control characters, usually an
    /// emoji such as `👍`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub emoji: Emoji,
    /// How many users reacted with it: always the length of `user_ids`.
    pub count: usize,
    /// Who reacted with it, in the order they did.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<i64>))]
    pub user_ids: Vec<UserId>,
}

/// Groups reactions by emoji, in order of each emoji's first use. `reactions` must be oldest first.
pub(crate) fn summarize(reactions: &[Reaction]) -> Vec<ReactionSummary> {
    let mut summaries: Vec<ReactionSummary> = Vec::new();
    for reaction in reactions {
        match summaries.iter_mut().find(|summary| summary.emoji == reaction.emoji) {
            Some(summary) => {
                summary.count += 1;
                summary.user_ids.push(reaction.user_id);
            }
            None => summaries.push(ReactionSummary {
                emoji: reaction.emoji.clone(),
                count: 1,
                user_ids: vec![reaction.user_id],
            }),
        }
    }
    summaries
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reaction(emoji: &str, user: i64) -> Reaction {
        Reaction { emoji: Emoji::parse(emoji).unwrap(), user_id: UserId(user), created_at: Timestamp::now() }
    }

    #[test]
    fn groups_by_emoji_in_order_of_first_use() {
        let summary = summarize(&[reaction("👍", 1), reaction("🎉", 2), reaction("👍", 5)]);
        assert_eq!(summary.len(), 2);
        assert_eq!(summary[0].emoji.as_str(), "👍");
        assert_eq!(summary[0].count, 2);
        assert_eq!(summary[0].user_ids, vec![UserId(1), UserId(5)]);
        assert_eq!(summary[1].emoji.as_str(), "🎉");
        assert!(summarize(&[]).is_empty());
    }

    #[test]
    fn emoji_rules() {
        assert!(Emoji::parse("👍🏽").is_ok());
        assert!(Emoji::parse(":thumbsup:").is_ok());
        assert!(Emoji::parse("").is_err());
        assert!(Emoji::parse("a b").is_err());
        assert!(Emoji::parse("a\u{7}").is_err());
        assert!(Emoji::parse(&"x".repeat(65)).is_err());
        assert!(Emoji::parse(&"x".repeat(64)).is_ok());
    }
}
