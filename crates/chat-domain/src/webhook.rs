//! Webhooks: outgoing ones (the server calls a URL with a chat's events, signed), incoming ones (a
//! secret URL posts into a chat as a bot), and the slash commands a bot answers through its
//! outgoing webhook. What a request asks for, what the API answers, and the checks that need no
//! stored data.

use crate::event::EventKind;
use crate::field_code::FieldCode;
use crate::ids::{ChatId, MessageId, UserId};
use crate::json::{JsonObject, JsonValue};
use crate::new_message::MessageDraft;
use crate::timestamp::Timestamp;
use crate::user::User;
use crate::validation::{ValidationErrors, check_length};
use serde::{Deserialize, Serialize};

/// The longest outgoing URL, in characters.
pub const MAX_URL_CHARS: usize = 2000;
/// The most slash commands one bot registers in one chat.
pub const MAX_COMMANDS: usize = 50;
/// The longest command name, `/` included.
pub const MAX_COMMAND_CHARS: usize = 33;
/// The payload key of a message posted through an incoming webhook with a `display_name`.
pub const DISPLAY_NAME_KEY: &str = "display_name";

/// A webhook's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WebhookId(pub i64);

impl std::fmt::Display for WebhookId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Which way a webhook goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WebhookKind {
    /// The server POSTs the chat's events to the webhook's URL.
    Outgoing,
    /// A secret URL that posts messages into the chat as the webhook's bot.
    Incoming,
}

crate::text_enums::text_enum!(WebhookKind { Outgoing => "outgoing", Incoming => "incoming" });

/// Whether an outgoing webhook is being sent to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WebhookState {
    /// Deliveries go out.
    Active,
    /// A delivery was retried for the whole retry window without success: nothing is sent until
    /// `PATCH /webhooks/{id}` with `{"enabled": true}`; its deliveries wait, in order.
    Failing,
}

crate::text_enums::text_enum!(WebhookState { Active => "active", Failing => "failing" });

/// A webhook as the API shows it: never its secret, URL token or signing key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    /// Its id, as `/webhooks/{id}` takes it.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: WebhookId,
    /// The chat it belongs to.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub chat_id: ChatId,
    /// `outgoing` or `incoming`.
    pub kind: WebhookKind,
    /// A label for people.
    pub name: Option<String>,
    /// Outgoing: where events are POSTed (shown to those who may manage the webhook only).
    pub url: Option<String>,
    /// Outgoing: the event kinds sent (`message.created` unless chosen).
    pub events: Vec<String>,
    /// Outgoing: the bot it acts for (commands to the bot come here, its own messages do not);
    /// incoming: the bot it posts as.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub bot_id: Option<UserId>,
    /// Outgoing: only messages that mention `bot_id`.
    pub mentions_only: bool,
    /// Outgoing: only slash commands of `bot_id`.
    pub commands_only: bool,
    /// `active`, or `failing` once it gave up retrying.
    pub state: WebhookState,
    /// Who created it.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub created_by: UserId,
    /// When it was created.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// The body of `POST /chats/{chat_id}/webhooks`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookDraft {
    /// `outgoing` or `incoming`.
    pub kind: WebhookKind,
    /// Outgoing: an `http` or `https` URL whose host resolves to a public address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Outgoing: event kinds to send; `["message.created"]` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    /// Outgoing: the bot it acts for (the caller must own it, and it must be in the chat).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub bot_id: Option<UserId>,
    /// Outgoing, with `bot_id`: only messages mentioning the bot.
    #[serde(default)]
    pub mentions_only: bool,
    /// Outgoing, with `bot_id`: only the bot's slash commands.
    #[serde(default)]
    pub commands_only: bool,
    /// A label, 1 to 100 characters; an incoming webhook's bot is named after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A webhook draft that passed the checks needing no stored data (the URL's address is checked
