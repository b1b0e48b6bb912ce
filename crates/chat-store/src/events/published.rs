//! What a published event is to its readers: its envelope for delivery, its data for the frame.

use chat_domain::{EventEnvelope, EventKind};
use std::collections::BTreeSet;

/// One published event: its envelope for delivery, its data for the frame (sent as stored).
#[derive(Clone, Debug)]
pub struct PublishedEvent {
    pub envelope: EventEnvelope,
    pub data: serde_json::Value,
}

/// The messages whose text or life `events` may have changed (`message.created`, `.updated`,
/// `.deleted`), each once, in id order: what the log's consumers that follow messages (the search
/// index, link previews) read again as they are now.
pub(crate) fn messages_changed(events: &[PublishedEvent]) -> Vec<i64> {
    let changes_a_message = |kind: EventKind| {
        matches!(kind, EventKind::MessageCreated | EventKind::MessageUpdated | EventKind::MessageDeleted)
    };
    let ids: BTreeSet<i64> = events
        .iter()
        .filter(|event| changes_a_message(event.envelope.kind))
        .filter_map(|event| event.envelope.message_id.map(|id| id.0))
        .collect();
    ids.into_iter().collect()
}
