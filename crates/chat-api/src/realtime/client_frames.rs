//! What clients send on the socket: typing indicators and delivery acks (anything else is answered
//! with an error).

use super::acks::Acks;
use super::frames;
use chat_domain::{ChatId, ClientFrame, ErrorCode};
use chat_store::{Clusters, LogReaders, Notice};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const TYPING_INTERVAL: Duration = Duration::from_secs(2);

/// Typing indicators go to the chat's other members through every server process (by the chat's
/// cluster, whose hub indexes the chat); they are throttled per chat and never stored. An ack is
/// noted for `acks` to record. Anything else gets an error frame.
pub(super) async fn on_client_frame(
    clusters: &Clusters,
    readers: &LogReaders,
    last_typing: &mut HashMap<ChatId, Instant>,
    acks: &mut Acks,
    text: &str,
) -> Option<String> {
    let chat = match serde_json::from_str(text) {
        Ok(ClientFrame::Typing { chat_id }) => chat_id,
        Ok(ClientFrame::Ack { seq, log }) => {
            // Only of a log the connection reads: another has sent it nothing to acknowledge.
            if readers.subscription(log).is_some() {
                acks.ack(log, seq);
            }
            return None;
        }
        _ => {
            let detail = "client frames are {\"type\":\"typing\",\"chat_id\":N} and {\"type\":\"ack\",\"seq\":N}";
            return Some(frames::error(ErrorCode::InvalidFrame, detail));
        }
    };
    if !readers.subscriptions().any(|subscription| subscription.is_member(chat)) {
        return Some(frames::error(ErrorCode::ChatNotFound, "typing is for chats you are in"));
    }
    let now = Instant::now();
    if last_typing.get(&chat).is_some_and(|at| now.duration_since(*at) < TYPING_INTERVAL) {
        return None;
    }
    last_typing.insert(chat, now);
    let notice = Notice::Typing { chat_id: chat, user_id: readers.user() };
    if let Err(error) = clusters.of_chat(chat).notify(&notice).await {
        tracing::warn!(%error, "typing notification failed");
    }
    None
}
