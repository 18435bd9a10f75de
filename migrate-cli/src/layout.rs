//! A directory's layout and numbering, inferred from its newest migration, and the names of
//! the files a new or renumbered migration gets in it.

use migrate_core::scheme::Scheme;
use migrate_core::set::{Migration, MigrationSet};

/// How versions are picked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Numbering {
    /// The UTC time `YYYYMMDDHHMMSS` (diesel: in the newest directory's form).
    Timestamp,
    /// The newest version plus one, zero-padded to the newest's width.
    Sequential,
}

/// How a diesel directory writes its version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DieselForm {
    /// `YYYY-MM-DD-HHMMSS`.
    Dashed,
    /// `YYYY-MM-DD-HHMMSS-NNNN`.
    DashedCounter,
    /// 14 digits.
    Digits,
}

/// Everything that decides a new migration's name and files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The directory's scheme.
    pub scheme: Scheme,
    /// sqlx: up and down files (`.up.sql`) rather than one `.sql` file.
    pub pairs: bool,
    /// How versions are picked.
    pub numbering: Numbering,
    /// The digits of the newest version as written, for zero padding.
    pub width: usize,
    /// diesel's form of a version.
    pub diesel: DieselForm,
}

/// A file to create, relative to the migrations directory, with its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFile {
    /// `/`-separated path relative to the directory.
    pub rel: String,
    /// Its first content.
    pub text: String,
}

impl Layout {
    /// The layout of an empty or missing directory: sqlx's `<timestamp>_<description>.sql`.
    pub const EMPTY: Layout = Layout {
        scheme: Scheme::Sqlx,
        pairs: false,
        numbering: Numbering::Timestamp,
        width: 0,
        diesel: DieselForm::Dashed,
    };

    /// The layout the set's newest migration shows.
    pub fn infer(set: &MigrationSet) -> Layout {
        let (Some(scheme), Some(newest)) = (set.scheme, set.migrations.last()) else {
            return Layout::EMPTY;
        };
        let text = version_text_of(scheme, newest);
        let diesel = if text.matches('-').count() == 4 {
            DieselForm::DashedCounter
        } else if text.contains('-') {
            DieselForm::Dashed
        } else {
            DieselForm::Digits
        };
        let numbering = if scheme == Scheme::Diesel || looks_like_timestamp(newest.version) {
            Numbering::Timestamp
        } else {
            Numbering::Sequential
        };
        Layout {
            scheme,
            pairs: scheme == Scheme::Sqlx && newest.up.rel.ends_with(".up.sql"),
            numbering,
            width: text.len(),
            diesel,
        }
    }

    /// The same layout numbered as asked.
    pub fn numbered(self, numbering: Numbering) -> Result<Layout, String> {
        if self.scheme == Scheme::Diesel && numbering == Numbering::Sequential {
            return Err(
                "diesel versions are timestamps: drop `--sequential` in a diesel directory"
                    .to_owned(),
            );
        }
        Ok(Layout { numbering, ..self })
    }

    /// The version after `newest` (the set's largest), for the UTC time `now`
    /// (`YYYYMMDDHHMMSS`): a timestamp when it is later than `newest`, else `newest + 1`.
    pub fn next_version(&self, newest: Option<i64>, now: i64) -> Result<i64, String> {
        let after = |newest: i64| {
            newest
                .checked_add(1)
                .ok_or_else(|| format!("no version after {newest}: the largest is i64::MAX"))
        };
        match self.numbering {
            Numbering::Timestamp if self.scheme == Scheme::Diesel => {
                // diesel versions are the timestamp times 100000, plus NNNN + 1 for the
                // `-NNNN` form (see migrate_core::scheme::parse_diesel_dir)
                let counter = i64::from(self.diesel == DieselForm::DashedCounter);
                let seconds = match newest {
                    Some(newest) if newest / 100_000 >= now => newest / 100_000 + 1,
                    _ => now,
                };
                seconds
                    .checked_mul(100_000)
                    .map(|v| v + counter)
                    .ok_or_else(|| format!("no diesel version after {seconds}"))
            }
            Numbering::Timestamp => match newest {
                Some(newest) if newest >= now => after(newest),
                _ => Ok(now),
            },
            Numbering::Sequential => newest.map_or(Ok(1), after),
        }
    }

    /// `version` as a name writes it: zero-padded, or in diesel's form.
    pub fn version_text(&self, version: i64) -> String {
        if self.scheme == Scheme::Diesel {
            let digits = format!("{:014}", version / 100_000);
            let counter = version % 100_000;
            let part = |range: std::ops::Range<usize>| digits.get(range).unwrap_or("");
            let dashed = format!(
                "{}-{}-{}-{}",
                part(0..4),
                part(4..6),
                part(6..8),
                part(8..14)
            );
            return match (self.diesel, counter) {
                (_, 1..) => format!("{dashed}-{:04}", counter - 1),
                (DieselForm::Digits, _) => digits,
                _ => dashed,
            };
        }
        match self.numbering {
            Numbering::Sequential => format!("{version:0width$}", width = self.width),
            Numbering::Timestamp => version.to_string(),
        }
    }

