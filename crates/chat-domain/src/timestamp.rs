//! Instants as the API writes them (docs/API.md, Conventions): RFC 3339, UTC, always six
//! fractional digits.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset, macros::format_description};

/// A point in time, serialised as `2025-11-05T03:58:00.123456Z`.
///
/// It always prints (and serialises) in UTC with exactly six fractional digits, whatever its
/// offset; it reads any RFC 3339 instant.
///
/// ```
/// use chat_domain::Timestamp;
/// use time::macros::datetime;
///
/// let at = Timestamp(datetime!(2025-11-05 06:58:00.5 +03:00));
/// assert_eq!(at.to_string(), "2025-11-05T03:58:00.500000Z");
/// assert_eq!(serde_json::to_string(&at)?, r#""2025-11-05T03:58:00.500000Z""#);
///
/// let read: Timestamp = serde_json::from_str(r#""2025-11-05T03:58:00.5Z""#)?;
/// assert_eq!(read, at); // the same instant
/// # Ok::<(), serde_json::Error>(())
/// ```
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

/// Any RFC 3339 instant (whatever its offset or precision), as the server and clients write them.
impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        OffsetDateTime::parse(&text, &Rfc3339).map(Self).map_err(serde::de::Error::custom)
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

    #[test]
    fn reads_back_what_it_writes_and_other_offsets() {
        let read = |text: &str| serde_json::from_value::<Timestamp>(serde_json::json!(text));
        let written = Timestamp(datetime!(2025-11-05 03:58:00.123456 UTC));
        assert_eq!(read(&written.to_string()).unwrap(), written);
        assert_eq!(read("2025-11-05T06:58:00.123456+03:00").unwrap(), written);
        assert!(read("yesterday").is_err());
    }
}
