//! A migration set against its lock: what the build refuses, and whether the lock is the
//! one `migrate lock` would write now.

use std::collections::BTreeMap;

use crate::checksum;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::scan;
use crate::set::{Migration, MigrationSet, Repeatable};

use super::{amend_advice, Lock, FORMAT};

/// What [`check`] looks at besides the lock's entries.
pub(crate) struct Checks<'a> {
    /// The migrations directory as shown to the user.
    pub display: &'a str,
    /// The lock file as shown to the user.
    pub lock_display: &'a str,
    /// Every migration must be locked.
    pub require_locked: bool,
    /// A lock of an older format is refused, naming the command that rewrites it (the build
    /// does this; `migrate lock`, which rewrites it, does not).
    pub current_format: bool,
    /// Repeatable migrations must be locked as they are (the build checks this; `migrate
    /// lock`, which records them, does not).
    pub repeatables: bool,
}

/// The lock's rules: released migrations unchanged (content and transaction mode) and
/// present, nothing merged in below them, repeatable migrations locked as they are, the lock
/// in the current format.
pub(crate) fn check(
    set: &MigrationSet,
    lock: Option<&Lock>,
    checks: &Checks<'_>,
    problems: &mut Diagnostics,
) {
    let migrations = &set.migrations;
    let empty = Lock::default();
    let lock = lock.unwrap_or(&empty);
    if checks.repeatables {
        check_repeatables(&set.repeatables, lock, checks, problems);
    }
    if checks.current_format && lock.format < FORMAT {
        problems.push(Diagnostic::new(
            checks.lock_display,
            format!(
                "lock format {} was written by an older migrate: it records no transaction modes and no seal over its amendments, so the build cannot check them; run `migrate lock` to rewrite it in format {FORMAT} (review the diff), and commit it",
                lock.format
            ),
        ));
    }
    let by_version: BTreeMap<i64, &Migration> = migrations.iter().map(|m| (m.version, m)).collect();
    for entry in &lock.entries {
        let Some(m) = by_version.get(&entry.version) else {
            let moved = migrations.iter().find(|m| m.checksum == entry.checksum);
            let message = match moved {
                Some(m) => format!(
                    "locked migration {} is gone; {} has its content under version {}: a released migration keeps its version, rename it back",
                    entry.version, m.up.file, m.version
                ),
                None => format!(
                    "locked migration {} is gone (deleted or renamed): restore it from version control; to undo what it did, add a new migration",
                    entry.version
                ),
            };
            let locked_display = scan::display_path(checks.display, &entry.file);
            problems.push(Diagnostic::new(locked_display, message));
            continue;
        };
        let message = if m.up.rel != entry.file {
            format!(
                "locked migration {} was released as {}: rename it back (databases and the lock know it by that name)",
                entry.version,
                quoted(&entry.file, &m.up.rel)
            )
        } else if m.checksum != entry.checksum {
            format!(
                "locked migration {} was edited after release: the lock has sha256 {}, the file has {}; {}",
                entry.version,
                checksum::to_hex(&entry.checksum),
                checksum::to_hex(&m.checksum),
                amend_advice(entry.version)
            )
        } else if entry
            .no_transaction
            .is_some_and(|n| n != m.up.no_transaction)
        {
            let mode = |no: bool| {
                if no {
                    "outside a transaction"
                } else {
                    "in a transaction"
                }
            };
            format!(
                "locked migration {} was released to run {}, and now runs {} (a directive, goose's `NO TRANSACTION`, dbmate's `transaction:false` or diesel's metadata.toml changed): a released migration keeps its transaction mode; {}",
                entry.version,
                mode(!m.up.no_transaction),
                mode(m.up.no_transaction),
                amend_advice(entry.version)
            )
        } else {
            continue;
        };
        problems.push(Diagnostic::new(m.up.file.clone(), message));
    }
    let newest = lock.newest();
    for m in migrations
        .iter()
        .filter(|m| lock.entry(m.version).is_none())
    {
        match newest {
            Some(newest) if m.version < newest.version => problems.push(Diagnostic::new(
                m.up.file.clone(),
                format!(
                    "migration {} is not in the lock but older than the newest locked migration {} (merged from another branch?): databases that have {} would never run it; renumber it with `migrate renumber {}`",
                    m.version, newest.version, newest.version, m.version
                ),
            )),
            _ if checks.require_locked => problems.push(Diagnostic::new(
                m.up.file.clone(),
                format!(
                    "migration {} is not locked and `require_locked = true`: run `migrate lock` and commit {}",
                    m.version, checks.lock_display
                ),
            )),
            _ => {}
        }
    }
}

/// Repeatable migrations against the lock: each locked one present and as locked, and, with
/// `require_locked`, each one locked.
fn check_repeatables(
    repeatables: &[Repeatable],
    lock: &Lock,
    checks: &Checks<'_>,
    problems: &mut Diagnostics,
) {
    let record = "run `migrate lock` to record it (a repeatable migration may change: the lock holds its current checksum) and commit the lock";
    for entry in &lock.repeatables {
        let Some(r) = repeatables.iter().find(|r| r.script.rel == entry.file) else {
            problems.push(Diagnostic::new(
                scan::display_path(checks.display, &entry.file),
                format!(
                    "locked repeatable migration `{}` is gone: restore it, or run `migrate lock` to take it out of the lock (what it created stays in the database: drop that in a new migration)",
                    entry.name
                ),
            ));
            continue;
        };
        let message = if r.checksum != entry.checksum {
            format!(
                "repeatable migration `{}` changed since it was locked: the lock has sha256 {}, the file has {}; {record}",
                r.name,
                checksum::to_hex(&entry.checksum),
                checksum::to_hex(&r.checksum)
            )
        } else if r.script.no_transaction != entry.no_transaction {
            format!(
                "repeatable migration `{}` changed its transaction mode since it was locked; {record}",
                r.name
            )
        } else {
            continue;
        };
        problems.push(Diagnostic::new(r.script.file.clone(), message));
    }
    if checks.require_locked {
        for r in repeatables
            .iter()
            .filter(|r| lock.repeatable(&r.script.rel).is_none())
        {
            problems.push(Diagnostic::new(
                r.script.file.clone(),
                format!(
                    "repeatable migration `{}` is not locked and `require_locked = true`: run `migrate lock` and commit {}",
                    r.name, checks.lock_display
                ),
            ));
        }
    }
}

