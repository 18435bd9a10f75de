//! diesel's version rule, and the numbers that keep diesel's order.
//!
//! diesel reads the version of a migration directory as the part of its name before the first
//! `_`, with every `-` removed (`migrations_internals::version_from_string`:
//! `path.split('_').next().map(|s| s.replace('-', ""))`, diesel-rs/diesel,
//! `diesel_migrations/migrations_internals/src/lib.rs`), keeps it as text
//! (`MigrationVersion(Cow<str>)`, which derives `Ord`) and sorts migrations by it
//! (`migration_harness.rs`: `sort_unstable_by(|a, b| a.name().version().cmp(&b.name().version()))`).
//! So `2024-03-13_170000_sso_users` is version `20240313`, and `2026-05-27-120000` runs before
//! `2026-05-27-120000-0000`, which runs before `2026-05-28`.
//!
//! Versions here are `i64`s that sort numerically, so the text (digits only, 1 to 18 of them)
//! is numbered to keep diesel's text order for every length:
//!
//! - 14 digits (`YYYY-MM-DD-HHMMSS`, what diesel writes): the number times 100000, so
//!   `2017-08-20-180453` is `2017082018045300000`;
//! - 15 to 18 digits (`YYYY-MM-DD-HHMMSS-NNNN`): the first 14 as above, plus the rank of the
//!   rest (1 to 4 digits) among all such rests in text order, from 1 (`0`) to 11110 (`9999`):
//!   `-0000` adds 4;
//! - 1 to 13 digits: just below the 14-digit text made by appending zeros (the first text they
//!   sort before): `2024-03-13` is `20240313000000` × 100000 − 6, as `20240313` comes 6 places
//!   before `20240313000000` among `20240313`, `202403130`, …, `2024031300000`.
//!
//! `00000000000000` (diesel's initial setup) is version 0; shorter runs of zeros would be
//! negative and are refused, as are more than 18 digits (no `i64` keeps their order).

/// The version text of a diesel migration directory's name: what diesel reads, the part
/// before the first `_` without its dashes; `None` when that is not digits.
pub fn version_text(dir_name: &str) -> Option<String> {
    let raw = dir_name.split('_').next()?;
    let digits: String = raw.chars().filter(|c| *c != '-').collect();
    let valid = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    valid.then_some(digits)
}

/// The largest number of digits a diesel version may have here.
pub const MAX_DIGITS: usize = 18;

const SCALE: i64 = 100_000;
/// Rank of the longest rest after the first 14 digits (`9999`).
const MAX_REST: i64 = 11_110;

/// The version of a diesel version text (digits, dashes already removed), or why it has none.
pub fn encode(digits: &str) -> Result<i64, String> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "`{digits}` is not a diesel version: digits expected"
        ));
    }
    if digits.len() > MAX_DIGITS {
        return Err(format!(
            "the diesel version `{digits}` has {} digits: at most {MAX_DIGITS} can be numbered in \
             diesel's order; shorten it, as in `YYYY-MM-DD-HHMMSS`",
            digits.len()
        ));
    }
    let too_large = || {
        format!(
            "the diesel version `{digits}` is too large to be numbered (the largest is in the year 9223): renumber it"
        )
    };
    let (head, rest) = digits.split_at(digits.len().min(14));
    let padded = format!("{head:0<14}");
    let base: i64 = padded.parse().map_err(|_| too_large())?;
    if digits.len() < 14 {
        if base == 0 {
            return Err(format!(
                "the diesel version `{digits}` sorts before diesel's initial setup \
                 `00000000000000` (version 0), and versions are not negative: give it 14 digits"
            ));
        }
        let below = i64::try_from(14 - digits.len()).map_err(|_| too_large())?;
        return base
            .checked_mul(SCALE)
            .map(|v| v - below)
            .ok_or_else(too_large);
    }
    base.checked_mul(SCALE)
        .and_then(|v| v.checked_add(rank(rest)))
        .ok_or_else(too_large)
}

/// The digits whose [`encode`] is `version`; `None` for a number no diesel text gives.
pub fn decode(version: i64) -> Option<String> {
    if version < 0 {
        return None;
    }
    let (base, rest) = (version / SCALE, version % SCALE);
    match rest {
        0 => Some(format!("{base:014}")),
        1..=MAX_REST => Some(format!("{base:014}{}", unrank(rest)?)),
        _ => {
            let below = usize::try_from(SCALE - rest).ok()?;
            let len = 14usize.checked_sub(below)?;
            let padded = format!("{:014}", base + 1);
            let (digits, zeros) = padded.split_at(len);
            (padded.len() == 14 && zeros.bytes().all(|b| b == b'0')).then(|| digits.to_owned())
        }
    }
}

