//! chat-client's push calls against the real server: the VAPID key; a device's pushers of both
//! kinds registered (once however often), listed, and deleted by their owner only; a private
//! address refused with its field; a chat's notification setting read and set by its member only.

use crate::client::signed_up;
use crate::support::TestApp;
use chat_client::ClientError;
use chat_domain::{
    ChatDraft, ChatKind, ErrorCode, NewPusher, NotificationLevel, NotificationSetting, PushKeys, PusherKind, Timestamp,
};
use time::{Duration, OffsetDateTime};

/// RFC 8291 Appendix A's user agent: a real P-256 public key and auth secret, as a browser gives them.
fn browser_keys() -> PushKeys {
    PushKeys {
        p256dh: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4".into(),
        auth: "BTBZMqHH6r4Tts7J_aSIgg".into(),
    }
}

/// A server that takes pushers on 127.0.0.1, as an operator's allow-list would.
async fn allowing_localhost() -> TestApp {
    TestApp::spawn_with(|config| config.push.allowed_hosts = vec!["127.0.0.1".into()]).await
}

/// A Web Push endpoint on the allow-listed host (nothing listens there: nothing is sent).
fn web_push(device: &str) -> NewPusher {
    NewPusher::WebPush { endpoint: format!("http://127.0.0.1:9/push/{device}"), keys: browser_keys() }
}

fn status(error: &ClientError) -> Option<u16> {
    match error {
        ClientError::Refused { status, .. } => Some(*status),
        _ => None,
    }
}

#[tokio::test]
async fn a_device_registers_lists_and_removes_its_pushers() {
    let app = allowing_localhost().await;
    let ann = signed_up(&app.address, "ann").await;
    let bob = signed_up(&app.address, "bob").await;

    let key = ann.vapid_key().await.unwrap().public_key;
    // 65 bytes (0x04, then x and y) are 87 base64url characters, the first a `B`.
    assert_eq!(key.len(), 87, "{key}");
    assert!(key.starts_with('B') && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{key}");
    assert_eq!(bob.vapid_key().await.unwrap().public_key, key, "one key for the server");

    let laptop = ann.register_pusher(&web_push("ann-laptop")).await.unwrap();
    assert_eq!(ann.register_pusher(&web_push("ann-laptop")).await.unwrap().id, laptop.id, "registered again: the same");
    let gateway =
        NewPusher::Gateway { url: "http://127.0.0.1:9/_matrix/push/v1/notify".into(), pushkey: "ann-phone".into() };
    let phone = ann.register_pusher(&gateway).await.unwrap();
    let listed = ann.pushers().await.unwrap().items;
    let seen: Vec<_> =
        listed.iter().map(|pusher| (pusher.id, pusher.kind, pusher.origin.as_str(), pusher.this_session)).collect();
    assert_eq!(
        seen,
        [
            (laptop.id, PusherKind::Webpush, "http://127.0.0.1:9", true),
            (phone.id, PusherKind::Http, "http://127.0.0.1:9", true)
        ]
    );

    // Bob sees none of them and removes none.
    assert!(bob.pushers().await.unwrap().items.is_empty());
    assert_eq!(status(&bob.delete_pusher(laptop.id).await.unwrap_err()), Some(404));

    ann.delete_pusher(laptop.id).await.unwrap();
    assert_eq!(ann.pushers().await.unwrap().items.iter().map(|pusher| pusher.id).collect::<Vec<_>>(), [phone.id]);
    assert_eq!(status(&ann.delete_pusher(laptop.id).await.unwrap_err()), Some(404), "deleted already");
}

#[tokio::test]
async fn a_pusher_on_a_private_address_is_refused_with_its_field() {
    let app = allowing_localhost().await; // 127.0.0.1 only: other private addresses stay refused
    let ann = signed_up(&app.address, "ann").await;
    for (pusher, field) in [
        (NewPusher::Gateway { url: "http://10.1.2.3/_matrix/push/v1/notify".into(), pushkey: "phone".into() }, "url"),
        (NewPusher::WebPush { endpoint: "http://169.254.169.254/latest".into(), keys: browser_keys() }, "endpoint"),
    ] {
        let refused = ann.register_pusher(&pusher).await.unwrap_err();
        assert_eq!(refused.code(), Some(ErrorCode::ValidationFailed), "{refused:?}");
        let ClientError::Refused { problem, .. } = refused else { panic!("not a refusal") };
        assert_eq!(problem.errors.unwrap().0[0].field, field);
    }
    assert!(ann.pushers().await.unwrap().items.is_empty(), "nothing stored");
}

#[tokio::test]
async fn a_member_reads_and_sets_a_chats_notification_level() {
    let app = TestApp::spawn().await;
    let ann = signed_up(&app.address, "ann").await;
    let bob = signed_up(&app.address, "bob").await;
    let eve = signed_up(&app.address, "eve").await;
    let bob_id = bob.me().await.unwrap().id;
    let direct = ChatDraft { kind: ChatKind::Direct, title: None, member_ids: vec![bob_id] };
    let direct = ann.create_chat(&direct).await.unwrap().chat;
    let group = ChatDraft { kind: ChatKind::Group, title: Some("Team".into()), member_ids: vec![bob_id] };
    let group = ann.create_chat(&group).await.unwrap().chat;

    // Unset: a direct chat notifies of everything, a group of mentions.
    let unset = |level| NotificationSetting { level, muted_until: None };
    assert_eq!(ann.notification_setting(direct.id).await.unwrap(), unset(NotificationLevel::All));
    assert_eq!(ann.notification_setting(group.id).await.unwrap(), unset(NotificationLevel::Mentions));

    // Everything in the group, but not for the next hour.
    let hour_from_now = OffsetDateTime::now_utc() + Duration::hours(1);
    let micros = hour_from_now.replace_nanosecond(hour_from_now.nanosecond() / 1_000 * 1_000).unwrap();
    let muted = NotificationSetting { level: NotificationLevel::All, muted_until: Some(Timestamp(micros)) };
    assert_eq!(ann.set_notification_setting(group.id, &muted).await.unwrap(), muted);
    assert_eq!(ann.notification_setting(group.id).await.unwrap(), muted);
    assert_eq!(bob.notification_setting(group.id).await.unwrap(), unset(NotificationLevel::Mentions), "Ann's only");
    let silent = unset(NotificationLevel::None);
    assert_eq!(ann.set_notification_setting(direct.id, &silent).await.unwrap(), silent);
    assert_eq!(ann.notification_setting(direct.id).await.unwrap(), silent);

    // Not a member: as if the chat did not exist.
    let outsider = eve.set_notification_setting(group.id, &silent).await.unwrap_err();
    assert_eq!(status(&outsider), Some(404), "{outsider:?}");
    assert_eq!(status(&eve.notification_setting(group.id).await.unwrap_err()), Some(404));
}
