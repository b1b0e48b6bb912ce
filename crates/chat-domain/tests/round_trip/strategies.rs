//! Arbitrary values of every type that crosses the wire.

use chat_domain::*;
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use time::OffsetDateTime;

pub fn timestamp() -> impl Strategy<Value = Timestamp> {
    // Microsecond precision, as the server writes them; from 1970 to about 2100.
    (0_i64..4_102_444_800_000_000)
        .prop_map(|micros| Timestamp(OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000).unwrap()))
}

fn text() -> impl Strategy<Value = String> {
    // Quotes, backslashes, control characters, Cyrillic and emoji: what JSON escaping must carry.
    "[a-zA-Z0-9 \"\\\\\n\tяё😀]{0,12}"
}

pub fn emoji() -> impl Strategy<Value = Emoji> {
    "[😀👍🎉a-z+:_-]{1,8}".prop_map(|text| Emoji::parse(&text).unwrap())
}

fn json_value() -> impl Strategy<Value = JsonValue> {
    let leaf = prop_oneof![
        Just(JsonValue::Null),
        any::<bool>().prop_map(JsonValue::Bool),
        any::<i64>().prop_map(JsonValue::Integer),
        (-1e12_f64..1e12).prop_map(JsonValue::Float),
        text().prop_map(JsonValue::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(JsonValue::Array),
            btree_map(text(), inner, 0..4).prop_map(JsonValue::Object),
        ]
    })
}

fn ids() -> impl Strategy<Value = i64> {
    1_i64..i64::MAX
}

pub fn reaction_summary() -> impl Strategy<Value = ReactionSummary> {
    (emoji(), vec(ids().prop_map(UserId), 1..4)).prop_map(|(emoji, user_ids)| ReactionSummary {
        emoji,
        count: user_ids.len(),
        user_ids,
    })
}

fn marker() -> impl Strategy<Value = Marker> {
    (ids(), 0_i64..i64::MAX)
        .prop_map(|(user, message)| Marker { user_id: UserId(user), message_id: MessageId(message) })
}

pub fn read_marker_move() -> impl Strategy<Value = ReadMarkerMove> {
    ids().prop_map(|message| ReadMarkerMove { message_id: MessageId(message) })
}

pub fn thread_summary() -> impl Strategy<Value = ThreadSummary> {
    (0_u32..10_000, option::of(timestamp()), vec(ids().prop_map(UserId), 0..4)).prop_map(
        |(reply_count, last_reply_at, participant_ids)| ThreadSummary { reply_count, last_reply_at, participant_ids },
    )
}

pub fn message() -> impl Strategy<Value = Message> {
    let kinds = prop::sample::select(MessageKind::ALL.to_vec());
    let statuses = prop::sample::select(vec![
        (MessageStatus::Delivered, DeliveryStatus::Sent),
        (MessageStatus::Delivered, DeliveryStatus::Delivered),
        (MessageStatus::Read, DeliveryStatus::Read),
    ]);
    let payload = option::of(btree_map(text(), json_value(), 0..4));
    let head = (ids(), ids(), ids(), kinds, option::of(text()), payload, statuses);
    let tail = (timestamp(), option::of(ids()), option::of(timestamp()), option::of(timestamp()));
    let thread = (option::of(ids()), option::of(thread_summary()), option::of((ids(), option::of(text()))));
    let extras = (vec(reaction_summary(), 0..3), vec(upload(), 0..3), option::of(link_preview()));
    (head, tail, thread, extras).prop_map(
        |(
            (id, chat, author, kind, content, payload, status),
            (ts, reply, deleted_at, updated_at),
            (thread_root, thread, deletion),
            (reactions, attachments, link_preview),
        )| {
            Message {
                id: MessageId(id),
                chat_id: ChatId(chat),
                author_id: UserId(author),
                kind,
                content,
                payload,
                status: status.0,
                delivery: status.1,
                ts,
                reply_to_id: reply.map(MessageId),
                thread_root_id: thread_root.map(MessageId),
                thread,
                is_deleted: deleted_at.is_some(),
                deleted_at,
                deleted_by: deletion.as_ref().map(|(by, _)| UserId(*by)),
                deletion_reason: deletion.and_then(|(_, reason)| reason),
                updated_at,
                reactions,
                attachments,
                link_preview,
            }
        },
    )
}

pub fn link_preview() -> impl Strategy<Value = LinkPreview> {
    (text(), option::of(text()), option::of(text()), option::of(text()), option::of(upload())).prop_map(
        |(url, title, description, site_name, image)| LinkPreview { url, title, description, site_name, image },
    )
}

pub fn upload() -> impl Strategy<Value = Upload> {
    let dimensions = option::of((1_u32..100_000, 1_u32..100_000));
    (any::<u128>(), text(), 1_u64..u64::MAX / 2, text(), "[0-9a-f]{64}", dimensions).prop_map(
        |(id, name, size, content_type, sha256, dimensions)| Upload {
            id: UploadId(uuid::Uuid::from_u128(id)),
            name,
            size,
            content_type,
            sha256,
            width: dimensions.map(|(width, _)| width),
            height: dimensions.map(|(_, height)| height),
        },
    )
}

pub fn chat() -> impl Strategy<Value = Chat> {
    let kinds = prop::sample::select(vec![ChatKind::Direct, ChatKind::Group]);
    (ids(), kinds, option::of(text()), ids(), timestamp(), 0_u32..86_401).prop_map(
        |(id, kind, title, created_by, created_at, slow_mode_secs)| Chat {
            id: ChatId(id),
            kind,
            title,
            created_by: UserId(created_by),
            created_at,
            slow_mode_secs,
        },
    )
}

