//! Where a reader of the event stream stands, as the token it resumes with (docs/EVENTS.md,
//! "Resuming").
//!
//! Each PostgreSQL cluster of a deployment keeps its own event log, sequenced on its own, so a
//! token holds a position per log: which log, that log's epoch, and the seq read up to. Today a
//! deployment has one cluster, so a token holds one position; the format already carries a list
//! so that a deployment of several (issue 26) needs no new client, and a version so that it can
//! change. Clients treat the text as opaque: they store the newest one they were given and send
//! it back as `since`.
//!
//! A log's epoch changes when its history is replaced (its database restored from a backup): a
//! position from before that may name seqs that now belong to other events, so a position of
//! another epoch always answers `resync_required`, never a silent gap.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The format's version, the token's first field.
const VERSION: &str = "1";
/// Between the token's fields, and within a position. Both are unreserved in URLs: a token needs
/// no escaping.
const FIELD: char = '~';
const PART: char = '.';

/// One cluster's event log, by its number in the deployment. In frames, a number (absent for
/// the first log).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LogId(pub u16);

impl LogId {
    /// The log of a deployment's first cluster (its only one, unless it has several).
    pub const FIRST: LogId = LogId(0);

    /// The log of cluster number `number` of the deployment.
    pub fn of_cluster(number: usize) -> Self {
        LogId(u16::try_from(number).unwrap_or(u16::MAX))
    }

    /// Whether this is the first log (whose number frames leave out).
    pub fn is_first(&self) -> bool {
        *self == Self::FIRST
    }
}

/// How far a reader has read one log: every seq up to `seq` of that log in epoch `epoch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogPosition {
    /// Which log.
    pub log: LogId,
    /// The log's history the seq belongs to.
    pub epoch: i64,
    /// Every seq up to here has been looked at.
    pub seq: i64,
}

/// A position in every log of a deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResumeToken {
    /// Ascending by log, each log once, never empty.
    positions: Vec<LogPosition>,
}

/// Why a `since` could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResumeTokenError {
    /// Not a token this server writes (a version it does not know, or edited).
    #[error("not a resume token this server issued")]
    Malformed,
}

impl ResumeToken {
    /// The token of a deployment with one log, at `seq` of its epoch `epoch`.
    pub fn single(epoch: i64, seq: i64) -> Self {
        Self { positions: vec![LogPosition { log: LogId::FIRST, epoch, seq }] }
    }

    /// A token of `positions`, one per log (in any order); `None` for none, or a log twice.
    pub fn new(mut positions: Vec<LogPosition>) -> Option<Self> {
        positions.sort_by_key(|position| position.log);
        let distinct = positions.windows(2).all(|pair| pair[0].log < pair[1].log);
        (distinct && !positions.is_empty()).then_some(Self { positions })
    }

    /// The position in `log`, if the token has one (a log added after the token was given has
    /// none).
    pub fn position_in(&self, log: LogId) -> Option<LogPosition> {
        self.positions.iter().find(|position| position.log == log).copied()
    }

    /// Moves the token to `at` in `at.log` (adding that log if the token did not name it).
    pub fn advance(&mut self, at: LogPosition) {
        match self.positions.binary_search_by_key(&at.log, |position| position.log) {
            Ok(index) => self.positions[index] = at,
            Err(index) => self.positions.insert(index, at),
        }
    }

    /// The positions, one per log, by log.
    pub fn positions(&self) -> &[LogPosition] {
        &self.positions
    }

    /// The position in a deployment of one log, if this token is one of such a deployment.
    pub fn single_position(&self) -> Option<LogPosition> {
        match self.positions.as_slice() {
            [position] if position.log == LogId::FIRST => Some(*position),
            _ => None,
        }
    }

    /// Reads a token as `Display` wrote it.
    pub fn parse(text: &str) -> Result<Self, ResumeTokenError> {
        let mut fields = text.split(FIELD);
        if fields.next() != Some(VERSION) {
            return Err(ResumeTokenError::Malformed);
        }
        let mut positions: Vec<LogPosition> = Vec::new();
        for field in fields {
            let position = parse_position(field).ok_or(ResumeTokenError::Malformed)?;
            if positions.last().is_some_and(|last| last.log >= position.log) {
                return Err(ResumeTokenError::Malformed);
            }
            positions.push(position);
        }
        if positions.is_empty() {
            return Err(ResumeTokenError::Malformed);
        }
        Ok(Self { positions })
    }
}

/// `<log>.<epoch>.<seq>`.
fn parse_position(field: &str) -> Option<LogPosition> {
    let mut parts = field.split(PART);
    let log = u16::try_from(number(parts.next()?)?).ok()?;
    let (epoch, seq) = (number(parts.next()?)?, number(parts.next()?)?);
    parts.next().is_none().then_some(LogPosition { log: LogId(log), epoch, seq })
}