/// diesel's spelling of 14 or 18 digits (`YYYY-MM-DD-HHMMSS[-NNNN]`); other lengths as they are.
pub fn dashed(digits: &str) -> String {
    let part = |range: std::ops::Range<usize>| digits.get(range).unwrap_or("");
    let stamp = format!(
        "{}-{}-{}-{}",
        part(0..4),
        part(4..6),
        part(6..8),
        part(8..14)
    );
    match digits.len() {
        14 => stamp,
        18 => format!("{stamp}-{}", part(14..18)),
        _ => digits.to_owned(),
    }
}

/// How many digit strings of length 0 to `len` there are.
fn count_up_to(len: u32) -> i64 {
    (10i64.pow(len + 1) - 1) / 9
}

/// The place of `rest` (0 to 4 digits) among all such texts in text order, `""` being 0.
fn rank(rest: &str) -> i64 {
    let mut value = 0;
    for (i, digit) in rest.bytes().enumerate() {
        let below = u32::try_from(3 - i.min(3)).unwrap_or(0);
        value += 1 + i64::from(digit - b'0') * count_up_to(below);
    }
    value
}

/// The inverse of [`rank`].
fn unrank(mut value: i64) -> Option<String> {
    let mut out = String::new();
    for i in 0..4u32 {
        if value == 0 {
            return Some(out);
        }
        value -= 1;
        let size = count_up_to(3 - i);
        let digit = value / size;
        if digit > 9 {
            return None;
        }
        out.push(char::from(b'0' + u8::try_from(digit).ok()?));
        value %= size;
    }
    (value == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diesels_rule_reads_the_name_before_the_first_underscore() {
        assert_eq!(
            version_text("2024-03-13_170000_sso_users").as_deref(),
            Some("20240313")
        );
        assert_eq!(
            version_text("2017-08-20-180453_x").as_deref(),
            Some("20170820180453")
        );
        assert_eq!(version_text("notes"), None);
        assert_eq!(version_text("-_x"), None);
        assert_eq!(version_text("20a_x"), None);
    }

    #[test]
    fn the_forms_diesel_writes() {
        assert_eq!(encode("00000000000000"), Ok(0));
        assert_eq!(encode("20170820180453"), Ok(2017082018045300000));
        assert_eq!(encode("202511190914440000"), Ok(2025111909144400004));
        assert_eq!(encode("20240313"), Ok(2024031299999999994));
        assert!(encode("0").is_err());
        assert!(encode(&"1".repeat(19)).is_err());
        assert!(encode("99999999999999").is_err());
        assert_eq!(dashed("20170820180453"), "2017-08-20-180453");
        assert_eq!(dashed("202511190914440000"), "2025-11-19-091444-0000");
        assert_eq!(dashed("20240313"), "20240313");
    }

    #[test]
    fn numbers_keep_text_order_for_every_length() {
        let mut texts: Vec<String> = vec![
            "1",
            "10",
            "100",
            "1000000000000",
            "10000000000000",
            "100000000000000",
            "1000000000000001",
            "20240313",
            "2024031317",
            "20240313170000",
            "202403131700000",
            "2024031317000000",
            "20240313170000000",
            "202403131700000000",
            "202403131700000001",
            "202403131700009999",
            "20240313170001",
            "2024031399",
            "20240314",
            "92",
            "9",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        texts.sort();
        let numbers: Vec<i64> = texts.iter().filter_map(|t| encode(t).ok()).collect();
        assert_eq!(numbers.len(), texts.len());
        assert!(
            numbers.windows(2).all(|w| w[0] < w[1]),
            "{texts:?} {numbers:?}"
        );
        for text in &texts {
            assert_eq!(
                encode(text).ok().and_then(decode).as_deref(),
                Some(text.as_str())
            );
        }
    }

    #[test]
    fn every_rest_ranks_in_text_order() {
        let mut rests: Vec<String> = vec![String::new()];
        for len in 1..=4u32 {
            for n in 0..10u32.pow(len) {
                rests.push(format!("{n:0width$}", width = len as usize));
            }
        }
        rests.sort();
        for (i, rest) in rests.iter().enumerate() {
            assert_eq!(rank(rest), i as i64, "{rest}");
            assert_eq!(unrank(i as i64).as_deref(), Some(rest.as_str()));
        }
        assert_eq!(rank("9999"), MAX_REST);
    }

    #[test]
    fn numbers_no_text_gives_do_not_decode() {
        assert_eq!(decode(-1), None);
        assert_eq!(decode(2017082018045350000), None);
        assert_eq!(decode(2024031299999999990), None);
    }
}