fn role() -> impl Strategy<Value = Role> {
    prop::sample::select(vec![Role::Member, Role::Admin, Role::Owner])
}

pub fn chat_member() -> impl Strategy<Value = ChatMember> {
    (ids(), text(), text(), role(), timestamp(), option::of(ids()), any::<bool>()).prop_map(
        |(user, username, display_name, role, joined_at, last_read, is_bot)| ChatMember {
            user_id: UserId(user),
            username,
            display_name,
            role,
            joined_at,
            last_read_message_id: last_read.map(MessageId),
            presence: None,
            is_bot,
        },
    )
}

pub fn chat_summary() -> impl Strategy<Value = ChatSummary> {
    (chat(), role(), 0_i64..1_000_000, option::of(ids()), option::of(message()), timestamp()).prop_map(
        |(chat, role, unread_count, last_read, last_message, last_activity_at)| ChatSummary {
            chat,
            role,
            unread_count,
            unread_mentions: unread_count / 2,
            last_read_message_id: last_read.map(MessageId),
            last_message,
            last_activity_at,
        },
    )
}

fn membership_change() -> impl Strategy<Value = MembershipChange> {
    (chat(), vec(chat_member(), 1..4)).prop_map(|(chat, members)| MembershipChange { chat, members })
}

fn reaction_change() -> impl Strategy<Value = ReactionChange> {
    (ids(), ids(), emoji(), vec(reaction_summary(), 0..3), message()).prop_map(
        |(message_id, user_id, emoji, reactions, message)| ReactionChange {
            message_id: MessageId(message_id),
            user_id: UserId(user_id),
            emoji,
            reactions,
            message,
        },
    )
}

pub fn event() -> impl Strategy<Value = Event> {
    let read = (ids(), ids(), ids()).prop_map(|(chat, user, message)| ReadChange {
        chat_id: ChatId(chat),
        user_id: UserId(user),
        last_read_message_id: MessageId(message),
    });
    let removal =
        (ids(), ids()).prop_map(|(chat, user)| MemberRemoval { chat_id: ChatId(chat), user_id: UserId(user) });
    prop_oneof![
        message().prop_map(Event::MessageCreated),
        message().prop_map(Event::MessageUpdated),
        message().prop_map(Event::MessageDeleted),
        reaction_change().prop_map(Event::ReactionAdded),
        reaction_change().prop_map(Event::ReactionRemoved),
        read.prop_map(Event::ReadUpdated),
        membership_change().prop_map(Event::ChatCreated),
        chat().prop_map(Event::ChatUpdated),
        membership_change().prop_map(Event::MemberAdded),
        membership_change().prop_map(Event::MemberUpdated),
        removal.prop_map(Event::MemberRemoved),
        (ids(), vec(ids().prop_map(UserId), 1..4))
            .prop_map(|(message, user_ids)| Event::Mention(MentionChange { message_id: MessageId(message), user_ids })),
        (ids(), thread_summary())
            .prop_map(|(root, thread)| Event::ThreadUpdated(ThreadChange { message_id: MessageId(root), thread })),
        (ids(), vec(marker(), 0..3), vec(marker(), 0..3)).prop_map(|(chat, delivered, read)| Event::ReceiptUpdated(
            ReceiptChange { chat_id: ChatId(chat), delivered, read }
        )),
    ]
}

pub fn server_frame() -> impl Strategy<Value = ServerFrame> {
    let stored =
        (0_i64..i64::MAX, 0_u16..4, option::of(text()), ids(), event()).prop_map(|(seq, log, resume, chat, event)| {
            ServerFrame::Event(Box::new(StoredEvent { seq, log: LogId(log), resume, chat_id: ChatId(chat), event }))
        });
    let codes = prop::sample::select(ErrorCode::ALL.to_vec());
    prop_oneof![
        stored,
        (ids(), 0_i64..i64::MAX, option::of(text())).prop_map(|(user, seq, resume)| ServerFrame::Control(
            ControlFrame::Ready { user_id: UserId(user), seq, resume }
        )),
        Just(ServerFrame::Control(ControlFrame::ResyncRequired)),
        (ids(), ids()).prop_map(|(chat, user)| {
            ServerFrame::Control(ControlFrame::Typing { chat_id: ChatId(chat), user_id: UserId(user) })
        }),
        (codes, text()).prop_map(|(code, detail)| ServerFrame::Control(ControlFrame::Error { code, detail })),
        (ids(), any::<bool>(), option::of(timestamp())).prop_map(|(user, online, last_seen_at)| {
            let status = if online { PresenceStatus::Online } else { PresenceStatus::Offline };
            ServerFrame::Control(ControlFrame::PresenceUpdated { user_id: UserId(user), status, last_seen_at })
        }),
    ]
}

pub fn problem() -> impl Strategy<Value = Problem> {
    let field_error = (text(), prop::sample::select(FieldCode::ALL.to_vec()), text())
        .prop_map(|(field, code, message)| FieldError { field, code, message });
    let errors = option::of(vec(field_error, 1..3).prop_map(ValidationErrors));
    (prop::sample::select(ErrorCode::ALL.to_vec()), 400_u16..600, text(), errors).prop_map(
        |(code, status, detail, errors)| Problem {
            kind: format!("urn:chat-backend:problem:{code}"),
            title: "Title".into(),
            status,
            detail,
            code,
            errors,
        },
    )
}
