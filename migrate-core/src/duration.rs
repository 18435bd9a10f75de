//! Durations as the timeout directives and the command line write them: a whole number and a
//! unit, `100ms`, `5s`, `2min`, `1h` (PostgreSQL's own spellings, so the text reads the same
//! in a migration and in `SET lock_timeout`), or `0` for "no timeout".

use std::time::Duration;

/// The longest timeout a directive may give: PostgreSQL keeps timeouts in milliseconds as a
/// 32-bit integer (24.8 days), and a day is already more than any lock should be waited for.
pub const MAX: Duration = Duration::from_secs(24 * 60 * 60);

/// The units, longest spelling first so `min` is not read as `m` + garbage.
const UNITS: [(&str, u64); 4] = [("min", 60_000), ("ms", 1), ("s", 1_000), ("h", 3_600_000)];

/// What a duration looks like, for messages.
pub const EXPECTED: &str =
    "a whole number and a unit: `100ms`, `5s`, `2min` or `1h` (`0` for none)";

/// Parses `100ms`, `5s`, `2min`, `1h` (a space before the unit is allowed) or `0`.
///
/// ```
/// use std::time::Duration;
/// use migrate_core::duration::parse;
///
/// assert_eq!(parse("100ms"), Ok(Duration::from_millis(100)));
/// assert_eq!(parse("2min"), Ok(Duration::from_secs(120)));
/// assert!(parse("100").is_err()); // milliseconds or seconds? say it
/// ```
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let unit = unit.trim_start();
    if number.is_empty() {
        return Err(format!("`{text}` is not a duration: write {EXPECTED}"));
    }
    if unit.is_empty() {
        return Err(format!(
            "`{text}` has no unit: write `{number}ms` or `{number}s`"
        ));
    }
    let Some(&(_, factor)) = UNITS.iter().find(|(name, _)| *name == unit) else {
        return Err(format!("`{unit}` is not a unit: write {EXPECTED}"));
    };
    let millis = number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .filter(|ms| *ms <= millis_of(MAX))
        .ok_or_else(|| format!("`{text}` is longer than the longest timeout, 24h"))?;
    Ok(Duration::from_millis(millis))
}

/// The duration in the largest unit that writes it exactly: `100ms`, `5s`, `2min`, `1h`;
/// `0` for none. [`parse`] reads it back.
pub fn render(duration: Duration) -> String {
    let millis = millis_of(duration);
    if millis == 0 {
        return "0".to_owned();
    }
    let (name, factor) = [("h", 3_600_000), ("min", 60_000), ("s", 1_000)]
        .into_iter()
        .find(|(_, factor)| millis.is_multiple_of(*factor))
        .unwrap_or(("ms", 1));
    format!("{}{name}", millis / factor)
}

/// A script's two timeouts packed in one number, as the embedded table holds them: the lock
/// timeout's milliseconds + 1 in the high 32 bits, the statement timeout's in the low 32 bits,
/// 0 for none (so `0` stays "no timeout given" while `Some(ZERO)` is "none, whatever the
/// default"). [`MAX`] keeps each half far below `u32::MAX`.
pub fn pack(lock_timeout: Option<Duration>, statement_timeout: Option<Duration>) -> u64 {
    let half =
        |timeout: Option<Duration>| timeout.map_or(0, |d| millis_of(d.min(MAX)).saturating_add(1));
    half(lock_timeout) << 32 | half(statement_timeout)
}

/// Whole milliseconds, saturated.
pub fn millis_of(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_postgresql_writes_them() {
        let ms = |n| Ok(Duration::from_millis(n));
        assert_eq!(parse("100ms"), ms(100));
        assert_eq!(parse("5s"), ms(5_000));
        assert_eq!(parse("2min"), ms(120_000));
        assert_eq!(parse("1h"), ms(3_600_000));
        assert_eq!(parse("5 s"), ms(5_000));
        assert_eq!(parse(" 0 "), ms(0));
        assert_eq!(parse("24h"), Ok(MAX));
    }

    #[test]
    fn bad_durations_say_what_to_write() {
        for (text, says) in [
            ("100", "has no unit: write `100ms` or `100s`"),
            ("1.5s", "`.5s` is not a unit: write a whole number"),
            ("5m", "`m` is not a unit"),
            ("ms", "is not a duration"),
            ("-5s", "is not a duration"),
            ("25h", "longer than the longest timeout"),
            ("99999999999999999999ms", "longer than the longest timeout"),
            ("", "is not a duration"),
        ] {
            let error = parse(text).err().unwrap_or_default();
            assert!(error.contains(says), "{text:?}: {error}");
        }
    }

    #[test]
    fn packing_keeps_none_apart_from_zero() {
        assert_eq!(pack(None, None), 0);
        assert_eq!(pack(Some(Duration::ZERO), None), 1 << 32);
        assert_eq!(pack(None, Some(Duration::from_millis(100))), 101);
        assert_eq!(pack(Some(MAX), Some(MAX)) >> 32, 86_400_001);
    }

    #[test]
    fn render_reads_back() {
        for ms in [0, 1, 100, 1_000, 1_500, 60_000, 90_000, 3_600_000] {
            let d = Duration::from_millis(ms);
            assert_eq!(parse(&render(d)), Ok(d), "{}", render(d));
        }
        assert_eq!(render(Duration::from_millis(1_500)), "1500ms");
        assert_eq!(render(Duration::from_secs(120)), "2min");
    }
}