/// by the outbound client, the bot by the store).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewWebhook {
    /// An outgoing webhook.
    Outgoing {
        /// The URL as given (trimmed).
        url: String,
        /// Event kinds, each known, without repeats.
        events: Vec<EventKind>,
        /// The bot it acts for.
        bot_id: Option<UserId>,
        /// Only messages mentioning the bot.
        mentions_only: bool,
        /// Only the bot's commands.
        commands_only: bool,
        /// Its label.
        name: Option<String>,
    },
    /// An incoming webhook.
    Incoming {
        /// Its label, and its bot's display name.
        name: Option<String>,
    },
}

impl WebhookDraft {
    /// Checks every field for its kind: an outgoing webhook needs a URL and known event kinds,
    /// `mentions_only` and `commands_only` need a bot; an incoming one takes only a name.
    pub fn validate(self) -> Result<NewWebhook, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let name = self.name.map(|name| name.trim().to_owned());
        if let Some(name) = &name {
            check_length(&mut errors, "name", name, 1, 100);
        }
        match self.kind {
            WebhookKind::Incoming => {
                for (field, given) in [
                    ("url", self.url.is_some()),
                    ("events", self.events.is_some()),
                    ("bot_id", self.bot_id.is_some()),
                    ("mentions_only", self.mentions_only),
                    ("commands_only", self.commands_only),
                ] {
                    if given {
                        errors.add(field, FieldCode::NotAllowed, "only outgoing webhooks take this");
                    }
                }
                errors.finish(NewWebhook::Incoming { name })
            }
            WebhookKind::Outgoing => {
                let url = self.url.map(|url| url.trim().to_owned()).unwrap_or_default();
                if url.is_empty() {
                    errors.add("url", FieldCode::Required, "an outgoing webhook needs a URL");
                } else {
                    check_length(&mut errors, "url", &url, 1, MAX_URL_CHARS);
                }
                let names = self.events.unwrap_or_else(|| vec![EventKind::MessageCreated.as_str().to_owned()]);
                if names.is_empty() {
                    errors.add("events", FieldCode::TooShort, "name at least one event kind");
                }
                let mut events = Vec::with_capacity(names.len());
                for (index, name) in names.iter().enumerate() {
                    match EventKind::parse(name) {
                        Some(kind) if events.contains(&kind) => {
                            errors.add(&format!("events[{index}]"), FieldCode::Duplicate, "named twice");
                        }
                        Some(kind) => events.push(kind),
                        None => errors.add(&format!("events[{index}]"), FieldCode::Invalid, "not an event kind"),
                    }
                }
                if self.bot_id.is_none() {
                    for (field, given) in [("mentions_only", self.mentions_only), ("commands_only", self.commands_only)]
                    {
                        if given {
                            errors.add(field, FieldCode::Required, "needs bot_id: the bot whose mentions or commands");
                        }
                    }
                }
                let (bot_id, mentions_only, commands_only) = (self.bot_id, self.mentions_only, self.commands_only);
                errors.finish(NewWebhook::Outgoing { url, events, bot_id, mentions_only, commands_only, name })
            }
        }
    }
}

/// The answer to `POST /chats/{chat_id}/webhooks`: the webhook, and its secret, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedWebhook {
    /// The webhook.
    pub webhook: Webhook,
    /// Outgoing: the key deliveries are signed with (`Chat-Webhook-Signature`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Incoming: the URL to POST messages to; whoever has it can post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The answer to `GET /chats/{chat_id}/webhooks`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookList {
    /// The chat's webhooks that are not revoked, oldest first.
    pub webhooks: Vec<Webhook>,
}

/// The body of `PATCH /webhooks/{id}`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    /// `true` sends to a `failing` webhook again, starting with its oldest waiting delivery.
    pub enabled: bool,
}

/// Where one delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not yet accepted: waiting for its turn or a retry.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// The receiver answered a 4xx other than 429 (or a redirect): not sent again.
    Failed,
}

crate::text_enums::text_enum!(DeliveryState { Pending => "pending", Delivered => "delivered", Failed => "failed" });

