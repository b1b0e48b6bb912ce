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
