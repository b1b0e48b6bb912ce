//! Where a reader of the event stream stands, as the token it resumes with (docs/EVENTS.md,
//! "Resuming").
//!
//! A token names the log's epoch and a position in each of the log's shards. Today a deployment
//! has one shard, so a token holds one position; the format already carries a vector so that a
//! deployment of several shards (issue 26) needs no new client, and a version so that it can
//! change. Clients treat the text as opaque: they store the newest one they were given and send it
//! back as `since`.
//!
//! The epoch changes when the log's history is replaced (a database restored from a backup): a
//! position from before that may name seqs that now belong to other events, so a token of another
//! epoch always answers `resync_required`, never a silent gap.

use std::fmt;

/// The format's version, the token's first field.
const VERSION: &str = "1";
/// Between the token's fields. `~` and `.` are unreserved in URLs: a token needs no escaping.
const FIELD: char = '~';
const SHARD_SEQ: char = '.';

/// A shard of the event log: each sequences its own events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogShard(pub u16);

impl LogShard {
    /// The only shard of a deployment with one.
    pub const ONLY: LogShard = LogShard(0);
}

/// A position in every shard of the log, in one epoch of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResumeToken {
    epoch: i64,
    /// Ascending by shard, each shard once.
    positions: Vec<(LogShard, i64)>,
}

/// Why a `since` could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResumeTokenError {
    /// Not a token this server writes (a version it does not know, or edited).
    #[error("not a resume token this server issued")]
    Malformed,
}

impl ResumeToken {
    /// The token of a log with one shard, at `seq`.
    pub fn single(epoch: i64, seq: i64) -> Self {
        Self { epoch, positions: vec![(LogShard::ONLY, seq)] }
    }

    /// The log epoch the positions belong to.
    pub fn epoch(&self) -> i64 {
        self.epoch
    }

    /// The position in a log of one shard, if this token is one of such a log.
    pub fn single_position(&self) -> Option<i64> {
        match self.positions.as_slice() {
            [(LogShard::ONLY, seq)] => Some(*seq),
            _ => None,
        }
    }

    /// Reads a token as `Display` wrote it.
    pub fn parse(text: &str) -> Result<Self, ResumeTokenError> {
        let mut fields = text.split(FIELD);
        if fields.next() != Some(VERSION) {
            return Err(ResumeTokenError::Malformed);
        }
        let epoch = fields.next().and_then(number).ok_or(ResumeTokenError::Malformed)?;
        let mut positions: Vec<(LogShard, i64)> = Vec::new();
        for field in fields {
            let (shard, seq) = field.split_once(SHARD_SEQ).ok_or(ResumeTokenError::Malformed)?;
            let shard = number(shard).and_then(|shard| u16::try_from(shard).ok()).ok_or(ResumeTokenError::Malformed)?;
            let seq = number(seq).ok_or(ResumeTokenError::Malformed)?;
            if positions.last().is_some_and(|(last, _)| last.0 >= shard) {
                return Err(ResumeTokenError::Malformed);
            }
            positions.push((LogShard(shard), seq));
        }
        if positions.is_empty() {
            return Err(ResumeTokenError::Malformed);
        }
        Ok(Self { epoch, positions })
    }
}

impl fmt::Display for ResumeToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{VERSION}{FIELD}{}", self.epoch)?;
        for (shard, seq) in &self.positions {
            write!(f, "{FIELD}{}{SHARD_SEQ}{seq}", shard.0)?;
        }
        Ok(())
    }
}

/// A whole number of at most 18 digits, written as `Display` writes it: no sign, no leading zero.
fn number(text: &str) -> Option<i64> {
    let canonical = text == "0" || (!text.starts_with('0') && (1..=18).contains(&text.len()));
    if canonical && text.bytes().all(|byte| byte.is_ascii_digit()) { text.parse().ok() } else { None }
}

/// What a client resumes after: a token, or, in a deployment of one shard, the plain seq of the
/// last event it processed (the API's first form, kept working).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Since {
    /// A seq of the only shard, in whatever epoch the log is in.
    Seq(i64),
    /// A token the server issued.
    Token(ResumeToken),
}

impl Since {
    /// Digits are a plain seq; anything else must be a token.
    pub fn parse(text: &str) -> Result<Self, ResumeTokenError> {
        match text.parse::<i64>() {
            Ok(seq) if seq >= 0 && text.bytes().all(|byte| byte.is_ascii_digit()) => Ok(Self::Seq(seq)),
            _ => ResumeToken::parse(text).map(Self::Token),
        }
    }
}

impl std::str::FromStr for Since {
    type Err = ResumeTokenError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl From<i64> for Since {
    fn from(seq: i64) -> Self {
        Self::Seq(seq)
    }
}

impl From<ResumeToken> for Since {
    fn from(token: ResumeToken) -> Self {
        Self::Token(token)
    }
}

impl fmt::Display for Since {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Since::Seq(seq) => write!(f, "{seq}"),
            Since::Token(token) => token.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_single_shard_token_reads_back_as_written() {
        let token = ResumeToken::single(2_718_281, 1234);
        assert_eq!(token.to_string(), "1~2718281~0.1234");
        assert_eq!(ResumeToken::parse("1~2718281~0.1234"), Ok(token.clone()));
        assert_eq!(token.single_position(), Some(1234));
        assert_eq!(token.epoch(), 2_718_281);
    }

    #[test]
    fn a_token_of_several_shards_has_no_single_position() {
        let token = ResumeToken::parse("1~7~0.5~3.9").expect("a token");
        assert_eq!(token.single_position(), None);
        assert_eq!(token.to_string(), "1~7~0.5~3.9");
    }

    #[test]
    fn anything_but_what_the_server_writes_is_refused() {
        for text in [
            "",
            "1",
            "1~7",
            "2~7~0.5",
            "1~7~0",
            "1~7~0.",
            "1~7~.5",
            "1~07~0.5",
            "1~7~0.05",
            "1~7~0.-5",
            "1~-7~0.5",
            "1~7~0.5~0.6",
            "1~7~3.5~1.6",
            "1~7~70000.5",
            "1~7~0.5~",
            "1~7~0.9999999999999999999",
            "1~7~0.5 ",
            "abc",
        ] {
            assert_eq!(ResumeToken::parse(text), Err(ResumeTokenError::Malformed), "{text:?}");
        }
    }

    #[test]
    fn since_takes_a_plain_seq_or_a_token() {
        assert_eq!(Since::parse("0"), Ok(Since::Seq(0)));
        assert_eq!(Since::parse("1234"), Ok(Since::Seq(1234)));
        assert_eq!(Since::parse("1~3~0.4"), Ok(Since::Token(ResumeToken::single(3, 4))));
        assert_eq!(Since::parse("-1"), Err(ResumeTokenError::Malformed));
        assert_eq!(Since::parse("+1"), Err(ResumeTokenError::Malformed));
        assert_eq!(Since::parse("1.5"), Err(ResumeTokenError::Malformed));
        assert_eq!(Since::Seq(5).to_string(), "5");
    }

    proptest! {
        #[test]
        fn every_token_reads_back(epoch in 0i64..=999_999_999_999_999_999, seqs in proptest::collection::btree_map(0u16.., 0i64..=999_999_999_999_999_999, 1..8)) {
            let token = ResumeToken { epoch, positions: seqs.into_iter().map(|(shard, seq)| (LogShard(shard), seq)).collect() };
            prop_assert_eq!(ResumeToken::parse(&token.to_string()), Ok(token.clone()));
            prop_assert_eq!(Since::parse(&token.to_string()), Ok(Since::Token(token)));
        }
    }
}
