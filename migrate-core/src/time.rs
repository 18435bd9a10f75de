//! UTC calendar time from Unix seconds, without a date crate: timestamped migration names
//! (`YYYYMMDDHHMMSS`) and the times the CLI prints.

use std::fmt;

/// A UTC date and time of day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Civil {
    /// The year (proleptic Gregorian; may be below 1 or above 9999).
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
    /// 0 to 23.
    pub hour: u32,
    /// 0 to 59.
    pub minute: u32,
    /// 0 to 59.
    pub second: u32,
}

/// The UTC date and time `unix_secs` seconds after 1970-01-01T00:00:00Z (before it when
/// negative).
///
/// ```
/// let t = migrate_core::time::civil(1_700_000_000);
/// assert_eq!((t.year, t.month, t.day, t.hour, t.minute, t.second), (2023, 11, 14, 22, 13, 20));
/// assert_eq!(t.to_string(), "2023-11-14T22:13:20Z");
/// ```
pub fn civil(unix_secs: i64) -> Civil {
    let days = unix_secs.div_euclid(86_400);
    let rem = unix_secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days (http://howardhinnant.github.io/date_algorithms.html).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Every value below is in range by construction (day 1..=31, month 1..=12, rem < 86400).
    let small = |v: i64| u32::try_from(v).unwrap_or(0);
    Civil {
        year,
        month: small(month),
        day: small(day),
        hour: small(rem / 3600),
        minute: small(rem % 3600 / 60),
        second: small(rem % 60),
    }
}

/// The UTC date and time now (the Unix epoch if the clock is set before it).
pub fn now() -> Civil {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    civil(secs)
}

impl Civil {
    /// The time as the number `YYYYMMDDHHMMSS`, the version sqlx-cli, goose and dbmate give a
    /// new migration.
    pub fn timestamp(&self) -> i64 {
        ((self.year * 100 + i64::from(self.month)) * 100 + i64::from(self.day)) * 1_000_000
            + i64::from(self.hour) * 10_000
            + i64::from(self.minute) * 100
            + i64::from(self.second)
    }
}

/// RFC 3339: `2024-01-02T03:04:05Z`.
impl fmt::Display for Civil {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// Whether a version reads as a `YYYYMMDDHHMMSS` time (sqlx-cli's, goose's and dbmate's
/// timestamps), so that a new migration is numbered the same way.
pub fn looks_like_timestamp(version: i64) -> bool {
    let digits = version.to_string();
    if digits.len() != 14 {
        return false;
    }
    let field = |range: std::ops::Range<usize>| {
        digits
            .get(range)
            .and_then(|d| d.parse::<u32>().ok())
            .unwrap_or(u32::MAX)
    };
    (1900..=9999).contains(&field(0..4))
        && (1..=12).contains(&field(4..6))
        && (1..=31).contains(&field(6..8))
        && field(8..10) < 24
        && field(10..12) < 60
        && field(12..14) < 61
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_timestamps() {
        let stamp = |secs| civil(secs).timestamp();
        assert_eq!(stamp(0), 19700101000000);
        assert_eq!(stamp(951_782_400), 20000229000000);
        assert_eq!(stamp(1_700_000_000), 20231114221320);
        assert_eq!(stamp(4_102_444_799), 20991231235959);
        assert_eq!(stamp(4_107_542_399), 21000228235959);
        assert_eq!(civil(-1).to_string(), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn timestamps_are_recognised() {
        assert!(looks_like_timestamp(20240101000000));
        assert!(!looks_like_timestamp(20241301000000));
        assert!(!looks_like_timestamp(42));
        assert!(!looks_like_timestamp(2024010100000));
    }
}
