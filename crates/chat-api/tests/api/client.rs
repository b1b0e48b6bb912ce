//! chat-client against the real server: a service's whole round (log in, chat, post, read,
//! follow events), typed refusals, and creates that stay single however they are retried.

use crate::support::TestApp;
use chat_client::{Client, ClientError, PageQuery, RetryPolicy, StreamItem};
use chat_domain::{
    AuditAction, ChatDraft, ChatKind, Credentials, DeliveryStatus, DirectChats, Emoji, ErrorCode, Event, MessageDraft,
    MessagePatch, Privacy, ReportAction, ReportDraft, ReportResolution, Role, ServerRole, StoredEvent,
};
use futures_util::StreamExt as _;
use std::time::Duration;

fn credentials(name: &str) -> Credentials {
    Credentials { username: name.into(), password: "correct horse battery".into(), display_name: None }
}

/// A client logged in as a new user `name`.
pub async fn signed_up(origin: &str, name: &str) -> Client {
    let anonymous = Client::new(origin);
    let session = anonymous.register(&credentials(name)).await.unwrap();
    anonymous.with_token(session.token)
}

/// The next stored event of `events`, within 5 s (connection notices and typing are skipped).
pub async fn next_event(events: &mut chat_client::EventStream) -> StoredEvent {
    loop {
        let item = tokio::time::timeout(Duration::from_secs(5), events.next()).await.expect("no event within 5 s");
        if let StreamItem::Event(stored) = item.expect("the stream ended").unwrap() {
            return *stored;
        }
    }
}

#[tokio::test]
async fn a_service_logs_in_chats_and_follows_its_events() {
    let app = TestApp::spawn().await;
    let ann = signed_up(&app.address, "ann").await;
    let bob = signed_up(&app.address, "bob").await;
    let bob_id = bob.me().await.unwrap().id;
    let relogged = Client::new(&app.address).login(&credentials("ann")).await.unwrap();
    assert_eq!(relogged.user.username, "ann");

    let mut events = bob.event_stream(None);
    let draft = ChatDraft { kind: ChatKind::Group, title: Some("Team".into()), member_ids: vec![bob_id] };
    let chat = ann.create_chat(&draft).await.unwrap().chat;
    assert!(matches!(next_event(&mut events).await.event, Event::ChatCreated(_)));
    let posted = ann.post_text(chat.id, "hello bob").await.unwrap();
    match next_event(&mut events).await.event {
        Event::MessageCreated(message) => assert_eq!(message, posted),
        other => panic!("expected the message, got {other:?}"),
    }

    let thumbs = Emoji::parse("👍").unwrap();
    assert_eq!(bob.react(posted.id, &thumbs).await.unwrap().reactions[0].count, 1);
    let patch = MessagePatch { content: Some("hello, bob".into()), payload: None };
    assert_eq!(ann.edit_message(posted.id, &patch).await.unwrap().content.as_deref(), Some("hello, bob"));
    assert_eq!(ann.edits(posted.id).await.unwrap().edits.len(), 1);
    app.search_caught_up().await;
    let hits = bob.search("hello", &chat_client::SearchOptions::default()).await.unwrap().hits;
    assert_eq!(hits[0].message.id, posted.id);
    let page = bob.history(chat.id, PageQuery::latest()).await.unwrap();
    assert_eq!(page.messages.len(), 1);
    assert_eq!(bob.mark_read(chat.id, posted.id).await.unwrap().unread_count, 0);
    assert_eq!(ann.chats(None, Some(10)).await.unwrap().chats[0].chat.id, chat.id);
    assert_eq!(ann.members(chat.id).await.unwrap().members.len(), 2);
    assert_eq!(ann.change_role(chat.id, bob_id, Role::Admin).await.unwrap().role, Role::Admin);
    assert_eq!(ann.rename_chat(chat.id, "Renamed").await.unwrap().chat.title.as_deref(), Some("Renamed"));
    assert!(ann.delete_message(posted.id).await.unwrap().is_deleted);
    let named = ann.post_text(chat.id, "@bob: see above").await.unwrap();
    assert_eq!(bob.mentions(None, None).await.unwrap().messages[0].id, named.id);
    let found = ann.search_users("bo", None, None).await.unwrap();
    assert_eq!(found.users[0].id, bob_id);
    assert_eq!(ann.user(bob_id).await.unwrap().username, "bob");
    assert_eq!(bob.set_display_name("Bob B.").await.unwrap().display_name, "Bob B.");
    let feed = bob.events(0, None).await.unwrap();
    assert!(!feed.resync_required);
    assert!(feed.events.len() >= 7, "{feed:?}");
}

