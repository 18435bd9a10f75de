//! The inverse of [`crate::scheme`]: the file names a migration gets in a directory's layout,
//! for a version and a description. `migrate add` and `migrate renumber` write these names;
//! parsing a rendered name gives the version and description back (a property test holds it).

use crate::diesel;
use crate::scheme::Scheme;
use crate::set::{Migration, MigrationSet};
use crate::time::looks_like_timestamp;

/// How versions are picked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Numbering {
    /// The UTC time `YYYYMMDDHHMMSS` (diesel: in the directory's form of it).
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

/// Everything that decides a migration's file names.
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
    /// Its first content: a comment saying what to write (and the sections of goose and
    /// dbmate files), so that `migrate lock` can tell it was not written yet.
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
    /// (`YYYYMMDDHHMMSS`, see [`crate::time::Civil::timestamp`]): a timestamp when it is later
    /// than `newest`, else the next one after `newest`.
    pub fn next_version(&self, newest: Option<i64>, now: i64) -> Result<i64, String> {
        let after = |newest: i64| {
            newest
                .checked_add(1)
                .ok_or_else(|| format!("no version after {newest}: the largest is i64::MAX"))
        };
        match self.numbering {
            Numbering::Timestamp if self.scheme == Scheme::Diesel => {
                let counter = if self.diesel == DieselForm::DashedCounter {
                    "0000"
                } else {
                    ""
                };
                let at = |seconds: i64| diesel::encode(&format!("{seconds:014}{counter}"));
                let candidate = at(now)?;
                match newest {
                    // the 14 digits of every diesel number are its first 14 (see crate::diesel)
                    Some(newest) if newest >= candidate => at(newest / 100_000 + 1),
                    _ => Ok(candidate),
                }
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
            return match (diesel::decode(version), self.diesel) {
                (Some(digits), DieselForm::Digits) => digits,
                (Some(digits), _) => diesel::dashed(&digits),
                (None, _) => version.to_string(),
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
    /// runs of spaces into one underscore.
    pub fn description(&self, description: &str) -> Result<String, String> {
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
        let lower = joined.to_ascii_lowercase();
        if lower.ends_with(".up") || lower.ends_with(".down") {
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
