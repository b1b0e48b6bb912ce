//! Webhooks: registering, listing, re-enabling and revoking them, their deliveries, slash
//! commands, and `verify_webhook_signature` for a service that receives deliveries.

use crate::client::{Call, Client};
use crate::error::ClientResult;
use chat_domain::webhook::{SIGNATURE_SCHEME, signed_prefix};
use chat_domain::{
    ChatId, CommandList, CommandSet, CreatedWebhook, DeliveryList, UserId, Webhook, WebhookDraft, WebhookId,
    WebhookList, WebhookPatch,
};
use hmac::{Hmac, Mac};
use reqwest::Method;
use sha2::Sha256;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

impl Client {
    /// Registers a webhook in `chat`; the answer holds its secret (outgoing) or URL (incoming),
    /// shown this once. Not retried: a retry would register a second one.
    pub async fn create_webhook(&self, chat: ChatId, draft: &WebhookDraft) -> ClientResult<CreatedWebhook> {
        self.fetch(Call::once(Method::POST, format!("/chats/{chat}/webhooks")).json(draft)?).await
    }

    /// The chat's webhooks (admins), without secrets.
    pub async fn webhooks(&self, chat: ChatId) -> ClientResult<WebhookList> {
        self.fetch(Call::repeatable(Method::GET, format!("/chats/{chat}/webhooks"))).await
    }

    /// Revokes a webhook.
    pub async fn revoke_webhook(&self, webhook: WebhookId) -> ClientResult<()> {
        self.execute(Call::repeatable(Method::DELETE, format!("/webhooks/{webhook}"))).await
    }

    /// Sends to a failing webhook again (`true`), or pauses it (`false`).
    pub async fn enable_webhook(&self, webhook: WebhookId, enabled: bool) -> ClientResult<Webhook> {
        let patch = WebhookPatch { enabled };
        self.fetch(Call::repeatable(Method::PATCH, format!("/webhooks/{webhook}")).json(&patch)?).await
    }

    /// An outgoing webhook's newest deliveries, with their answers' statuses.
    pub async fn webhook_deliveries(&self, webhook: WebhookId) -> ClientResult<DeliveryList> {
        self.fetch(Call::repeatable(Method::GET, format!("/webhooks/{webhook}/deliveries"))).await
    }

    /// Replaces the slash commands `bot` answers in `chat` (`None`: the caller is the bot).
    pub async fn set_commands(
        &self,
        chat: ChatId,
        bot: Option<UserId>,
        commands: &[&str],
    ) -> ClientResult<CommandList> {
        let set = CommandSet { bot_id: bot, commands: commands.iter().map(|name| (*name).to_owned()).collect() };
        self.fetch(Call::repeatable(Method::PUT, format!("/chats/{chat}/commands")).json(&set)?).await
    }
}

/// Why a delivery's signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The signature header is not `v1=<64 hex digits>` (or none of its `v1=` values is).
    #[error("the signature header is malformed")]
    Malformed,
    /// The timestamp is further from now than the tolerance: a replay, or a clock far off.
    #[error("the timestamp is outside the tolerance")]
    Stale,
    /// The signature does not match: another secret, or a changed id, timestamp or body.
    #[error("the signature does not match")]
    Mismatch,
}

/// Checks a webhook delivery: `header` is its `Chat-Webhook-Signature`, `id` and `timestamp`
/// its `Chat-Webhook-Id` and `Chat-Webhook-Timestamp`, `body` the raw bytes (before any JSON
/// parsing: re-encoded JSON would not match). The timestamp must be within `tolerance` of now
/// (five minutes is usual), so a captured delivery cannot be replayed later; remember the ids
/// you handled to drop redeliveries. The comparison takes the same time whatever matches.
///
/// ```
/// # use std::time::Duration;
/// # fn handle(secret: &str, id: &str, timestamp: &str, signature: &str, body: &[u8]) -> Result<(), chat_client::SignatureError> {
/// chat_client::verify_webhook_signature(secret, id, timestamp, body, signature, Duration::from_secs(300))?;
/// // The delivery is genuine: parse `body` as a `chat_domain::StoredEvent` (or a `CommandCall`).
/// # Ok(())
/// # }
/// ```
pub fn verify_webhook_signature(
    secret: &str,
    id: &str,
    timestamp: &str,
    body: &[u8],
    header: &str,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let sent: i64 = timestamp.trim().parse().map_err(|_| SignatureError::Malformed)?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs());
    let now = i64::try_from(now).unwrap_or(i64::MAX);
    if now.abs_diff(sent) > tolerance.as_secs() {
        return Err(SignatureError::Stale);
    }
    let candidates: Vec<Vec<u8>> = header
        .split(',')
        .filter_map(|part| part.trim().strip_prefix(SIGNATURE_SCHEME))
        .filter_map(|digits| hex::decode(digits).ok())
        .filter(|bytes| bytes.len() == 32)
        .collect();
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    for candidate in candidates {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| SignatureError::Mismatch)?;
        mac.update(signed_prefix(id.trim(), sent).as_bytes());
        mac.update(body);
        // `verify_slice` compares in constant time.
        if mac.verify_slice(&candidate).is_ok() {
            return Ok(());
        }
    }
    Err(SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> String {
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs().to_string()
    }

    fn signed(secret: &str, id: &str, timestamp: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
        format!("v1={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn a_genuine_delivery_passes_and_any_change_fails() {
        let (timestamp, body) = (now(), br#"{"seq":1}"#);
        let header = signed("whsec_x", "42", &timestamp, body);
        let minute = Duration::from_secs(60);
        assert_eq!(verify_webhook_signature("whsec_x", "42", &timestamp, body, &header, minute), Ok(()));
        let mismatch = Err(SignatureError::Mismatch);
        assert_eq!(verify_webhook_signature("whsec_y", "42", &timestamp, body, &header, minute), mismatch);
        assert_eq!(verify_webhook_signature("whsec_x", "43", &timestamp, body, &header, minute), mismatch);
        assert_eq!(verify_webhook_signature("whsec_x", "42", &timestamp, b"{}", &header, minute), mismatch);
        let malformed = Err(SignatureError::Malformed);
        assert_eq!(verify_webhook_signature("whsec_x", "42", &timestamp, body, "v2=00", minute), malformed);
        let old = (now().parse::<i64>().unwrap() - 600).to_string();
        let header = signed("whsec_x", "42", &old, body);
        assert_eq!(verify_webhook_signature("whsec_x", "42", &old, body, &header, minute), Err(SignatureError::Stale));
    }
}
