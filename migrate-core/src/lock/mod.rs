//! The lock file, `migrations.lock`: the released migrations, a hash chain over them, and a
//! seal over everything else it says.
//!
//! ```text
//! # written by `migrate lock` -- do not edit by hand
//! format 2
//! head <64 hex>
//! <version> <sha256, 64 hex> <transaction | no-transaction> <up script, relative to the directory>
//! repeatable <sha256, 64 hex> <transaction | no-transaction> <file, relative to the directory>
//! amend <version> <old sha256> <new sha256> <reason>
//! seal <64 hex>
//! ```
//!
//! `head` is the chain over the entries' versions and checksums in order (see
//! [`crate::checksum::chain`]), then over the repeatable migrations' names and checksums in
//! name order ([`crate::checksum::chain_repeatable`]): the value a database's newest tracking
//! row holds once it has applied every locked migration and repeatable migration. A lock
//! without repeatable migrations reads and writes as before they existed. A repeatable
//! migration's line holds its current checksum: `migrate lock` rewrites it when the file
//! changes, with no amendment. Every entry a branch appends changes `head`, so two
//! branches that each add a migration conflict in git. `seal` is the SHA-256 of the lines from
//! `format` to the line before it (each followed by LF; comments and blank lines left out), so
//! the transaction modes, file names and amendments cannot be edited by hand either.
//!
//! Format 1 (written by earlier versions of migrate) has no modes and no seal; it is still read, so that
//! `migrate lock` can rewrite it, but a build refuses it and names that command.

mod amend;
mod check;
mod parse;

use std::fmt::Write as _;

use sha2::{Digest as _, Sha256};

use crate::checksum::{self, Digest32, CHAIN_START};

pub use amend::reason;
pub use check::LockState;
pub(crate) use check::{check, Checks};

/// The file name of the lock inside the migrations directory.
pub const FILE_NAME: &str = "migrations.lock";

/// The first line `migrate lock` writes.
pub const HEADER: &str = "# written by `migrate lock` -- do not edit by hand";

/// The format `migrate lock` writes.
pub const FORMAT: u32 = 2;

/// The reason recorded for an amendment made without `--reason`.
pub const NO_REASON: &str = "no reason given";

/// The command that records a reviewed edit of the locked migration `version`: what every
/// message about an edited released migration tells the user to run, and what
/// `migrate lock` accepts as it is.
pub fn amend_command(version: i64) -> String {
    format!("migrate lock --amend {version}")
}

/// The way out of an edited released migration, for messages at build time, in the CLI and
/// at run time: `put the change in a new migration, or run `migrate lock --amend 2` for an
/// intentional, reviewed edit`.
pub fn amend_advice(version: i64) -> String {
    format!(
        "put the change in a new migration, or run `{}` for an intentional, reviewed edit",
        amend_command(version)
    )
}

/// One released migration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its version.
    pub version: i64,
    /// The checksum of its up script.
    pub checksum: Digest32,
    /// Whether its up script runs outside a transaction (`None` in a format 1 lock, which
    /// does not say).
    pub no_transaction: Option<bool>,
    /// Its up script, relative to the migrations directory.
    pub file: String,
    /// The line of the lock file the entry is on (0 for entries not read from a file).
    pub line: u32,
}

/// A repeatable migration as the lock records it: its current content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepeatableEntry {
    /// Its name, from its file (see [`crate::scheme::repeatable_name`]).
    pub name: String,
    /// The checksum of its script.
    pub checksum: Digest32,
    /// Whether it runs outside a transaction.
    pub no_transaction: bool,
    /// Its file, relative to the migrations directory (`R__<name>.sql`,
    /// `repeatable/<name>.sql`).
    pub file: String,
    /// The line of the lock file the entry is on (0 for entries not read from a file).
    pub line: u32,
}

/// A reviewed edit of a released migration: databases holding `old` may take `new`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Amendment {
    /// The migration's version.
    pub version: i64,
    /// The checksum it had before the edit.
    pub old: Digest32,
    /// The checksum of the edited script.
    pub new: Digest32,
    /// Why the edit was made.
    pub reason: String,
}

/// A parsed lock file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lock {
    /// The format it is written in (see [`FORMAT`]).
    pub format: u32,
    /// The released migrations, in version order.
    pub entries: Vec<Entry>,
    /// The repeatable migrations with their current checksums, in name order.
    pub repeatables: Vec<RepeatableEntry>,
    /// Reviewed edits, oldest first.
    pub amendments: Vec<Amendment>,
}

impl Default for Lock {
    fn default() -> Self {
        Self {
            format: FORMAT,
            entries: Vec::new(),
            repeatables: Vec::new(),
            amendments: Vec::new(),
        }
    }
}

impl Lock {
    /// The chain over the entries, then over the repeatable migrations.
    pub fn head(&self) -> Digest32 {
        let versioned = self.entries.iter().fold(CHAIN_START, |acc, e| {
            checksum::chain(&acc, e.version, &e.checksum)
        });
        self.repeatables.iter().fold(versioned, |acc, r| {
            checksum::chain_repeatable(&acc, &r.name, &r.checksum)
        })
    }

    /// The repeatable migration recorded for `file` (relative to the directory).
    pub fn repeatable(&self, file: &str) -> Option<&RepeatableEntry> {
        self.repeatables.iter().find(|r| r.file == file)
    }

    /// The entry of `version`.
    pub fn entry(&self, version: i64) -> Option<&Entry> {
        self.entries
            .binary_search_by_key(&version, |e| e.version)
            .ok()
            .map(|i| &self.entries[i])
    }

    /// The newest locked version.
    pub fn newest(&self) -> Option<&Entry> {
        self.entries.last()
    }

    /// The lock file's text, in the lock's format.
    pub fn render(&self) -> String {
        let mut body = format!(
            "format {}\nhead {}\n",
            self.format,
            checksum::to_hex(&self.head())
        );
        for e in &self.entries {
            let mode = match (self.format, e.no_transaction) {
                (1, _) => "",
                (_, Some(true)) => "no-transaction ",
                _ => "transaction ",
            };
            let hex = checksum::to_hex(&e.checksum);
            let _ = writeln!(body, "{} {hex} {mode}{}", e.version, e.file);
        }
        for r in &self.repeatables {
            let mode = if r.no_transaction {
                "no-transaction"
            } else {
                "transaction"
            };
            let hex = checksum::to_hex(&r.checksum);
            let _ = writeln!(body, "repeatable {hex} {mode} {}", r.file);
        }
        for a in &self.amendments {
            let _ = writeln!(
                body,
                "amend {} {} {} {}",
                a.version,
                checksum::to_hex(&a.old),
                checksum::to_hex(&a.new),
                a.reason
            );
        }
        let seal = if self.format == 1 {
            String::new()
        } else {
            format!("seal {}\n", checksum::to_hex(&seal(&body)))
        };
        format!("{HEADER}\n{body}{seal}")
    }
}

/// The seal over the lines above it, given as they are written, each ended by LF.
pub(crate) fn seal(body: &str) -> Digest32 {
    Sha256::digest(body.as_bytes()).into()
}

#[cfg(test)]
mod tests;
