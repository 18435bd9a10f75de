//! The two scalar types of the table and the tracking rows: [`Version`] and [`Timestamp`].

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A migration's version: a non-negative integer that orders migrations.
///
/// The item form of `embed_migrations!` emits one `Version` constant per migration, so code
/// that names a migration is checked by the compiler:
///
/// ```
/// # use migrate_runtime::Version;
/// assert_eq!(Version::new(3).map(Version::get), Some(3));
/// assert_eq!(Version::new(-1), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(i64);

impl Version {
    /// The version `value`; `None` when it is negative (versions start at 0).
    pub const fn new(value: i64) -> Option<Self> {
        if value < 0 {
            None
        } else {
            Some(Self(value))
        }
    }

    /// For generated code, whose versions the macro checked: not a public API.
    #[doc(hidden)]
    pub const fn __checked(value: i64) -> Self {
        Self(if value < 0 { 0 } else { value })
    }

    /// The version as an integer.
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<Version> for i64 {
    fn from(version: Version) -> i64 {
        version.0
    }
}

/// A negative number given as a [`Version`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not a version: versions are integers from 0 to i64::MAX")]
pub struct NegativeVersion(pub i64);

impl TryFrom<i64> for Version {
    type Error = NegativeVersion;

    fn try_from(value: i64) -> Result<Self, NegativeVersion> {
        Version::new(value).ok_or(NegativeVersion(value))
    }
}

/// A point in time as the tracking table records it: microseconds since the Unix epoch, in
/// UTC, read the same way from every database.
///
/// It prints as RFC 3339 (`2026-11-28T05:28:30.123456Z`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    micros: i64,
}

impl Timestamp {
    /// The time `micros` microseconds after (before, if negative) the Unix epoch.
    pub const fn from_unix_micros(micros: i64) -> Self {
        Self { micros }
    }

    /// Microseconds since the Unix epoch.
    pub const fn unix_micros(self) -> i64 {
        self.micros
    }

    /// The same time as a [`SystemTime`].
    pub fn to_system_time(self) -> SystemTime {
        let magnitude = Duration::from_micros(self.micros.unsigned_abs());
        if self.micros >= 0 {
            UNIX_EPOCH + magnitude
        } else {
            UNIX_EPOCH - magnitude
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.micros.div_euclid(1_000_000);
        let micros = self.micros.rem_euclid(1_000_000);
        let t = migrate_core::time::civil(seconds);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{micros:06}Z",
            t.year, t.month, t.day, t.hour, t.minute, t.second
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_never_negative() {
        assert_eq!(Version::new(0).map(Version::get), Some(0));
        assert_eq!(Version::try_from(-5), Err(NegativeVersion(-5)));
        assert_eq!(Version::__checked(-5).get(), 0);
    }

    #[test]
    fn timestamps_print_as_rfc3339_utc() {
        let t = Timestamp::from_unix_micros(1_700_000_000_123_456);
        assert_eq!(t.to_string(), "2023-11-14T22:13:20.123456Z");
        assert_eq!(
            Timestamp::from_unix_micros(-1).to_string(),
            "1969-12-31T23:59:59.999999Z"
        );
        assert_eq!(
            t.to_system_time()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_micros())
                .ok(),
            Some(1_700_000_000_123_456)
        );
    }
}
