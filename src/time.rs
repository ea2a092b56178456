//! RFC 3339 timestamps, to the millisecond, always shown in UTC.
//!
//! Written here rather than pulled from a date crate: the resolver needs only
//! parse, compare and print, and this is about a hundred lines that are easy to
//! test exhaustively against their own inverse.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A point in time: milliseconds since 1970-01-01T00:00:00Z.
///
/// Parsed from RFC 3339 (`2026-03-01T10:00:00Z`, `2026-03-01T11:00:00+01:00`,
/// fractions of a second, years 0000 to 9999) and always displayed in UTC.
///
/// ```
/// use idstitch::Timestamp;
///
/// let ts: Timestamp = "2026-03-01T11:30:00+01:00".parse().unwrap();
/// assert_eq!(ts.to_string(), "2026-03-01T10:30:00Z");
/// assert_eq!(ts.unix_millis(), 1_772_361_000_000);
/// assert!("yesterday".parse::<Timestamp>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp(i64);

/// The text is not an RFC 3339 timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 timestamp (expected e.g. 2026-03-01T10:00:00Z)")]
pub struct TimestampError;

const MILLIS_PER_DAY: i64 = 86_400_000;

impl Timestamp {
    /// The timestamp `millis` milliseconds after the Unix epoch.
    pub fn from_unix_millis(millis: i64) -> Self {
        Timestamp(millis)
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(self) -> i64 {
        self.0
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_rfc3339(text.as_bytes()).ok_or(TimestampError)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(MILLIS_PER_DAY);
        let in_day = self.0.rem_euclid(MILLIS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let (secs, millis) = (in_day / 1000, in_day % 1000);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )?;
        if millis != 0 {
            write!(f, ".{millis:03}")?;
        }
        f.write_str("Z")
    }
}

fn digits(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.iter().fold(0, |n, b| n * 10 + i64::from(b - b'0')))
}

fn parse_rfc3339(bytes: &[u8]) -> Option<Timestamp> {
    // Fixed part: YYYY-MM-DDTHH:MM:SS (19 bytes).
    let fixed = bytes.get(..19)?;
    if fixed[4] != b'-' || fixed[7] != b'-' || fixed[13] != b':' || fixed[16] != b':' {
        return None;
    }
    if !matches!(fixed[10], b'T' | b't' | b' ') {
        return None;
    }
    let year = digits(&fixed[0..4])?;
    let month = digits(&fixed[5..7])?;
    let day = digits(&fixed[8..10])?;
    let hour = digits(&fixed[11..13])?;
    let minute = digits(&fixed[14..16])?;
    // A leap second (60) is read as the last second of its minute.
    let second = digits(&fixed[17..19])?.min(59);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 {
        return None;
    }
    let mut rest = &bytes[19..];
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let len = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        // Keep milliseconds; finer digits are truncated.
        let kept = &fraction[..len.min(3)];
        millis = digits(kept)? * 10_i64.pow(3 - kept.len() as u32);
        rest = &fraction[len..];
    }
    let offset_minutes = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits(&[*h1, *h2])?;
            let minutes = digits(&[*m1, *m2])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = hours * 60 + minutes;
            if *sign == b'-' { -offset } else { offset }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(Timestamp(secs * 1000 + millis))
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ts(text: &str) -> Option<Timestamp> {
        text.parse().ok()
    }

    #[test]
    fn parses_utc_offsets_and_fractions() {
        assert_eq!(ts("1970-01-01T00:00:00Z"), Some(Timestamp(0)));
        assert_eq!(ts("1970-01-01T01:00:00+01:00"), Some(Timestamp(0)));
        assert_eq!(ts("1969-12-31T23:00:00-01:00"), Some(Timestamp(0)));
        assert_eq!(ts("1970-01-01t00:00:01.5z"), Some(Timestamp(1500)));
        assert_eq!(ts("1970-01-01 00:00:00.123456Z"), Some(Timestamp(123)));
        assert_eq!(
            ts("2024-02-29T12:00:00Z").unwrap().to_string(),
            "2024-02-29T12:00:00Z"
        );
        assert_eq!(ts("2016-12-31T23:59:60Z"), ts("2016-12-31T23:59:59Z"));
    }

    #[test]
    fn rejects_malformed_and_impossible_dates() {
        for bad in [
            "",
            "2026-03-01",
            "2026-03-01T10:00:00",
            "2026-13-01T10:00:00Z",
            "2023-02-29T10:00:00Z",
            "2026-04-31T10:00:00Z",
            "2026-03-01T24:00:00Z",
            "2026-03-01T10:00:00.Z",
            "2026-03-01T10:00:00+1:00",
            "2026-03-01T10:00:00Zjunk",
            "+026-03-01T10:00:00Z",
            "2026-03-01T10:00:00\u{e9}",
        ] {
            assert_eq!(ts(bad), None, "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn display_parses_back(millis in -62_135_596_800_000_i64..253_402_300_799_999) {
            let original = Timestamp(millis);
            prop_assert_eq!(original.to_string().parse::<Timestamp>(), Ok(original));
        }

        #[test]
        fn never_panics(text in "\\PC{0,40}") {
            let _ = text.parse::<Timestamp>();
        }
    }
}
