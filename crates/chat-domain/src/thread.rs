//! Threads: a side conversation under one message of a chat, its root. A reply joins a thread by
//! naming the root in `thread_root_id`; the root carries the thread's summary. Threads do not nest:
//! the root of a thread is never itself a thread reply.

use crate::ids::{MessageId, UserId};
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// How many of a thread's most recent repliers its summary names.
pub const MAX_THREAD_PARTICIPANTS: usize = 3;

/// What a thread's root shows of it: counted over its replies that are not deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThreadSummary {
    /// How many replies the thread has (deleted ones not counted).
    pub reply_count: u32,
    /// When the newest reply was posted; null once every reply is deleted.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_reply_at: Option<Timestamp>,
    /// The authors of the newest replies, most recent first, each once, at most three.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<i64>))]
    pub participant_ids: Vec<UserId>,
}

impl ThreadSummary {
    /// The summary a message shows: none until its thread has a reply that is not deleted.
    pub fn shown(self) -> Option<Self> {
        (self.reply_count > 0).then_some(self)
    }
}

/// `data` of `thread.updated`: a thread's root and its summary after a reply was posted or deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadChange {
    /// The thread's root message.
    pub message_id: MessageId,
    /// The thread's summary now (`reply_count` 0 once every reply is deleted).
    pub thread: ThreadSummary,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_thread_shows_no_summary() {
        let empty = ThreadSummary { reply_count: 0, last_reply_at: None, participant_ids: Vec::new() };
        assert_eq!(empty.shown(), None);
        let one =
            ThreadSummary { reply_count: 1, last_reply_at: Some(Timestamp::now()), participant_ids: vec![UserId(2)] };
        assert_eq!(one.clone().shown(), Some(one));
    }
}
