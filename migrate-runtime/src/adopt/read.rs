//! Reading another tool's history table: the query for each tool, and what its rows claim,
//! by that tool's own rules. Sources (the research notes, `notes/peers.md`, quote them):
//!
//! - sqlx 0.9 (`_sqlx_migrations`): one row per version; `success = FALSE` is dirty (MySQL
//!   inserts it before running); `checksum` is the SHA-384 of the file (crate sqlx-core 0.9.0
//!   `src/migrate/migration.rs` `checksum`, `src/migrate/migrator.rs`; sqlx-postgres
//!   `src/migrate.rs` for the DDL).
//! - diesel_migrations 2.3 (`__diesel_schema_migrations`): one row per applied version, the
//!   migration directory's name up to its first `_`, dashes removed (crate
//!   migrations_internals 2.3.0 `version_from_string`; diesel 2.3.14
//!   `src/migration/setup_migration_table.sql`); no checksum.
//! - refinery 0.10 (`refinery_schema_history`): `version`, `name`, `checksum` as a decimal
//!   `u64` (crate refinery-core 0.10.1 `src/traits/mod.rs`); a failure leaves no row.
//! - golang-migrate (`schema_migrations`): at most one row, the current version and `dirty`;
//!   every migration up to the version is applied, and `dirty` means its run did not finish
//!   (golang-migrate/migrate `migrate.go` `runMigrations`, `database/postgres/postgres.go`
//!   `SetVersion`); version -1 with dirty is a failed down of the first migration.
//! - goose (`goose_db_version`): a log by `id`; version 0 is the sentinel inserted with the
//!   table; a version is applied when its latest row has `is_applied` true (pressly/goose
//!   `migrate.go` `EnsureDBVersionContext`; old goose wrote `is_applied = false` rows for
//!   downs, newer deletes the row: pressly/goose PR #296).
//! - dbmate (`schema_migrations`): one row per applied version, the file name's leading
//!   digits as text (amacneil/dbmate `pkg/dbmate/db.go`); no checksum.
//! - Flyway (`flyway_schema_history`): rows by `installed_rank`; `SCHEMA` rows mark created
//!   schemas; a `BASELINE` row means everything up to its version was there before Flyway;
//!   `version` is NULL for repeatable migrations; `success = FALSE` is a failed migration;
//!   `UNDO_*` and `DELETE` rows take a version back; the latest row of a version is the one
//!   that counts (flyway/flyway `SchemaHistory.java`, `DbMigrate.java`,
//!   `CoreMigrationType.java`); `checksum` is a CRC-32 (see `digest::flyway`).

use super::digest::Recorded;
use super::{Origin, Source, Tool};
use crate::driver::{Cell, Driver, Table};
use crate::error::Error;

/// What the other tool's rows claim, in the order it applied them where it records one.
#[derive(Debug, Default)]
pub(crate) struct History {
    pub claims: Vec<Claim>,
    /// Whether `claims` are in the order the tool applied them (goose's `id`, Flyway's
    /// `installed_rank`), so that out-of-order history can be told.
    pub ordered: bool,
}

/// One thing a row claims.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Claim {
    /// The row as the mapping shows it: `version=3 success=true`.
    pub row: String,
    /// Which migration it speaks of.
    pub key: Key,
    /// What it says of it.
    pub what: What,
}

/// How a row names its migration.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Key {
    /// A version number.
    Number(i64),
    /// diesel's version text (a directory name up to its first `_`, dashes removed).
    Diesel(String),
    /// A home-made runner's text: a file name, or a version with its name.
    Name(String),
    /// Nothing a migration of this set can have (a Flyway repeatable or dotted version).
    Unplaceable(String),
}

/// What a row says of its migration.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum What {
    /// Applied, with the checksum recorded, if any.
    Applied(Option<Recorded>),
    /// golang-migrate's clean current version: it and everything below are applied.
    Current,
    /// A Flyway baseline: everything up to it was in the database before the tool.
    Baseline,
    /// golang-migrate's dirty version: everything below it is applied.
    Below,
    /// Failed or dirty: part of it may be applied.
    Failed,
    /// Applied once, then taken back (undone, or deleted by repair).
    Reverted,
}

/// The columns read from a tool's table (`None`: a home-made table's column not given), how
/// many of the first ones the mapping shows, and the column the rows are ordered by.
struct Layout<'s> {
    columns: Vec<Option<&'s str>>,
    shown: usize,
    order: Option<&'s str>,
}

