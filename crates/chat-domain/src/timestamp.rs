//! Instants as the contract writes them: RFC 3339, UTC, always six fractional digits.

use serde::{Serialize, Serializer};
use std::fmt;
use time::{OffsetDateTime, UtcOffset, macros::format_description};

/// A point in time, serialised as `2025-11-05T03:58:00.123456Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub OffsetDateTime);

impl Timestamp {
    /// The current time at the microsecond precision PostgreSQL stores, so a value written and
    /// read back is the value that was answered.
    pub fn now() -> Self {
        let now = OffsetDateTime::now_utc();
        let micros = now.nanosecond() / 1_000 * 1_000;
        Self(now.replace_nanosecond(micros).unwrap_or(now))
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(value: OffsetDateTime) -> Self {
        Self(value)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
        let utc = self.0.to_offset(UtcOffset::UTC);
        match utc.format(&format) {
            Ok(text) => f.write_str(&text),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn always_prints_microseconds_in_utc() {
        let whole_second = Timestamp(datetime!(2025-11-05 03:58:00 UTC));
        assert_eq!(whole_second.to_string(), "2025-11-05T03:58:00.000000Z");
        let shifted = Timestamp(datetime!(2025-11-05 06:58:00.123456 +03:00));
        assert_eq!(shifted.to_string(), "2025-11-05T03:58:00.123456Z");
    }
}