    /// The files of a new migration.
    pub fn new_files(
        &self,
        version: i64,
        description: &str,
        reversible: bool,
    ) -> Result<Vec<NewFile>, String> {
        let description = self.description(description)?;
        let v = self.version_text(version);
        let file = |rel: String, text: &str| NewFile {
            rel,
            text: text.to_owned(),
        };
        let files = match self.scheme {
            Scheme::Sqlx if reversible || self.pairs => {
                let mut files = vec![file(
                    format!("{v}_{description}.up.sql"),
                    "-- Add up migration script here\n",
                )];
                if reversible {
                    files.push(file(
                        format!("{v}_{description}.down.sql"),
                        "-- Add down migration script here\n",
                    ));
                }
                files
            }
            Scheme::Sqlx => vec![file(
                format!("{v}_{description}.sql"),
                "-- Add migration script here\n",
            )],
            Scheme::Refinery if reversible => {
                return Err(
                    "refinery migrations have no down scripts: drop `-r` in this directory"
                        .to_owned(),
                )
            }
            Scheme::Refinery => vec![file(
                format!("V{v}__{description}.sql"),
                "-- Add migration script here\n",
            )],
            Scheme::Goose => {
                let mut text = "-- +goose Up\n-- Add up migration script here\n".to_owned();
                if reversible {
                    text.push_str("\n-- +goose Down\n-- Add down migration script here\n");
                }
                vec![file(format!("{v}_{description}.sql"), &text)]
            }
            Scheme::Dbmate => {
                let mut text = "-- migrate:up\n\n".to_owned();
                if reversible {
                    text.push_str("-- migrate:down\n\n");
                }
                vec![file(format!("{v}_{description}.sql"), &text)]
            }
            Scheme::Diesel => {
                let dir = format!("{v}_{description}");
                let mut files = vec![file(format!("{dir}/up.sql"), "-- Your SQL goes here\n")];
                if reversible {
                    files.push(file(
                        format!("{dir}/down.sql"),
                        "-- This file should undo anything in `up.sql`\n",
                    ));
                }
                files
            }
        };
        Ok(files)
    }

    /// The renames that give `migration` the version `version`: its file(s), or its diesel
    /// directory, as `(from, to)` paths relative to the directory.
    pub fn renames(&self, migration: &Migration, version: i64) -> Vec<(String, String)> {
        let text = self.version_text(version);
        let rename = |rel: &str| -> (String, String) {
            let renamed = match self.scheme {
                Scheme::Refinery => rel
                    .split_once("__")
                    .map(|(_, rest)| format!("V{text}__{rest}")),
                _ => rel
                    .split_once('_')
                    .map(|(_, rest)| format!("{text}_{rest}")),
            };
            (rel.to_owned(), renamed.unwrap_or_else(|| rel.to_owned()))
        };
        if self.scheme == Scheme::Diesel {
            let dir = migration.up.rel.split('/').next().unwrap_or("");
            return vec![rename(dir)];
        }
        let mut renames = vec![rename(&migration.up.rel)];
        if let Some(down) = migration
            .down
            .as_ref()
            .filter(|d| d.rel != migration.up.rel)
        {
            renames.push(rename(&down.rel));
        }
        renames
    }

    /// The description as the layout writes it: diesel keeps it as given, the others turn
    /// spaces into underscores.
    fn description(&self, description: &str) -> Result<String, String> {
        let trimmed = description.trim();
        if trimmed.is_empty() {
            return Err("the description is empty: say what the migration does".to_owned());
        }
        if let Some(c) = trimmed
            .chars()
            .find(|c| matches!(c, '/' | '\\') || c.is_control())
        {
            return Err(format!(
                "the description has {c:?}, which cannot be part of a file name: leave it out"
            ));
        }
        if self.scheme == Scheme::Diesel {
            return Ok(trimmed.to_owned());
        }
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        let joined = words.join("_");
        if joined.ends_with(".up") || joined.ends_with(".down") {
            return Err(format!(
                "the description `{joined}` ends like an up or down file name: reword it"
            ));
        }
        Ok(joined)
    }
}

/// The version as the newest migration's name writes it (`0042`, `2024-01-02-030405`).
fn version_text_of(scheme: Scheme, m: &Migration) -> String {
    let rel = m.up.rel.as_str();
    let text = match scheme {
        Scheme::Refinery => rel
            .get(1..)
            .and_then(|r| r.split_once("__"))
            .map(|(v, _)| v),
        Scheme::Diesel => rel
            .split('/')
            .next()
            .and_then(|dir| dir.split_once('_'))
            .map(|(v, _)| v),
        _ => rel.split_once('_').map(|(v, _)| v),
    };
    text.map_or_else(|| m.version.to_string(), str::to_owned)
}