/// `name` in backticks, or, when it holds what does not show (spaces at an end, control,
/// zero-width or non-ASCII space characters) or differs from `other` only in that, quoted with
/// those escaped, and said.
fn quoted(name: &str, other: &str) -> String {
    let hidden = |c: char| {
        c.is_control()
            || (c.is_whitespace() && c != ' ')
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}')
    };
    let shown = |s: &str| -> String { s.trim().chars().filter(|c| !hidden(*c)).collect() };
    let hides = name != name.trim() || name.chars().any(hidden);
    if hides || (name != other && shown(name) == shown(other)) {
        format!("{name:?} (note the characters that do not show; the file is now {other:?})")
    } else {
        format!("`{name}`")
    }
}

/// Whether the lock file is the one `migrate lock` would write now: the rule behind
/// `migrate lock --check` and `migrate::testing::check_current`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LockState<'a> {
    /// Nothing to write: the lock covers every migration, in the current format (or there are
    /// no migrations and no lock).
    Current,
    /// There are migrations but no lock file.
    Missing,
    /// These migrations are not locked yet (the work in progress).
    Unlocked(Vec<&'a Migration>),
    /// Every migration is locked, but these repeatable migrations are new, changed or gone
    /// (their names).
    Repeatables(Vec<String>),
    /// Every migration is locked, but `migrate lock` would write the file differently: an
    /// older format, or the text was changed in a way that still verifies.
    Outdated,
}

impl LockState<'_> {
    /// What is wrong, and the command that fixes it; `None` when the lock is current.
    /// `missing: …` and `stale: it lacks 5 (m/5_x.sql); run `migrate lock` and commit it`.
    pub fn problem(&self) -> Option<String> {
        let fix = "run `migrate lock` and commit it";
        match self {
            LockState::Current => None,
            LockState::Missing => Some(format!("missing: {fix}")),
            LockState::Unlocked(migrations) => {
                let list: Vec<String> = migrations
                    .iter()
                    .map(|m| format!("{} ({})", m.version, m.up.file))
                    .collect();
                Some(format!("stale: it lacks {}; {fix}", list.join(", ")))
            }
            LockState::Repeatables(names) => Some(format!(
                "stale: repeatable migration(s) {} changed since it was written; {fix}",
                names.join(", ")
            )),
            LockState::Outdated => Some(format!(
                "stale: its text is not what `migrate lock` writes; {fix}"
            )),
        }
    }
}

impl MigrationSet {
    /// The migrations the lock does not have yet.
    pub fn unlocked(&self) -> Vec<&Migration> {
        self.migrations
            .iter()
            .filter(|m| {
                self.lock
                    .as_ref()
                    .and_then(|l| l.entry(m.version))
                    .is_none()
            })
            .collect()
    }

    /// The names of the repeatable migrations `migrate lock` would record anew: new,
    /// changed (content or transaction mode) or gone since `lock` was written.
    pub fn repeatables_to_lock(&self, lock: &Lock) -> Vec<String> {
        let mut names: Vec<String> = self
            .repeatables
            .iter()
            .filter(|r| {
                lock.repeatable(&r.script.rel).is_none_or(|e| {
                    e.checksum != r.checksum || e.no_transaction != r.script.no_transaction
                })
            })
            .map(|r| r.name.clone())
            .collect();
        names.extend(
            lock.repeatables
                .iter()
                .filter(|e| !self.repeatables.iter().any(|r| r.script.rel == e.file))
                .map(|e| e.name.clone()),
        );
        names
    }

    /// Whether the lock file is current (see [`LockState`]).
    pub fn lock_state(&self) -> LockState<'_> {
        let Some(lock) = &self.lock else {
            return if self.migrations.is_empty() && self.repeatables.is_empty() {
                LockState::Current
            } else {
                LockState::Missing
            };
        };
        let unlocked = self.unlocked();
        if !unlocked.is_empty() {
            return LockState::Unlocked(unlocked);
        }
        let changed = self.repeatables_to_lock(lock);
        if !changed.is_empty() {
            return LockState::Repeatables(changed);
        }
        let mut read = lock.clone();
        read.entries.iter_mut().for_each(|e| e.line = 0);
        read.repeatables.iter_mut().for_each(|r| r.line = 0);
        if read == self.to_lock() {
            LockState::Current
        } else {
            LockState::Outdated
        }
    }
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn names_that_look_the_same_are_shown_with_the_difference() {
        assert_eq!(quoted("2_b.sql", "2_c.sql"), "`2_b.sql`");
        assert_eq!(
            quoted("2019_Add email/up.sql", "2019_x/up.sql"),
            "`2019_Add email/up.sql`"
        );
        assert!(quoted("2_b.sql\u{200b}", "2_b.sql").starts_with("\"2_b.sql\\u{200b}\""));
        assert!(quoted("2_b.sql ", "2_b.sql").starts_with("\"2_b.sql \" (note"));
    }
}
