//! What a published event is to its readers: its envelope for delivery, its data for the frame.

use chat_domain::EventEnvelope;

/// One published event: its envelope for delivery, its data for the frame (sent as stored).
#[derive(Clone, Debug)]
pub struct PublishedEvent {
    pub envelope: EventEnvelope,
    pub data: serde_json::Value,
}