/// Whether a version reads as `YYYYMMDDHHMMSS` (sqlx-cli's and goose's timestamps).
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

/// The UTC time `YYYYMMDDHHMMSS` of `secs` seconds after the Unix epoch.
pub fn timestamp(secs: u64) -> i64 {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = i64::try_from(secs % 86_400).unwrap_or(0);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    ((year * 100 + month) * 100 + day) * 1_000_000
        + (rem / 3600) * 10_000
        + (rem % 3600 / 60) * 100
        + rem % 60
}

/// The UTC time now, as [`timestamp`].
pub fn now() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    timestamp(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(scheme: Scheme, numbering: Numbering, width: usize, diesel: DieselForm) -> Layout {
        Layout {
            scheme,
            pairs: false,
            numbering,
            width,
            diesel,
        }
    }

    #[test]
    fn utc_timestamps() {
        assert_eq!(timestamp(0), 19700101000000);
        assert_eq!(timestamp(951_782_400), 20000229000000);
        assert_eq!(timestamp(1_700_000_000), 20231114221320);
        assert_eq!(timestamp(4_102_444_799), 20991231235959);
        assert_eq!(timestamp(4_107_542_399), 21000228235959);
    }

    #[test]
    fn timestamps_are_recognised() {
        assert!(looks_like_timestamp(20240101000000));
        assert!(!looks_like_timestamp(20241301000000));
        assert!(!looks_like_timestamp(42));
        assert!(!looks_like_timestamp(2024010100000));
    }

    #[test]
    fn next_versions() {
        let seq = layout(Scheme::Sqlx, Numbering::Sequential, 4, DieselForm::Dashed);
        assert_eq!(seq.next_version(Some(41), 0), Ok(42));
        assert_eq!(seq.version_text(42), "0042");
        assert_eq!(seq.next_version(None, 0), Ok(1));
        assert!(seq.next_version(Some(i64::MAX), 0).is_err());
        let ts = layout(Scheme::Sqlx, Numbering::Timestamp, 14, DieselForm::Dashed);
        assert_eq!(
            ts.next_version(Some(20240101000000), 20250101000000),
            Ok(20250101000000)
        );
        assert_eq!(
            ts.next_version(Some(20250101000000), 20250101000000),
            Ok(20250101000001)
        );
        let counter = layout(
            Scheme::Diesel,
            Numbering::Timestamp,
            22,
            DieselForm::DashedCounter,
        );
        let v = counter.next_version(None, 20250102030405);
        assert_eq!(v, Ok(2025010203040500001));
        assert_eq!(
            counter.version_text(2025010203040500001),
            "2025-01-02-030405-0000"
        );
        // a newest version in the future: the next second
        assert_eq!(
            counter.next_version(Some(2025010203040500001), 20250102030405),
            Ok(2025010203040600001)
        );
        let dashed = layout(Scheme::Diesel, Numbering::Timestamp, 17, DieselForm::Dashed);
        assert_eq!(
            dashed.version_text(2025010203040500000),
            "2025-01-02-030405"
        );
        assert_eq!(
            dashed.next_version(None, 20250102030405),
            Ok(2025010203040500000)
        );
        assert!(dashed.numbered(Numbering::Sequential).is_err());
    }

    #[test]
    fn files_per_layout() {
        let names = |l: Layout, r: bool| -> Vec<String> {
            l.new_files(7, "add users  table", r)
                .unwrap_or_default()
                .into_iter()
                .map(|f| f.rel)
                .collect()
        };
        let diesel_names = |l: Layout, r: bool| -> Vec<String> {
            l.new_files(700_000, "add users  table", r)
                .unwrap_or_default()
                .into_iter()
                .map(|f| f.rel)
                .collect()
        };
        let seq = |scheme| layout(scheme, Numbering::Sequential, 3, DieselForm::Dashed);
        assert_eq!(names(seq(Scheme::Sqlx), false), ["007_add_users_table.sql"]);
        assert_eq!(
            names(seq(Scheme::Sqlx), true),
            ["007_add_users_table.up.sql", "007_add_users_table.down.sql"]
        );
        assert_eq!(
            names(seq(Scheme::Refinery), false),
            ["V007__add_users_table.sql"]
        );
        assert!(seq(Scheme::Refinery).new_files(7, "x", true).is_err());
        assert_eq!(names(seq(Scheme::Goose), true), ["007_add_users_table.sql"]);
        let diesel = layout(Scheme::Diesel, Numbering::Timestamp, 14, DieselForm::Digits);
        assert_eq!(
            diesel_names(diesel, true),
            [
                "00000000000007_add users  table/up.sql",
                "00000000000007_add users  table/down.sql"
            ]
        );
        assert!(seq(Scheme::Sqlx).new_files(1, "a/b", false).is_err());
        assert!(seq(Scheme::Sqlx).new_files(1, "  ", false).is_err());
        assert!(seq(Scheme::Sqlx).new_files(1, "x.up", false).is_err());
    }
}
