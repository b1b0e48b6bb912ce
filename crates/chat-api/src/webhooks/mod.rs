//! Webhooks on the server's side: what registering one needs beyond the store (the URL's check,
//! the secret, the incoming URL's token), the signature deliveries carry (`signature`), and the
//! delivery worker (`delivery`).

pub mod delivery;
pub mod signature;

use crate::config::WebhookConfig;
use crate::problem::ApiError;
use crate::rate_limit::RateLimiter;
use chat_domain::{FieldCode, ValidationErrors, WebhookId};
use chat_outbound::{Outbound, OutboundError, OutboundPolicy};

/// Where incoming webhooks' URLs start; the rest is the webhook's token (a secret: never logged).
pub const INCOMING_WEBHOOK_PREFIX: &str = "/api/v1/hooks/";

/// What the webhook routes share: the outbound client (the URL check at registration is the one
/// the sender applies again at every connect) and the incoming webhooks' rate limit.
#[derive(Debug)]
pub struct Webhooks {
    pub outbound: Outbound,
    pub incoming_limiter: RateLimiter<WebhookId>,
}

impl Webhooks {
    pub fn new(config: &WebhookConfig) -> Result<Self, OutboundError> {
        Ok(Self { outbound: outbound(config)?, incoming_limiter: RateLimiter::per_minute(config.incoming_per_minute) })
    }

    /// The outgoing URL, checked: parsed, `http` or `https`, and resolving to public addresses only
    /// (unless allow-listed); a 422 on `url` otherwise. The URL itself is never logged.
    pub async fn check_url(&self, url: &str) -> Result<String, ApiError> {
        match self.outbound.check(url).await {
            Ok(checked) => Ok(checked.to_string()),
            Err(OutboundError::Refused(refusal)) => {
                let code = match refusal {
                    chat_outbound::Refusal::NonPublicAddress(_) => FieldCode::NotAllowed,
                    _ => FieldCode::Invalid,
                };
                Err(ValidationErrors::single("url", code, refusal.to_string()).into())
            }
            Err(other) => Err(ValidationErrors::single("url", FieldCode::Invalid, other.to_string()).into()),
        }
    }
}

/// The outbound client for webhooks, with the operator's allow-list and the delivery timeout.
pub fn outbound(config: &WebhookConfig) -> Result<Outbound, OutboundError> {
    Outbound::new(OutboundPolicy {
        allowed_hosts: config.allowed_hosts.clone(),
        timeout: config.timeout,
        ..OutboundPolicy::default()
    })
}

/// Registers `draft` in `chat` for `actor`: an outgoing webhook with its URL checked and a new
/// secret; an incoming one with a new bot (owned by the actor, added to the chat) and a new URL
/// token, of which only the hash is kept. `base_url` is this server's address as the caller
/// reached it, for the incoming URL.
pub async fn register(
    store: &chat_store::Store,
    webhooks: &Webhooks,
    chat: chat_domain::ChatId,
    actor: chat_domain::UserId,
    draft: chat_domain::NewWebhook,
    base_url: &str,
) -> Result<chat_domain::CreatedWebhook, ApiError> {
    use chat_domain::{CreatedWebhook, NewWebhook};
    let token = || crate::auth::token::generate().map_err(|error| ApiError::Internal(error.to_string()));
    match draft {
        NewWebhook::Outgoing { url, events, bot_id, mentions_only, commands_only, name } => {
            let url = webhooks.check_url(&url).await?;
            let secret = format!("whsec_{}", token()?);
            let registration = chat_store::OutgoingRegistration {
                url,
                secret: secret.clone(),
                events,
                bot_id,
                mentions_only,
                commands_only,
                name,
            };
            let webhook = store.register_outgoing_webhook(chat, actor, registration).await?;
            Ok(CreatedWebhook { webhook, secret: Some(secret), url: None })
        }
        NewWebhook::Incoming { name } => {
            // The bot is named from randomness of its own: its name is public, the token is not.
            let bot_username = format!("webhook-{}", &token()?[..12]);
            let token = token()?;
            let registration = chat_store::IncomingRegistration {
                bot_username,
                bot_display_name: name.clone().unwrap_or_else(|| "Incoming webhook".to_owned()),
                token_hash: crate::auth::token::hash(&token),
                name,
            };
            let webhook = store.create_incoming_webhook(chat, actor, registration).await?;
            let url = format!("{base_url}{}{token}", INCOMING_WEBHOOK_PREFIX);
            Ok(CreatedWebhook { webhook, secret: None, url: Some(url) })
        }
    }
}