fn layout(source: &Source) -> Layout<'_> {
    let tool = |columns: &[&'static str], shown, order| Layout {
        columns: columns.iter().map(|c| Some(*c)).collect(),
        shown,
        order,
    };
    match &source.from {
        Origin::Tool(Tool::Sqlx) => tool(&["version", "success", "checksum"], 2, Some("version")),
        Origin::Tool(Tool::Diesel | Tool::Dbmate) => tool(&["version"], 1, Some("version")),
        Origin::Tool(Tool::Refinery) => tool(&["version", "name", "checksum"], 2, Some("version")),
        Origin::Tool(Tool::GolangMigrate) => tool(&["version", "dirty"], 2, None),
        Origin::Tool(Tool::Goose) => tool(&["version_id", "is_applied"], 2, Some("id")),
        Origin::Tool(Tool::Flyway) => tool(
            &[
                "installed_rank",
                "version",
                "type",
                "script",
                "success",
                "checksum",
            ],
            5,
            Some("installed_rank"),
        ),
        Origin::Table(columns) => Layout {
            columns: vec![
                Some(columns.version.as_str()),
                columns.name.as_deref(),
                columns.checksum.as_ref().map(|(c, _)| c.as_str()),
            ],
            shown: 2,
            order: Some(columns.version.as_str()),
        },
    }
}

/// The query that reads `source`'s table, `table` quoted for `DB`: every name quoted, since
/// Flyway's `type` is a keyword and a home-made runner's names can be anything.
pub(crate) fn query<DB: Driver>(source: &Source, table: &Table) -> String {
    let layout = layout(source);
    let columns: Vec<String> = layout
        .columns
        .iter()
        .map(|c| c.map_or_else(|| "NULL".to_owned(), DB::quote))
        .collect();
    let order = layout
        .order
        .map(|c| format!(" ORDER BY {}", DB::quote(c)))
        .unwrap_or_default();
    format!("SELECT {} FROM {}{order}", columns.join(", "), table.sql)
}

/// What the rows of `source`'s table (read by [`query`]) claim; `table` names it in errors.
pub(crate) fn interpret(
    source: &Source,
    table: &str,
    rows: &[Vec<Cell>],
) -> Result<History, Error> {
    let reader = Reader {
        who: source.who(),
        table,
        layout: layout(source),
    };
    match &source.from {
        Origin::Tool(Tool::Sqlx) => reader.each(rows, |r| {
            let what = if r.truth(1)? {
                What::Applied(Some(Recorded::Sqlx(r.bytes(2)?)))
            } else {
                What::Failed
            };
            Ok(vec![(Key::Number(r.int(0)?), what)])
        }),
        Origin::Tool(Tool::Diesel) => reader.each(rows, |r| {
            Ok(vec![(Key::Diesel(r.text(0)?), What::Applied(None))])
        }),
        Origin::Tool(Tool::Dbmate) => reader.each(rows, |r| {
            Ok(vec![(number_or_text(&r.text(0)?), What::Applied(None))])
        }),
        Origin::Tool(Tool::Refinery) => reader.each(rows, |r| {
            let recorded = Recorded::Refinery {
                name: r.text(1)?,
                hash: r.text(2)?,
            };
            Ok(vec![(
                Key::Number(r.int(0)?),
                What::Applied(Some(recorded)),
            )])
        }),
        Origin::Tool(Tool::GolangMigrate) => reader.each(rows, |r| {
            let version = r.int(0)?;
            let key = || match version {
                v if v >= 0 => Key::Number(v),
                v => Key::Unplaceable(v.to_string()),
            };
            Ok(if r.truth(1)? {
                vec![(key(), What::Below), (key(), What::Failed)]
            } else {
                vec![(key(), What::Current)]
            })
        }),
        Origin::Tool(Tool::Goose) => goose(&reader, rows),
        Origin::Tool(Tool::Flyway) => flyway(&reader, rows),
        Origin::Table(columns) => {
            let kind = columns.checksum.as_ref().map(|(_, kind)| *kind);
            reader.each(rows, |r| {
                let key = match r.cell(0) {
                    Cell::Int(n) => Key::Number(*n),
                    _ => Key::Name(r.text(0)?),
                };
                let recorded = match (kind, r.cell(2)) {
                    (Some(kind), Cell::Bytes(b)) => {
                        Some(Recorded::Hex(kind, crate::driver::hex(b)))
                    }
                    (Some(kind), Cell::Text(t)) => Some(Recorded::Hex(kind, t.clone())),
                    _ => None,
                };
                Ok(vec![(key, What::Applied(recorded))])
            })
        }
    }
}

/// goose: the latest row of each version counts, in the order of those rows; version 0 is
/// the sentinel goose inserts when it creates the table.
fn goose(reader: &Reader<'_>, rows: &[Vec<Cell>]) -> Result<History, Error> {
    let latest = reader.latest(rows, |r| Ok(Some(r.int(0)?.to_string())))?;
    let mut history = History {
        ordered: true,
        ..History::default()
    };
    for r in latest {
        let version = r.int(0)?;
        if version == 0 {
            continue;
        }
        let what = if r.truth(1)? {
            What::Applied(None)
        } else {
            What::Reverted
        };
        history.claims.push(r.claim(Key::Number(version), what));
    }
    Ok(history)
}

