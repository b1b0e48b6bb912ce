//! What server processes tell each other over LISTEN/NOTIFY, as one typed enum: each notice's
//! channel and payload are written and read here, and nowhere else. Notices are wake-ups and
//! ephemera only; the events table is the truth, so a lost notice loses nothing durable.

use chat_domain::{ChatId, Presence, UserId};
use serde::{Deserialize, Serialize};

/// "New seqs were published"; the payload is the newest seq (written by the publish statement).
pub(crate) const EVENTS_PUBLISHED: &str = "chat_events_published";
/// A typing indicator, never stored.
const TYPING: &str = "chat_typing";
/// A presence change, never stored.
const PRESENCE: &str = "chat_presence";
/// A revoked token, as the hex of its hash (written by the revoking statement).
pub(crate) const TOKENS_REVOKED: &str = "chat_tokens_revoked";

/// Every channel the listener subscribes to.
pub(crate) const CHANNELS: [&str; 4] = [EVENTS_PUBLISHED, TYPING, PRESENCE, TOKENS_REVOKED];

/// One notification between server processes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// Events were published up to `head`; `None` when the payload could not be read, which
    /// means: read the table whatever the head.
    EventsPublished { head: Option<i64> },
    /// `user_id` is typing in `chat_id`.
    Typing { chat_id: ChatId, user_id: UserId },
    /// `user_id`'s presence changed.
    Presence { user_id: UserId, presence: Presence },
    /// A token was revoked; `None` when its hash could not be read, which means: forget every
    /// token rather than keep one that may be revoked.
    TokenRevoked { token_hash: Option<Vec<u8>> },
}

#[derive(Serialize, Deserialize)]
struct TypingPayload {
    chat_id: ChatId,
    user_id: UserId,
}

#[derive(Serialize, Deserialize)]
struct PresencePayload {
    user_id: UserId,
    #[serde(flatten)]
    presence: Presence,
}

impl Notice {
    /// The channel and payload this notice is sent as.
    pub(crate) fn encode(&self) -> (&'static str, String) {
        match self {
            Notice::EventsPublished { head } => {
                (EVENTS_PUBLISHED, head.map(|head| head.to_string()).unwrap_or_default())
            }
            Notice::Typing { chat_id, user_id } => {
                (TYPING, json(&TypingPayload { chat_id: *chat_id, user_id: *user_id }))
            }
            Notice::Presence { user_id, presence } => {
                (PRESENCE, json(&PresencePayload { user_id: *user_id, presence: *presence }))
            }
            Notice::TokenRevoked { token_hash } => {
                // Without a hash, a payload that is not hex: every reader forgets every token.
                (TOKENS_REVOKED, token_hash.as_deref().map_or_else(|| "-".to_owned(), hex::encode))
            }
        }
    }

    /// The notice a notification on `channel` carries; `None` for a channel this server does not
    /// use, or an ephemeral notice whose payload does not decode (it is only dropped).
    pub(crate) fn decode(channel: &str, payload: &str) -> Option<Self> {
        match channel {
            EVENTS_PUBLISHED => Some(Notice::EventsPublished { head: payload.parse().ok() }),
            TYPING => serde_json::from_str::<TypingPayload>(payload)
                .ok()
                .map(|typing| Notice::Typing { chat_id: typing.chat_id, user_id: typing.user_id }),
            PRESENCE => serde_json::from_str::<PresencePayload>(payload)
                .ok()
                .map(|notice| Notice::Presence { user_id: notice.user_id, presence: notice.presence }),
            TOKENS_REVOKED => Some(Notice::TokenRevoked { token_hash: hex::decode(payload).ok() }),
            _ => None,
        }
    }
}

/// A payload struct as JSON. Serialising these plain structs cannot fail; were it to, the empty
/// payload would be dropped by every reader as unreadable.
fn json(payload: &impl Serialize) -> String {
    serde_json::to_string(payload).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_domain::PresenceStatus;

    #[test]
    fn every_notice_decodes_to_itself() {
        let notices = [
            Notice::EventsPublished { head: Some(42) },
            Notice::Typing { chat_id: ChatId(7), user_id: UserId(3) },
            Notice::Presence {
                user_id: UserId(3),
                presence: Presence { status: PresenceStatus::Offline, last_seen_at: None },
            },
            Notice::TokenRevoked { token_hash: Some(vec![0xde, 0xad]) },
            Notice::TokenRevoked { token_hash: None },
            Notice::EventsPublished { head: None },
        ];
        for notice in notices {
            let (channel, payload) = notice.encode();
            assert!(CHANNELS.contains(&channel));
            assert_eq!(Notice::decode(channel, &payload), Some(notice));
        }
    }

    #[test]
    fn unreadable_payloads_ask_for_the_safe_course() {
        assert_eq!(Notice::decode(EVENTS_PUBLISHED, "?"), Some(Notice::EventsPublished { head: None }));
        assert_eq!(Notice::decode(TOKENS_REVOKED, "zz"), Some(Notice::TokenRevoked { token_hash: None }));
        assert_eq!(Notice::decode(TYPING, "{}"), None);
        assert_eq!(Notice::decode("someone_else", "1"), None);
    }

    /// The statements that notify in SQL (with their commit) use the channels decoded here.
    #[test]
    fn statements_notify_on_the_channels_the_listener_hears() {
        assert!(crate::events::publish::PUBLISH_SQL.contains(&format!("pg_notify('{EVENTS_PUBLISHED}'")));
        assert!(crate::users::accounts::REVOKE_SQL.contains(&format!("pg_notify('{TOKENS_REVOKED}'")));
    }
}
