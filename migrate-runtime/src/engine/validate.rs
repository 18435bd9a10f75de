//! What the tracking rows mean for a run: pure functions, no database.
//!
//! [`up_to_date`] is the fast path's test on the newest row; [`check`] validates the whole
//! history against the set and works out what a run does, or the error it stops with.

use std::collections::BTreeMap;

use migrate_core::checksum::{chain, to_hex};
use migrate_core::hazard;
use migrate_core::split::{Dialect, Statement};

use super::statements;
use crate::driver::{Newest, Row};
use crate::error::Error;
use crate::table::{Migration, Migrator, Script, Transaction, Version};

/// Whether the newest row proves there is nothing to do (up to `target`, if given).
pub(crate) fn up_to_date(migrator: &Migrator, newest: &Newest, target: Option<Version>) -> bool {
    let Newest::Row {
        version,
        chain,
        success: true,
    } = newest
    else {
        // Repeatable migrations without versioned ones have no row to seal: such a set takes
        // the lock to compare their rows at every run.
        return migrator.migrations().is_empty()
            && migrator.repeatables().is_empty()
            && *newest == Newest::Empty;
    };
    let Some(version) = Version::new(*version) else {
        return false;
    };
    let at_head = migrator.head().map(Migration::version) == Some(version);
    // The chain covers every version and checksum up to this one, and at the head every
    // repeatable migration's checksum: equal chains mean the history applied was exactly the
    // embedded one.
    if at_head {
        return target.is_none_or(|target| target <= version)
            && chain.as_slice() == migrator.head_chain();
    }
    // `run_to` a version at or below a database that is not at the head: the table stores
    // only the head's chain, so hash the checksums up to the database's version.
    match target {
        Some(target) if target <= version => migrator
            .chain_of(version)
            .is_some_and(|expected| chain.as_slice() == expected),
        _ => false,
    }
}

/// The rules a run applies, from its settings and its database.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rules<'a> {
    pub allow_missing: bool,
    pub allow_out_of_order: bool,
    pub resume: bool,
    pub dialect: Dialect,
    /// Whether scripts marked transactional run in a transaction on this database.
    pub transactional_ddl: bool,
    /// The tracking table, for messages.
    pub table: &'a str,
}

/// What a run does: record reviewed edits (`migrate lock --amend`) of applied migrations,
/// resume a dirty migration, then apply the pending ones in order.
#[derive(Debug, Default)]
pub(crate) struct Plan<'m> {
    /// Applied migrations whose checksum an amendment replaces, with their recorded duration.
    pub amended: Vec<(&'m Migration, i64)>,
    /// The dirty migration to resume, and its statements done.
    pub resume: Option<(&'m Migration, usize)>,
    /// The pending migrations, in order.
    pub pending: Vec<&'m Migration>,
    /// Once these are applied, every migration of the set is: the repeatable migrations
    /// follow (a target below a pending migration leaves them for a later run).
    pub complete: bool,
}

/// Validates the applied history against the set and works out what is pending, up to
/// `target` when given.
pub(crate) fn check<'m>(
    migrator: &'m Migrator,
    rules: &Rules<'_>,
    rows: &[Row],
    target: Option<Version>,
) -> Result<Plan<'m>, Error> {
    let mut plan = Plan {
        complete: true,
        ..Plan::default()
    };
    let mut below = migrate_core::checksum::CHAIN_START.to_vec();
    for row in rows {
        let chain_below = std::mem::replace(&mut below, row.chain.clone());
        let version = Version::new(row.version).ok_or_else(|| Error::InvalidRow {
            table: rules.table.to_owned(),
            version: row.version,
        })?;
        let Some(m) = migrator.get(version) else {
            if rules.allow_missing {
                continue;
            }
            return Err(Error::Missing {
                version,
                name: row.name.clone(),
            });
        };
        if !row.success {
            let done = usize::try_from(row.statements_done).unwrap_or(0);
            if rules.resume {
                resumable(m, row, done, rules.dialect)?;
                plan.resume = Some((m, done));
                continue;
            }
            return Err(dirty(m, done, row.error.clone(), rules.dialect));
        }
        if row.checksum.as_slice() != m.checksum() {
            // Only the content the amendment declares as the old one may be replaced; any
            // other difference is still an edit.
            if migrator.is_amended(m, &row.checksum) {
                plan.amended.push((m, row.duration_ms));
                continue;
            }
            return Err(Error::ChecksumMismatch {
                version: m.version(),
                file: m.up().file().to_owned(),
                applied: hex(&row.checksum),
                embedded: to_hex(m.checksum()),
                row_edited: row_edited(m, row, &chain_below),
            });
        }
    }
    let recorded: BTreeMap<i64, &Row> = rows.iter().map(|r| (r.version, r)).collect();
    let newest = rows.iter().filter(|r| r.success).max_by_key(|r| r.version);
    for m in migrator.migrations() {
        if recorded.contains_key(&m.version().get()) {
            continue;
        }
        if target.is_some_and(|t| m.version() > t) {
            plan.complete = false;
            continue;
        }
        if let Some(row) = newest.filter(|n| n.version > m.version().get()) {
            if !rules.allow_out_of_order {
                return Err(out_of_order(migrator, m, row));
            }
        }
        if rules.transactional_ddl && m.transaction() == Transaction::Wrapped {
            transaction_control(m, rules.dialect)?;
        }
        plan.pending.push(m);
    }
    Ok(plan)
}

