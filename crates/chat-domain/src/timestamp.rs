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

impl Timestamp {
    /// The instant as written in UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`, in a fixed buffer: every
    /// message of a page carries several, and formatting them through a format description
    /// allocated and interpreted one for each (a profile of history pages). `None` for a year
    /// outside 0-9999, which takes the general path.
    fn utc_text(&self) -> Option<[u8; 27]> {
        let utc = self.0.to_offset(UtcOffset::UTC);
        let year = u32::try_from(utc.year()).ok().filter(|year| *year <= 9999)?;
        let mut text = *b"0000-00-00T00:00:00.000000Z";
        write_digits(&mut text[0..4], year);
        write_digits(&mut text[5..7], u32::from(u8::from(utc.month())));
        write_digits(&mut text[8..10], u32::from(utc.day()));
        write_digits(&mut text[11..13], u32::from(utc.hour()));
        write_digits(&mut text[14..16], u32::from(utc.minute()));
        write_digits(&mut text[17..19], u32::from(utc.second()));
        write_digits(&mut text[20..26], utc.microsecond());
        Some(text)
    }
}

/// `value`'s last `digits.len()` decimal digits, zero-padded.
fn write_digits(digits: &mut [u8], mut value: u32) {
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(text) = self.utc_text() {
            return f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?);
        }
        let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
        match self.0.to_offset(UtcOffset::UTC).format(&format) {
            Ok(text) => f.write_str(&text),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.utc_text() {
            Some(text) => serializer.serialize_str(std::str::from_utf8(&text).map_err(serde::ser::Error::custom)?),
            None => serializer.collect_str(self),
        }
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

    /// The hand-written form against `time`'s format description, over the years it covers and
    /// the edges of every field.
    #[test]
    fn the_fixed_buffer_writes_what_the_format_description_writes() {
        let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
        let instants = [
            datetime!(0000-01-01 00:00:00 UTC),
            datetime!(0999-12-31 23:59:59.999999 UTC),
            datetime!(1970-01-01 00:00:00.000001 UTC),
            datetime!(2024-02-29 12:34:56.100000 UTC),
            datetime!(2025-11-05 06:58:00.123456789 +03:00),
            datetime!(9999-12-31 23:59:59.999999 UTC),
        ];
        for instant in instants {
            let expected = instant.to_offset(UtcOffset::UTC).format(&format).unwrap();
            assert_eq!(Timestamp(instant).to_string(), expected);
            assert_eq!(serde_json::to_value(Timestamp(instant)).unwrap(), serde_json::json!(expected));
        }
        let before_year_zero = Timestamp(datetime!(-0001-06-01 00:00:00 UTC));
        assert_eq!(before_year_zero.to_string(), "-0001-06-01T00:00:00.000000Z");
    }
}
