//! Every type that crosses the wire reads back as what was written: a client decoding the
//! server's JSON gets the server's value, field for field.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod strategies;

use chat_domain::*;
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use strategies::*;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let json = serde_json::to_string(value).unwrap();
    let read: T = serde_json::from_str(&json).unwrap_or_else(|error| panic!("{error}: {json}"));
    assert_eq!(&read, value, "{json}");
}

proptest! {
    #[test]
    fn messages(message in message()) {
        round_trip(&message);
    }

    #[test]
    fn chats_members_and_summaries(chat in chat(), member in chat_member(), summary in chat_summary()) {
        round_trip(&chat);
        round_trip(&member);
        round_trip(&summary);
    }

    #[test]
    fn events_with_their_kind_as_type(event in event()) {
        round_trip(&event);
        let json = serde_json::to_value(&event).unwrap();
        prop_assert_eq!(json["type"].as_str(), Some(event.kind().as_str()));
    }

    #[test]
    fn server_frames(frame in server_frame()) {
        round_trip(&frame);
    }

    #[test]
    fn problems(problem in problem()) {
        round_trip(&problem);
    }

    #[test]
    fn read_marker_moves_as_the_server_reads_them(read in read_marker_move()) {
        round_trip(&read);
        let json = serde_json::to_value(read).unwrap();
        prop_assert_eq!(json, serde_json::json!({ "message_id": read.message_id.0 }));
    }

    #[test]
    fn timestamps(at in timestamp()) {
        round_trip(&at);
    }
}

#[test]
fn every_event_kind_reads_back_from_its_text() {
    for kind in EventKind::ALL {
        assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
    }
}

#[test]
fn an_unknown_error_code_reads_as_unknown() {
    let code: ErrorCode = serde_json::from_str(r#""teapot_overheated""#).unwrap();
    assert_eq!(code, ErrorCode::Unknown);
    for code in ErrorCode::ALL {
        assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
    }
}

#[test]
fn an_unknown_field_code_reads_as_unknown_and_keeps_the_problem_readable() {
    let error: FieldError = serde_json::from_str(r#"{"field":"content","code":"too_early","message":"wait"}"#).unwrap();
    assert_eq!((error.field.as_str(), error.code, error.message.as_str()), ("content", FieldCode::Unknown, "wait"));
    for code in FieldCode::ALL {
        assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        assert_eq!(serde_json::from_value::<FieldCode>(code.as_str().into()).unwrap(), *code);
    }
}

#[test]
fn an_invalid_emoji_is_refused_when_read() {
    assert!(serde_json::from_str::<Emoji>(r#""two words""#).is_err());
    assert!(serde_json::from_str::<Emoji>(r#""""#).is_err());
}

#[test]
fn the_client_frame_is_typing() {
    let frame: ClientFrame = serde_json::from_str(r#"{"type":"typing","chat_id":7}"#).unwrap();
    assert_eq!(frame, ClientFrame::Typing { chat_id: ChatId(7) });
    assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"typing"}"#).is_err());
}

#[test]
fn an_ack_names_its_log_unless_it_is_the_first() {
    let frame: ClientFrame = serde_json::from_str(r#"{"type":"ack","seq":7}"#).unwrap();
    assert_eq!(frame, ClientFrame::Ack { seq: 7, log: LogId::FIRST });
    let frame: ClientFrame = serde_json::from_str(r#"{"type":"ack","seq":7,"log":2}"#).unwrap();
    assert_eq!(frame, ClientFrame::Ack { seq: 7, log: LogId(2) });
    assert_eq!(
        serde_json::to_string(&ClientFrame::Ack { seq: 7, log: LogId::FIRST }).unwrap(),
        r#"{"type":"ack","seq":7}"#
    );
}