/// Flyway: `SCHEMA` rows are skipped; the latest row of each version (or, for repeatable
/// migrations, of each script) counts, in the order of those rows.
fn flyway(reader: &Reader<'_>, rows: &[Vec<Cell>]) -> Result<History, Error> {
    let latest = reader.latest(rows, |r| {
        if r.text(2)? == "SCHEMA" {
            return Ok(None);
        }
        Ok(Some(match r.cell(1) {
            Cell::Null => format!("repeatable {}", r.text(3)?),
            _ => r.text(1)?,
        }))
    })?;
    let mut history = History {
        ordered: true,
        ..History::default()
    };
    for r in latest {
        let kind = r.text(2)?;
        let key = match r.cell(1) {
            Cell::Null => Key::Unplaceable(format!("repeatable {}", r.text(3)?)),
            _ => number_or_text(&r.text(1)?),
        };
        let what = if kind.ends_with("BASELINE") {
            What::Baseline
        } else if kind.starts_with("UNDO_") || kind == "DELETE" {
            What::Reverted
        } else if !r.truth(4)? {
            What::Failed
        } else {
            let checksum = match r.cell(5) {
                Cell::Null => None,
                _ => Some(Recorded::Flyway(r.int(5)?)),
            };
            What::Applied(checksum)
        };
        history.claims.push(r.claim(key, what));
    }
    Ok(history)
}

/// A version as text: a number when it is digits only (leading zeros allowed, as dbmate and
/// Flyway keep them), else nothing a migration of this set can have.
fn number_or_text(text: &str) -> Key {
    match migrate_core::scheme::parse_version(text.trim()) {
        Ok(n) => Key::Number(n),
        Err(_) => Key::Unplaceable(text.to_owned()),
    }
}

/// Reads the rows of one source, naming the table in errors.
struct Reader<'a> {
    who: &'static str,
    table: &'a str,
    layout: Layout<'a>,
}

impl Reader<'_> {
    fn row<'r>(&'r self, cells: &'r [Cell]) -> RowReader<'r> {
        RowReader {
            cells,
            reader: self,
        }
    }

    /// Every row's claims, each row read by `claims`, in the order of the rows.
    fn each(
        &self,
        rows: &[Vec<Cell>],
        claims: impl Fn(&RowReader<'_>) -> Result<Vec<(Key, What)>, Error>,
    ) -> Result<History, Error> {
        let mut history = History::default();
        for row in rows {
            let r = self.row(row);
            for (key, what) in claims(&r)? {
                history.claims.push(r.claim(key, what));
            }
        }
        Ok(history)
    }

    /// The latest row of each key `key` gives (rows it gives none for are skipped), in the
    /// order of those rows: what counts in a log where a later row overrides an earlier one.
    fn latest<'r>(
        &'r self,
        rows: &'r [Vec<Cell>],
        key: impl Fn(&RowReader<'_>) -> Result<Option<String>, Error>,
    ) -> Result<Vec<RowReader<'r>>, Error> {
        let mut latest: Vec<(String, RowReader<'r>)> = Vec::new();
        for row in rows {
            let r = self.row(row);
            if let Some(key) = key(&r)? {
                latest.retain(|(k, _)| *k != key);
                latest.push((key, r));
            }
        }
        Ok(latest.into_iter().map(|(_, r)| r).collect())
    }
}

/// One row of the other tool's table.
struct RowReader<'r> {
    cells: &'r [Cell],
    reader: &'r Reader<'r>,
}

impl RowReader<'_> {
    fn cell(&self, i: usize) -> &Cell {
        self.cells.get(i).unwrap_or(&Cell::Null)
    }

    /// The row as the mapping shows it: `name=value` of its first columns.
    fn shown(&self) -> String {
        let layout = &self.reader.layout;
        layout.columns[..layout.shown]
            .iter()
            .zip(self.cells)
            .filter_map(|(name, cell)| name.map(|name| format!("{name}={cell}")))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn claim(&self, key: Key, what: What) -> Claim {
        Claim {
            row: self.shown(),
            key,
            what,
        }
    }

    /// Column `i` read by `read`, or the error that names the row, the column and what the
    /// tool writes there.
    fn get<T>(
        &self,
        i: usize,
        expected: &'static str,
        read: impl Fn(&Cell) -> Option<T>,
    ) -> Result<T, Error> {
        read(self.cell(i)).ok_or_else(|| Error::UnreadableHistory {
            who: self.reader.who,
            table: self.reader.table.to_owned(),
            row: self.shown(),
            column: self
                .reader
                .layout
                .columns
                .get(i)
                .copied()
                .flatten()
                .unwrap_or("?")
                .to_owned(),
            expected,
        })
    }

    fn int(&self, i: usize) -> Result<i64, Error> {
        self.get(i, "an integer", Cell::int)
    }

    fn text(&self, i: usize) -> Result<String, Error> {
        self.get(i, "text", Cell::text)
    }

    fn truth(&self, i: usize) -> Result<bool, Error> {
        self.get(i, "a boolean", Cell::truth)
    }

    fn bytes(&self, i: usize) -> Result<Vec<u8>, Error> {
        self.get(i, "bytes", |c| c.bytes().map(<[u8]>::to_vec))
    }
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
