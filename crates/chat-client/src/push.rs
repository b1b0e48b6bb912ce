//! Push notifications: the server's VAPID key, the caller's pushers (a browser's Web Push
//! subscription, or a device behind an HTTP push gateway), and each chat's notification setting.

use crate::client::{Call, Client};
use crate::error::ClientResult;
use chat_domain::{
    ChatId, NewPusher, NotificationSetting, PusherCreated, PusherKind, PusherList, PusherRegistration, VapidKey,
};
use reqwest::Method;

impl Client {
    /// The server's VAPID public key (P-256, uncompressed, base64url): what a browser's
    /// `pushManager.subscribe` takes as its `applicationServerKey`.
    pub async fn vapid_key(&self) -> ClientResult<VapidKey> {
        self.fetch(Call::repeatable(Method::GET, "/push/vapid-key")).await
    }

    /// Registers a pusher for this session: a Web Push subscription (its endpoint and the
    /// browser's keys) or an HTTP gateway (its notify URL and the device's pushkey). Registering
    /// the same one again updates it and answers the same id, so a lost answer is retried. The
    /// server refuses a URL on a private, loopback or link-local address (422, field `endpoint`
    /// or `url`) unless its operator allowed the host. Logging out (revoking this token) removes it.
    pub async fn register_pusher(&self, pusher: &NewPusher) -> ClientResult<PusherCreated> {
        self.fetch(Call::repeatable(Method::POST, "/push/subscriptions").json(&registration(pusher))?).await
    }

    /// The caller's pushers, oldest first (their URLs are not shown back, only their origins).
    pub async fn pushers(&self) -> ClientResult<PusherList> {
        self.fetch(Call::repeatable(Method::GET, "/push/subscriptions")).await
    }

    /// Removes one of the caller's pushers. A retry after a lost answer gets 404: the removal
    /// happened.
    pub async fn delete_pusher(&self, id: i64) -> ClientResult<()> {
        self.execute(Call::repeatable(Method::DELETE, format!("/push/subscriptions/{id}"))).await
    }

    /// The caller's notification setting in `chat`: its level (by default `all` in a direct chat,
    /// `mentions` in a group) and the end of a mute, if any.
    pub async fn notification_setting(&self, chat: ChatId) -> ClientResult<NotificationSetting> {
        self.fetch(Call::repeatable(Method::GET, format!("/chats/{chat}/notifications"))).await
    }

    /// Sets the caller's notification setting in `chat`; answers it as stored. Nothing is pushed
    /// before `muted_until`, whatever the level; level `none` mutes until changed.
    pub async fn set_notification_setting(
        &self,
        chat: ChatId,
        setting: &NotificationSetting,
    ) -> ClientResult<NotificationSetting> {
        self.fetch(Call::repeatable(Method::PUT, format!("/chats/{chat}/notifications")).json(setting)?).await
    }
}

/// The body of `POST /push/subscriptions` for `pusher`: the fields of its kind, and no others.
fn registration(pusher: &NewPusher) -> PusherRegistration {
    let (kind, endpoint, keys, url, pushkey) = match pusher.clone() {
        NewPusher::WebPush { endpoint, keys } => (PusherKind::Webpush, Some(endpoint), Some(keys), None, None),
        NewPusher::Gateway { url, pushkey } => (PusherKind::Http, None, None, Some(url), Some(pushkey)),
    };
    PusherRegistration { kind: Some(kind), endpoint, keys, expiration_time: None, url, pushkey }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_domain::PushKeys;

    #[test]
    fn each_kind_of_pusher_is_sent_with_its_own_fields_only() {
        let keys = PushKeys { p256dh: "BCVx".into(), auth: "BTBZ".into() };
        let web_push = NewPusher::WebPush { endpoint: "https://push.example/abc".into(), keys: keys.clone() };
        let body = serde_json::to_value(registration(&web_push)).unwrap_or_default();
        assert_eq!(
            body,
            serde_json::json!({"kind": "webpush", "endpoint": "https://push.example/abc", "keys": {"p256dh": "BCVx", "auth": "BTBZ"}})
        );
        let gateway =
            NewPusher::Gateway { url: "https://gw.example/_matrix/push/v1/notify".into(), pushkey: "dev".into() };
        let body = serde_json::to_value(registration(&gateway)).unwrap_or_default();
        assert_eq!(
            body,
            serde_json::json!({"kind": "http", "url": "https://gw.example/_matrix/push/v1/notify", "pushkey": "dev"})
        );
        // What the server reads back is what was meant.
        assert_eq!(registration(&web_push).validate().ok(), Some(web_push));
        assert_eq!(registration(&gateway).validate().ok(), Some(gateway));
    }
}