/// One delivery of an outgoing webhook, for debugging a receiver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    /// The `Chat-Webhook-Id` it is sent with (the same on every attempt).
    pub id: i64,
    /// The event's seq.
    pub seq: i64,
    /// The slash command it carries, if it is one.
    pub command: Option<String>,
    /// `pending`, `delivered` or `failed`.
    pub state: DeliveryState,
    /// Requests made so far.
    pub attempts: i32,
    /// The last answer's status; `null` when none came (see `last_error`).
    pub last_status: Option<i32>,
    /// Why the last attempt got no answer: `timeout`, `network`, `refused`.
    pub last_error: Option<String>,
    /// When it was planned.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When it was last tried.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_attempt_at: Option<Timestamp>,
    /// When it was delivered or failed.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub finished_at: Option<Timestamp>,
}

/// The answer to `GET /webhooks/{id}/deliveries`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryList {
    /// The newest deliveries first (at most 100).
    pub deliveries: Vec<WebhookDelivery>,
}

/// The body of `POST /hooks/{token}`: a message, as an incoming webhook's caller sends it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IncomingPost {
    /// The text, as `POST /messages` takes it (1 to 4000 characters).
    pub content: Option<String>,
    /// As the `Idempotency-Key` header of `POST /messages` (the header is taken too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// A name to show instead of the bot's for this message (kept in its `payload`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

impl IncomingPost {
    /// The message draft this post stands for, in `chat`; its `display_name`, checked, goes into
    /// the payload (other checks are the message's own).
    pub fn into_draft(self, chat: ChatId) -> Result<MessageDraft, ValidationErrors> {
        let mut draft = MessageDraft::text(chat, String::new());
        draft.content = self.content;
        if let Some(name) = self.display_name {
            let name = name.trim().to_owned();
            let mut errors = ValidationErrors::default();
            check_length(&mut errors, "display_name", &name, 1, 100);
            errors.finish(())?;
            let payload = JsonObject::from([(DISPLAY_NAME_KEY.to_owned(), JsonValue::String(name))]);
            draft.payload = Some(JsonValue::Object(payload));
        }
        Ok(draft)
    }
}

/// The body of `PUT /chats/{chat_id}/commands`: the whole set of commands a bot answers there.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CommandSet {
    /// The bot (left out when the caller is the bot itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub bot_id: Option<UserId>,
    /// Names such as `/ticket`: `/` then 1 to 32 of `a-z 0-9 _ -`; an empty list removes them all.
    pub commands: Vec<String>,
}

impl CommandSet {
    /// The command names, checked and without repeats.
    pub fn validate(&self) -> Result<Vec<String>, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if self.commands.len() > MAX_COMMANDS {
            errors.add("commands", FieldCode::TooMany, format!("at most {MAX_COMMANDS} commands"));
        }
        let mut names: Vec<String> = Vec::with_capacity(self.commands.len());
        for (index, name) in self.commands.iter().enumerate() {
            let field = format!("commands[{index}]");
            if !is_command_name(name) {
                errors.add(&field, FieldCode::Invalid, "a command is / then 1 to 32 of a-z 0-9 _ -");
            } else if names.contains(name) {
                errors.add(&field, FieldCode::Duplicate, "named twice");
            } else {
                names.push(name.clone());
            }
        }
        errors.finish(names)
    }
}

/// The answer to `PUT` and `GET /chats/{chat_id}/commands`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandList {
    /// Every command registered in the chat, by name.
    pub commands: Vec<ChatCommand>,
}

/// A command registered in a chat, and the bot that answers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatCommand {
    /// `/name`.
    pub command: String,
    /// The bot it goes to.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub bot_id: UserId,
}

/// Whether `name` is a command name: `/` then 1 to 32 of `a-z 0-9 _ -`.
pub fn is_command_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('/') else { return false };
    !rest.is_empty()
        && rest.len() < MAX_COMMAND_CHARS
        && rest.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// What a delivery's `Chat-Webhook-Signature` is an HMAC-SHA256 of, before the body that follows