impl fmt::Display for ResumeToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(VERSION)?;
        for LogPosition { log, epoch, seq } in &self.positions {
            write!(f, "{FIELD}{}{PART}{epoch}{PART}{seq}", log.0)?;
        }
        Ok(())
    }
}

/// A whole number as `Display` writes a non-negative i64: no sign, no leading zero, at most 19
/// digits (the parse refuses what overflows).
fn number(text: &str) -> Option<i64> {
    let canonical = text == "0" || (!text.starts_with('0') && (1..=19).contains(&text.len()));
    if canonical && text.bytes().all(|byte| byte.is_ascii_digit()) { text.parse().ok() } else { None }
}

/// What a client resumes after: a token, or, in a deployment of one log, the plain seq of the
/// last event it processed (the API's first form, kept working).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Since {
    /// A seq of the only log, in whatever epoch the log is in.
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
    fn a_single_log_token_reads_back_as_written() {
        let token = ResumeToken::single(2_718_281, 1234);
        assert_eq!(token.to_string(), "1~0.2718281.1234");
        assert_eq!(ResumeToken::parse("1~0.2718281.1234"), Ok(token.clone()));
        assert_eq!(token.single_position(), Some(LogPosition { log: LogId::FIRST, epoch: 2_718_281, seq: 1234 }));
    }

    #[test]
    fn a_token_of_several_logs_has_no_single_position() {
        let token = ResumeToken::parse("1~0.7.5~3.9.2").expect("a token");
        assert_eq!(token.single_position(), None);
        assert_eq!(token.to_string(), "1~0.7.5~3.9.2");
        assert_eq!(ResumeToken::parse("1~2.7.5").expect("a token").single_position(), None, "not the first log");
    }

    #[test]
    fn a_token_is_made_of_one_position_per_log() {
        let at = |log, seq| LogPosition { log: LogId(log), epoch: 7, seq };
        let token = ResumeToken::new(vec![at(2, 9), at(0, 5)]).expect("two logs");
        assert_eq!(token.to_string(), "1~0.7.5~2.7.9");
        assert_eq!(token.position_in(LogId(2)), Some(at(2, 9)));
        assert_eq!(token.position_in(LogId(1)), None);
        assert_eq!(ResumeToken::new(vec![at(1, 1), at(1, 2)]), None, "a log twice");
        assert_eq!(ResumeToken::new(Vec::new()), None);
    }

    #[test]
    fn advancing_moves_one_log_and_adds_one_not_named() {
        let at = |log, seq| LogPosition { log: LogId(log), epoch: 7, seq };
        let mut token = ResumeToken::new(vec![at(0, 5), at(2, 9)]).expect("two logs");
        token.advance(at(2, 11));
        token.advance(at(1, 3));
        assert_eq!(token.positions(), [at(0, 5), at(1, 3), at(2, 11)]);
    }

    #[test]
    fn anything_but_what_the_server_writes_is_refused() {
        for text in [
            "",
            "1",
            "1~",
            "2~0.7.5",
            "1~0.7",
            "1~0.7.",
            "1~0..5",
            "1~.7.5",
            "1~0.07.5",
            "1~0.7.05",
            "1~0.7.-5",
            "1~0.-7.5",
            "1~0.7.5.1",
            "1~0.7.5~0.7.6",
            "1~3.7.5~1.7.6",
            "1~70000.7.5",
            "1~0.7.5~",
            "1~0.7.9999999999999999999",
            "1~0.7.19999999999999999999",
            "1~0.7.5 ",
            "abc",
        ] {
            assert_eq!(ResumeToken::parse(text), Err(ResumeTokenError::Malformed), "{text:?}");
        }
    }

    #[test]
    fn since_takes_a_plain_seq_or_a_token() {
        assert_eq!(Since::parse("0"), Ok(Since::Seq(0)));
        assert_eq!(Since::parse("1234"), Ok(Since::Seq(1234)));
        assert_eq!(Since::parse("1~0.3.4"), Ok(Since::Token(ResumeToken::single(3, 4))));
        assert_eq!(Since::parse("-1"), Err(ResumeTokenError::Malformed));
        assert_eq!(Since::parse("+1"), Err(ResumeTokenError::Malformed));
        assert_eq!(Since::parse("1.5"), Err(ResumeTokenError::Malformed));
        assert_eq!(Since::Seq(5).to_string(), "5");
    }

    proptest! {
        #[test]
        fn every_token_reads_back(logs in proptest::collection::btree_map(0u16.., (0i64.., 0i64..), 1..8)) {
            let positions =
                logs.into_iter().map(|(log, (epoch, seq))| LogPosition { log: LogId(log), epoch, seq }).collect();
            let token = ResumeToken { positions };
            prop_assert_eq!(ResumeToken::parse(&token.to_string()), Ok(token.clone()));
            prop_assert_eq!(Since::parse(&token.to_string()), Ok(Since::Token(token)));
        }
    }
}