/// Whether a row whose checksum differs from its file's was edited by hand rather than the
/// file: its chain was written from the file's checksum, not from the one it holds now.
fn row_edited(m: &Migration, row: &Row, below: &[u8]) -> bool {
    let Ok(below) = <[u8; 32]>::try_from(below) else {
        return false;
    };
    let from_file = chain(&below, row.version, m.checksum());
    let from_row = <[u8; 32]>::try_from(row.checksum.as_slice())
        .map(|checksum| chain(&below, row.version, &checksum));
    row.chain.as_slice() == from_file && from_row.is_ok_and(|c| row.chain.as_slice() != c)
}

/// The running hash of the first `done` statements of a script, which a dirty row keeps in
/// its `chain` column while it is dirty: the chain, from 32 zero bytes, over each statement's
/// index and checksum.
pub(crate) fn statements_hash(statements: &[Statement<'_>], done: usize) -> [u8; 32] {
    statements.iter().take(done).enumerate().fold(
        migrate_core::checksum::CHAIN_START,
        |hash, (i, s)| {
            let index = i64::try_from(i).unwrap_or(i64::MAX);
            chain(&hash, index, &migrate_core::checksum::checksum(s.sql()))
        },
    )
}

/// Refuses to resume a dirty migration whose file changed in the statements already done:
/// resuming would count statements in the new file and run some twice or skip some.
fn resumable(m: &Migration, row: &Row, done: usize, dialect: Dialect) -> Result<(), Error> {
    if done == 0 || row.checksum.as_slice() == m.checksum() {
        return Ok(());
    }
    let statements = statements(m.up_sql(), dialect);
    if done <= statements.len() && row.chain.as_slice() == statements_hash(&statements, done) {
        return Ok(());
    }
    Err(Error::ResumeChanged {
        version: m.version(),
        file: m.up().file().to_owned(),
        done,
    })
}

/// A pending migration below the newest applied row: merged late, or its row was deleted.
fn out_of_order(migrator: &Migrator, m: &Migration, newest: &Row) -> Error {
    let (version, file) = (m.version(), m.up().file().to_owned());
    let newest_version = Version::__checked(newest.version);
    // The newest row carries the chain of the set it was applied with: when that equals this
    // set's chain there, every older migration of this set was applied before it.
    // (at the head, sealed over the repeatable migrations, when they did not change since)
    let covers_older = migrator.chain_of(newest_version).is_some_and(|chain| {
        newest.chain.as_slice() == chain || newest.chain.as_slice() == migrator.sealed(&chain)
    });
    if covers_older {
        Error::Unrecorded {
            version,
            file,
            newest: newest_version,
        }
    } else {
        Error::OutOfOrder {
            version,
            file,
            newest: newest_version,
        }
    }
}

/// Refuses a script that runs in a transaction but ends or nests it (`COMMIT`, `BEGIN`):
/// part of it would commit without its tracking row.
fn transaction_control(m: &Migration, dialect: Dialect) -> Result<(), Error> {
    let found = hazard::find(m.up_sql(), dialect)
        .into_iter()
        .find(|h| h.kind == hazard::Kind::TransactionControl);
    match found {
        Some(h) => Err(Error::TransactionControl {
            version: m.version(),
            file: m.up().file().to_owned(),
            line: m.up().line().saturating_add(h.line.saturating_sub(1)),
            statement: h.keywords,
        }),
        None => Ok(()),
    }
}

/// The error of a dirty migration: where it stopped, by its statements in `dialect`.
pub(crate) fn dirty(m: &Migration, done: usize, error: Option<String>, dialect: Dialect) -> Error {
    let script = m.up();
    let statements = statements(script.sql(), dialect);
    let line = statements
        .get(done)
        .map_or(script.line(), |s| file_position(script, s.sql_offset()).0);
    Error::Dirty {
        version: m.version(),
        file: script.file().to_owned(),
        done,
        total: statements.len(),
        line,
        error,
    }
}

/// The file line and column of a byte offset in a script.
pub(crate) fn file_position(script: &Script, offset: usize) -> (u32, u32) {
    let (line, column) = migrate_core::split::line_col(script.sql(), offset);
    (script.line().saturating_add(line - 1), column)
}

/// A stored checksum in hex, whatever its length.
pub(crate) fn hex(bytes: &[u8]) -> String {
    crate::driver::hex(bytes)
}

#[cfg(test)]
#[path = "validate_tests.rs"]
pub(crate) mod tests;
