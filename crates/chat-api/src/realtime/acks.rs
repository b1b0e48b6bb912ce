//! Delivery acknowledgements on one connection: the client's `ack` of a seq makes the messages of
//! the frames sent up to it delivered, recorded at most once a second (one write per connection,
//! however many frames it acknowledges).

use chat_domain::{ChatId, DeliveredMarks, EventEnvelope, EventKind, MessageId, UserId};
use chat_store::Store;
use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;

const RECORD_EVERY: Duration = Duration::from_secs(1);
/// New messages sent and not yet acknowledged that are remembered; past it the oldest are
/// forgotten (a later message of the same chat still covers them once acknowledged).
const MAX_UNACKED: usize = 4096;

#[derive(Debug, Default)]
pub(super) struct Acks {
    unacked: VecDeque<(i64, ChatId, MessageId)>,
    acked: DeliveredMarks,
    last_recorded: Option<Instant>,
}

impl Acks {
    /// Remembers a frame sent, if it carries a new message.
    pub fn sent(&mut self, envelope: &EventEnvelope) {
        if let (EventKind::MessageCreated, Some(message)) = (envelope.kind, envelope.message_id) {
            if self.unacked.len() == MAX_UNACKED {
                self.unacked.pop_front();
            }
            self.unacked.push_back((envelope.seq, envelope.chat_id, message));
        }
    }

    /// The client has every frame up to `seq`.
    pub fn ack(&mut self, seq: i64) {
        while let Some(&(_, chat, message)) = self.unacked.front().filter(|(sent, ..)| *sent <= seq) {
            self.acked.note_message(chat, message);
            self.unacked.pop_front();
        }
    }

    /// When the acknowledged deliveries are to be recorded, if any wait.
    pub fn due(&self) -> Option<Instant> {
        if self.acked.is_empty() {
            return None;
        }
        Some(self.last_recorded.map_or_else(Instant::now, |at| at + RECORD_EVERY))
    }

    /// Records the acknowledged deliveries in the background (the socket keeps delivering
    /// meanwhile); a failure is logged, not retried.
    pub fn record(&mut self, store: &Store, user: UserId) {
        self.last_recorded = Some(Instant::now());
        let (store, marks) = (store.clone(), self.acked.take());
        tokio::spawn(async move {
            if let Err(error) = store.mark_delivered(user, &marks).await {
                tracing::warn!(%error, "recording acknowledged deliveries failed");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn created(seq: i64, chat: i64, message: i64) -> EventEnvelope {
        EventEnvelope {
            seq,
            chat_id: ChatId(chat),
            kind: EventKind::MessageCreated,
            message_id: Some(MessageId(message)),
            joined: Vec::new(),
            left: None,
        }
    }

    #[test]
    fn an_ack_delivers_the_newest_message_of_each_chat_up_to_its_seq() {
        let mut acks = Acks::default();
        for (seq, chat, message) in [(1, 7, 10), (2, 8, 11), (3, 7, 12), (4, 7, 13)] {
            acks.sent(&created(seq, chat, message));
        }
        assert_eq!(acks.due(), None);
        acks.ack(3);
        assert!(acks.due().is_some());
        assert_eq!(acks.acked.take(), [(ChatId(7), MessageId(12)), (ChatId(8), MessageId(11))]);
        assert_eq!(acks.unacked.len(), 1, "seq 4 waits for its ack");
    }
}
