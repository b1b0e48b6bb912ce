//! Mentions: the members a message names, by `@username` in its text or in an explicit list (for
//! clients that resolve names themselves). Names of people who are not members are ignored.

use crate::ids::{MessageId, UserId};
use crate::user::MAX_USERNAME_CHARS;
use serde::{Deserialize, Serialize};

/// The most people one message may mention.
pub const MAX_MENTIONS: usize = 50;

/// The usernames `@`-mentioned in `text`, lowercased, each once, in order of first mention.
///
/// An `@` counts when nothing word-like comes right before it (so `ann@example.com` mentions no
/// one) and 3 to 32 characters of `a-z 0-9 _ . -` follow; a final `.` ends the sentence, not
/// the name.
///
/// ```
/// use chat_domain::mention::mentioned_usernames;
/// assert_eq!(mentioned_usernames("@Ann and @bob.k: see ann@example.com, @al. @ann"), ["ann", "bob.k"]);
/// ```
pub fn mentioned_usernames(text: &str) -> Vec<String> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || "_.-".contains(c);
    let mut names: Vec<String> = Vec::new();
    let mut previous: Option<char> = None;
    for (at, c) in text.char_indices() {
        if c == '@' && !previous.is_some_and(|before| before.is_alphanumeric() || "_.-".contains(before)) {
            let rest = &text[at + 1..];
            let end = rest.find(|c: char| !is_name(c)).unwrap_or(rest.len());
            let name = rest[..end].trim_end_matches('.').to_ascii_lowercase();
            if (3..=MAX_USERNAME_CHARS).contains(&name.len()) && !names.contains(&name) && names.len() < MAX_MENTIONS {
                names.push(name);
            }
        }
        previous = Some(c);
    }
    names
}

/// `data` of `mention`: who a new message mentions (members only, never its author).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentionChange {
    /// The message that mentions them.
    pub message_id: MessageId,
    /// The members mentioned.
    pub user_ids: Vec<UserId>,
}
