//! What a reader has been shown: the newest log position an answer gave them and the newest event
//! seq they received. A read must not show them less (`reading.rs`).

/// What a reader has already been shown, and, once a read has answered, where it was served:
/// with what they had seen, what their next read must not go back from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Seen {
    /// A write-ahead log position (bytes since the cluster's start) that an answer reflected.
    position: Option<i64>,
    /// The seq of an event they received.
    seq: Option<i64>,
    /// Where the read was served (only with replicas configured).
    read_at: Option<i64>,
}

impl Seen {
    pub fn new(position: Option<i64>, seq: Option<i64>) -> Self {
        Self { position, seq, read_at: None }
    }

    /// Nothing known: such a reader is read from the primary.
    pub fn nothing() -> Self {
        Self::default()
    }

    pub fn position(&self) -> Option<i64> {
        self.position
    }

    pub fn seq(&self) -> Option<i64> {
        self.seq
    }

    /// The position to give the reader with the answer: where it was read, or what they had
    /// seen if that is newer. `None` when no read recorded one (no replicas configured).
    pub fn answered(&self) -> Option<i64> {
        self.read_at.map(|at| self.position.map_or(at, |known| known.max(at)))
    }

    /// Where the read was served, if a replica or the primary said (only with replicas configured).
    pub(crate) fn served_at(&self) -> Option<i64> {
        self.read_at
    }

    /// The read was served at `position`.
    pub(crate) fn read_at(&mut self, position: i64) {
        self.read_at = Some(self.read_at.map_or(position, |known| known.max(position)));
    }
}
