//! Delivery acknowledgements on one connection: the client's `ack` of a seq of a log makes the
//! messages of the frames of that log sent up to it delivered, recorded at most once a second (a
//! write per connection and cluster, however many frames it acknowledges).

use chat_domain::{ChatId, DeliveredMarks, EventEnvelope, EventKind, LogId, MessageId, UserId};
use chat_store::Clusters;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

const RECORD_EVERY: Duration = Duration::from_secs(1);
/// New messages sent and not yet acknowledged that are remembered per log; past it the oldest are
/// forgotten (a later message of the same chat still covers them once acknowledged).
const MAX_UNACKED: usize = 4096;

#[derive(Debug, Default)]
pub(super) struct Acks {
    /// By log: a log's seqs say nothing of another's.
    logs: Vec<LogAcks>,
    last_recorded: Option<Instant>,
}

/// One log's frames sent and not acknowledged, and its deliveries acknowledged and not recorded
/// (recorded on its cluster, which holds the chats of its events).
#[derive(Debug, Default)]
struct LogAcks {
    unacked: VecDeque<(i64, ChatId, MessageId)>,
    acked: DeliveredMarks,
}

impl Acks {
    fn log(&mut self, log: LogId) -> &mut LogAcks {
        let index = usize::from(log.0);
        if self.logs.len() <= index {
            self.logs.resize_with(index + 1, LogAcks::default);
        }
        &mut self.logs[index]
    }

    /// Remembers a frame of `log` sent, if it carries a new message.
    pub fn sent(&mut self, log: LogId, envelope: &EventEnvelope) {
        if let (EventKind::MessageCreated, Some(message)) = (envelope.kind, envelope.message_id) {
            let unacked = &mut self.log(log).unacked;
            if unacked.len() == MAX_UNACKED {
                unacked.pop_front();
            }
            unacked.push_back((envelope.seq, envelope.chat_id, message));
        }
    }

    /// The client has every frame of `log` up to `seq`.
    pub fn ack(&mut self, log: LogId, seq: i64) {
        let LogAcks { unacked, acked } = self.log(log);
        while let Some(&(_, chat, message)) = unacked.front().filter(|(sent, ..)| *sent <= seq) {
            acked.note_message(chat, message);
            unacked.pop_front();
        }
    }

    /// When the acknowledged deliveries are to be recorded, if any wait.
    pub fn due(&self) -> Option<Instant> {
        if self.logs.iter().all(|log| log.acked.is_empty()) {
            return None;
        }
        Some(self.last_recorded.map_or_else(Instant::now, |at| at + RECORD_EVERY))
    }

    /// Records the acknowledged deliveries in the background (the socket keeps delivering
    /// meanwhile), each log's on its cluster; a failure is logged, not retried.
    pub fn record(&mut self, clusters: &Arc<Clusters>, user: UserId) {
        self.last_recorded = Some(Instant::now());
        for (number, log) in self.logs.iter_mut().enumerate().filter(|(_, log)| !log.acked.is_empty()) {
            let (clusters, marks) = (clusters.clone(), log.acked.take());
            tokio::spawn(async move {
                let Some(store) = clusters.all().get(number) else { return };
                if let Err(error) = store.mark_delivered(user, &marks).await {
                    tracing::warn!(%error, "recording acknowledged deliveries failed");
                }
            });
        }
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
            acks.sent(LogId::FIRST, &created(seq, chat, message));
        }
        assert_eq!(acks.due(), None);
        acks.ack(LogId::FIRST, 3);
        assert!(acks.due().is_some());
        let first = acks.log(LogId::FIRST);
        assert_eq!(first.acked.take(), [(ChatId(7), MessageId(12)), (ChatId(8), MessageId(11))]);
        assert_eq!(first.unacked.len(), 1, "seq 4 waits for its ack");
    }

    #[test]
    fn an_ack_of_one_log_leaves_the_others_frames_waiting() {
        let mut acks = Acks::default();
        acks.sent(LogId::FIRST, &created(5, 7, 10));
        acks.sent(LogId(1), &created(3, 9, 20));
        acks.ack(LogId(1), 3);
        assert_eq!(acks.log(LogId(1)).acked.take(), [(ChatId(9), MessageId(20))]);
        assert!(acks.log(LogId::FIRST).acked.is_empty(), "seq 5 of the first log is not acknowledged");
        assert_eq!(acks.log(LogId::FIRST).unacked.len(), 1);
    }
}