#[tokio::test]
async fn a_service_following_events_acknowledges_them_and_reads_threads() {
    let app = TestApp::spawn().await;
    let ann = signed_up(&app.address, "ann").await;
    let bob = signed_up(&app.address, "bob").await;
    let bob_id = bob.me().await.unwrap().id;
    let draft = ChatDraft { kind: ChatKind::Group, title: Some("Acks".into()), member_ids: vec![bob_id] };
    let chat = ann.create_chat(&draft).await.unwrap().chat;
    let mut events = bob.event_stream(None);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let posted = ann.post_text(chat.id, "did the service get it?").await.unwrap();
    assert_eq!(posted.delivery, DeliveryStatus::Sent);
    while !matches!(next_event(&mut events).await.event, Event::MessageCreated(_)) {}
    let mut delivered_at = None;
    for _ in 0..40 {
        delivered_at = ann.receipts(posted.id).await.unwrap().receipts[0].delivered_at;
        if delivered_at.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(delivered_at.is_some(), "the stream acknowledged the message");
    assert_eq!(ann.message(posted.id).await.unwrap().delivery, DeliveryStatus::Delivered);

    let reply = MessageDraft { thread_root_id: Some(posted.id), ..MessageDraft::text(chat.id, "in its thread") };
    let reply = bob.post_message(&reply).await.unwrap();
    let thread = ann.thread(reply.id, PageQuery::latest()).await.unwrap();
    assert_eq!((thread.root.id, thread.messages), (posted.id, vec![reply]));
    let chat_only = PageQuery::latest().without_thread_replies();
    assert_eq!(ann.history(chat.id, chat_only).await.unwrap().messages.len(), 1);
}

#[tokio::test]
async fn a_service_shares_a_file_that_a_member_downloads_and_an_outsider_cannot() {
    let app = TestApp::spawn().await;
    let ann = signed_up(&app.address, "ann").await;
    let bob = signed_up(&app.address, "bob").await;
    let eve = signed_up(&app.address, "eve").await;
    let draft =
        ChatDraft { kind: ChatKind::Group, title: Some("Files".into()), member_ids: vec![bob.me().await.unwrap().id] };
    let chat = ann.create_chat(&draft).await.unwrap().chat;
    let report = b"%PDF-1.4\n% the quarterly report\n%%EOF\n".to_vec();
    let upload = ann.upload("report Q3.pdf", "application/pdf", report.clone()).await.unwrap();
    assert_eq!(
        (upload.name.as_str(), upload.content_type.as_str(), upload.size),
        ("report Q3.pdf", "application/pdf", report.len() as u64)
    );
    let message = MessageDraft::carrying(chat.id, chat_domain::MessageKind::File, &[upload.id]);
    let posted = ann.post_message(&message).await.unwrap();
    assert_eq!(posted.attachments, vec![upload.clone()]);
    assert_eq!(bob.download(upload.id).await.unwrap(), report);
    match eve.download(upload.id).await {
        Err(ClientError::Refused { status: 404, problem }) => assert_eq!(problem.code, ErrorCode::UploadNotFound),
        other => panic!("an outsider downloaded: {other:?}"),
    }
}

#[tokio::test]
async fn refusals_are_typed_with_their_code_and_fields() {
    let app = TestApp::spawn().await;
    let ann = signed_up(&app.address, "ann").await;
    let outsider = signed_up(&app.address, "outsider").await;
    let draft = ChatDraft { kind: ChatKind::Group, title: Some("Team".into()), member_ids: vec![] };
    let chat = ann.create_chat(&draft).await.unwrap().chat;

    let empty = ann.post_text(chat.id, "").await.unwrap_err();
    assert_eq!(empty.code(), Some(ErrorCode::ValidationFailed));
    let ClientError::Refused { status, problem } = empty else { panic!("not a refusal") };
    assert_eq!(status, 422);
    assert_eq!(problem.errors.unwrap().0[0].field, "content");
    assert_eq!(outsider.post_text(chat.id, "hi").await.unwrap_err().code(), Some(ErrorCode::NotAMember));
    let taken = Client::new(&app.address).register(&credentials("ann")).await.unwrap_err();
    assert_eq!(taken.code(), Some(ErrorCode::UsernameTaken));
    let anonymous = Client::new(&app.address);
    assert_eq!(anonymous.me().await.unwrap_err().code(), Some(ErrorCode::Unauthorized));
    assert_eq!(app.count("messages").await, 0);
}

#[tokio::test]
async fn a_post_whose_answer_is_lost_is_retried_and_made_once() {
    let app = TestApp::spawn().await;
    let ann = signed_up(&app.address, "ann").await;
    let draft = ChatDraft { kind: ChatKind::Group, title: Some("Team".into()), member_ids: vec![] };
    let chat = ann.create_chat(&draft).await.unwrap().chat;
    // Every commit that writes an event now takes 1 s; the client gives up on an answer after
    // 300 ms, so the first attempt's answer is lost although its message commits.
    app.slow_commits(1).await;
    let policy =
        RetryPolicy { attempts: 20, first_delay: Duration::from_millis(100), max_delay: Duration::from_millis(300) };
    let impatient = ann.clone().with_timeout(Duration::from_millis(300)).with_retry(policy);

    let message = impatient.post_text(chat.id, "exactly once").await.unwrap();
    assert_eq!(message.content.as_deref(), Some("exactly once"));
    assert_eq!(app.count("messages").await, 1, "the retries created nothing more");
    let never_retried = ann.clone().with_timeout(Duration::from_millis(300)).with_retry(RetryPolicy::none());
    assert!(matches!(never_retried.post_text(chat.id, "given up").await, Err(ClientError::Transport(_))));
}

#[tokio::test]
async fn a_post_answered_503_is_retried_with_its_key_and_made_once() {
    let app = TestApp::spawn().await;
    let ann = signed_up(&app.address, "ann").await;
    let draft = ChatDraft { kind: ChatKind::Group, title: Some("Team".into()), member_ids: vec![] };
    let chat = ann.create_chat(&draft).await.unwrap().chat;
    app.slow_commits(2).await;

    let posting = tokio::spawn({
        let ann = ann.clone();
        async move { ann.post_text(chat.id, "after an outage").await }
    });
    // The first attempt's commit waits in the trigger: end its backend, so the server answers 503
    // and the message rolls back; the client's retry (same key) then creates it.
    assert_eq!(app.kill_sleeping_commit(|| posting.is_finished()).await, 1, "the post never reached its commit");
    let message = posting.await.unwrap().unwrap();
    assert_eq!(message.content.as_deref(), Some("after an outage"));
    assert_eq!(app.count("messages").await, 1);
}

#[tokio::test]
async fn blocks_the_direct_chat_setting_and_bans_through_the_client() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (signed_up(&app.address, "ann").await, signed_up(&app.address, "bob").await);
    let (ann_id, bob_id) = (ann.me().await.unwrap().id, bob.me().await.unwrap().id);
    let direct = ChatDraft { kind: ChatKind::Direct, title: None, member_ids: vec![ann_id] };
    let chat = bob.create_chat(&direct).await.unwrap().chat;

    assert_eq!(ann.block(bob_id).await.unwrap().user.id, bob_id);
    assert_eq!(ann.blocks().await.unwrap().blocks.len(), 1);
    let refused = bob.post_text(chat.id, "hello?").await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::DirectChatRefused), "{refused}");
    ann.unblock(bob_id).await.unwrap();
    bob.post_text(chat.id, "hello").await.unwrap();

    let nobody = Privacy { direct_chats: DirectChats::Nobody };
    assert_eq!(ann.set_privacy(&nobody).await.unwrap(), nobody);
    assert_eq!(ann.privacy().await.unwrap(), nobody);
    let carol = signed_up(&app.address, "carol").await;
    let refused = carol.create_chat(&direct).await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::DirectChatRefused));

    // A group's admin bans and lifts a ban.
    let carol_id = carol.me().await.unwrap().id;
    let draft = ChatDraft { kind: ChatKind::Group, title: Some("Team".into()), member_ids: vec![bob_id, carol_id] };
    let group = ann.create_chat(&draft).await.unwrap().chat;
    assert_eq!(ann.ban(group.id, carol_id, Some("spam")).await.unwrap().reason.as_deref(), Some("spam"));
    assert_eq!(ann.bans(group.id).await.unwrap().bans.len(), 1);
    let readd = ann.add_member(group.id, carol_id, Role::Member).await.unwrap_err();
    assert_eq!(readd.code(), Some(ErrorCode::UserBanned));
    ann.unban(group.id, carol_id).await.unwrap();
    ann.add_member(group.id, carol_id, Role::Member).await.unwrap();

    // Ann registered first: a server admin, who reads the log and makes Bob a moderator.
    let log = ann.audit(None, Some(2)).await.unwrap();
    assert_eq!(
        log.entries.iter().map(|entry| entry.action).collect::<Vec<_>>(),
        [AuditAction::Unban, AuditAction::Ban]
    );
    assert_eq!(bob.audit(None, None).await.unwrap_err().code(), Some(ErrorCode::Forbidden));
    ann.set_server_role(bob_id, Some(ServerRole::Moderator)).await.unwrap();
    assert_eq!(log.next_before, None);
    let seen = bob.audit(None, None).await.unwrap();
    assert_eq!(seen.entries.first().map(|entry| entry.action), Some(AuditAction::ServerRole));
    assert_eq!(seen.entries.len(), 3);

    // Carol reports a message of Bob's; Ann, a server admin, resolves it.
    let message = bob.post_text(group.id, "buy pills").await.unwrap();
    let draft = ReportDraft { message_id: Some(message.id), user_id: None, reason: "spam".into() };
    let report = carol.report(&draft).await.unwrap();
    assert_eq!((report.user_id, report.evidence.as_deref()), (bob_id, Some("buy pills")));
    assert_eq!(ann.reports(None, None).await.unwrap().reports[0].id, report.id);
    let resolution = ReportResolution { action: ReportAction::Dismissed, note: None };
    assert!(ann.resolve_report(report.id, &resolution).await.unwrap().resolution.is_some());

    // Bob, now a moderator, deletes Carol's message saying why, and suspends her for good; Ann
    // lifts it. A slow mode Ann sets holds Carol back, with the code to retry on.
    let carols = carol.post_text(group.id, "link spam").await.unwrap();
    let tombstone = bob.delete_message_because(carols.id, "spam & links").await.unwrap();
    assert_eq!((tombstone.deleted_by, tombstone.deletion_reason.as_deref()), (Some(bob_id), Some("spam & links")));
    assert_eq!(ann.set_slow_mode(group.id, 60).await.unwrap().chat.slow_mode_secs, 60);
    carol.post_text(group.id, "one").await.unwrap();
    assert_eq!(carol.post_text(group.id, "two").await.unwrap_err().code(), Some(ErrorCode::RateLimited));
    bob.suspend(carol_id, None, "repeated spam").await.unwrap();
    assert_eq!(carol.me().await.unwrap_err().code(), Some(ErrorCode::Unauthorized));
    ann.unsuspend(carol_id).await.unwrap();
}