/// it as sent: the delivery's id and timestamp (unix seconds), so neither can be changed or
/// replayed apart from the body. The server signs it and `chat-client` verifies it: one format.
pub fn signed_prefix(id: impl std::fmt::Display, timestamp: i64) -> String {
    format!("{id}.{timestamp}.")
}

/// The scheme label before each hex signature in `Chat-Webhook-Signature` (`v1=<hex>`).
pub const SIGNATURE_SCHEME: &str = "v1=";

/// A message that starts with a command: the command and the rest of the text, trimmed.
/// (`"/ticket  printer is down"` is `("/ticket", "printer is down")`; `"/ticket"` has no arguments.)
pub fn split_command(content: &str) -> Option<(&str, &str)> {
    let end = content.find(char::is_whitespace).unwrap_or(content.len());
    let (command, rest) = content.split_at(end);
    is_command_name(command).then(|| (command, rest.trim()))
}

/// What an outgoing webhook receives for a slash command:
/// `{"type":"command","command","arguments","caller","chat_id","message_id"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename = "command")]
pub struct CommandCall {
    /// The command, `/` included.
    pub command: String,
    /// The message's text after the command, trimmed (may be empty).
    pub arguments: String,
    /// Who sent the message.
    pub caller: User,
    /// The chat it was sent in.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub chat_id: ChatId,
    /// The message.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub message_id: MessageId,
}

/// What a receiver may answer a command with (2xx): `content` is posted in the chat as the bot,
/// once per delivery however often it is redelivered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandAnswer {
    /// The reply's text; nothing is posted without it.
    #[serde(default)]
    pub content: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outgoing(events: Option<Vec<&str>>) -> WebhookDraft {
        WebhookDraft {
            kind: WebhookKind::Outgoing,
            url: Some("https://example.com/hook".into()),
            events: events.map(|names| names.into_iter().map(str::to_owned).collect()),
            bot_id: None,
            mentions_only: false,
            commands_only: false,
            name: None,
        }
    }

    fn fields(errors: &ValidationErrors) -> Vec<(&str, FieldCode)> {
        errors.0.iter().map(|error| (error.field.as_str(), error.code)).collect()
    }

    #[test]
    fn an_outgoing_webhook_wants_message_created_unless_told_otherwise() {
        let NewWebhook::Outgoing { events, .. } = outgoing(None).validate().unwrap() else { panic!("outgoing") };
        assert_eq!(events, vec![EventKind::MessageCreated]);
        let errors = outgoing(Some(vec!["message.updated", "nope", "message.updated"])).validate().unwrap_err();
        assert_eq!(fields(&errors), vec![("events[1]", FieldCode::Invalid), ("events[2]", FieldCode::Duplicate)]);
    }

    #[test]
    fn filters_need_a_bot_and_incoming_webhooks_take_no_outgoing_fields() {
        let mut draft = outgoing(None);
        draft.mentions_only = true;
        draft.url = None;
        let errors = draft.validate().unwrap_err();
        assert_eq!(fields(&errors), vec![("url", FieldCode::Required), ("mentions_only", FieldCode::Required)]);
        let mut incoming = outgoing(None);
        incoming.kind = WebhookKind::Incoming;
        let errors = incoming.validate().unwrap_err();
        assert_eq!(fields(&errors), vec![("url", FieldCode::NotAllowed)]);
    }

    #[test]
    fn commands_are_split_from_their_arguments() {
        assert_eq!(split_command("/ticket  printer is down "), Some(("/ticket", "printer is down")));
        assert_eq!(split_command("/ticket"), Some(("/ticket", "")));
        assert_eq!(split_command("/Ticket x"), None);
        assert_eq!(split_command("hello /ticket"), None);
        assert_eq!(split_command("/"), None);
        let set = CommandSet { bot_id: None, commands: vec!["/a".into(), "b".into(), "/a".into()] };
        assert_eq!(
            fields(&set.validate().unwrap_err()),
            vec![("commands[1]", FieldCode::Invalid), ("commands[2]", FieldCode::Duplicate)]
        );
    }
}
