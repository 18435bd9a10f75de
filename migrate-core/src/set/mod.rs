//! A migration set: the directory read, every rule checked, checksums and chain computed.
//!
//! This is the one code path behind `embed_migrations!`, `Migrator::from_dir` and the CLI.
//! Every problem is collected, so one build reports all bad files at once.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::checksum::{Digest32, CHAIN_START};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::directive::Allow;
use crate::lock::{self, Checks, Lock};
use crate::scan;
use crate::scheme::Scheme;
use crate::split::{self, Dialect};

mod read;
mod repeatable;

pub use repeatable::Repeatable;

use read::{check_scheme, diesel_like, dir_candidate, file_candidate, pair, read_lock};

/// How to read a migration set.
///
/// Build it with `..Default::default()` for the fields you do not set: more may come.
#[derive(Clone, Debug)]
pub struct Options {
    /// The lock file and how to show its path, which must exist; `None` means
    /// `<dir>/migrations.lock`, which is read when it exists.
    pub lock: Option<(PathBuf, String)>,
    /// Every migration must be in the lock (for release builds and CI).
    pub require_locked: bool,
    /// Check the migrations against the lock (default `true`): a locked migration edited,
    /// gone or renamed, an unlocked one older than the newest locked one, and
    /// `require_locked`. With `false` the lock file is still read and must verify, but none of
    /// these is an error: `migrate lock --amend` and `migrate renumber` read a set that its
    /// lock refuses in order to repair it, then check the result with
    /// [`MigrationSet::lock_problems`].
    pub check_lock: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            lock: None,
            require_locked: false,
            check_lock: true,
        }
    }
}

/// One script of a migration: a whole file or a section of one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    /// The file as shown to the user (the directory as given, then the file).
    pub file: String,
    /// The file relative to the migrations directory, `/`-separated.
    pub rel: String,
    /// The file on disk.
    pub path: PathBuf,
    /// The script's SQL, exactly as in the file.
    pub sql: String,
    /// Whether `sql` is the whole file (otherwise a goose or dbmate section).
    pub whole_file: bool,
    /// The 1-based line of the file where `sql` starts.
    pub line: u32,
    /// The script runs outside a transaction, statement by statement.
    pub no_transaction: bool,
    /// How long each statement may wait for a lock (`-- migrate:lock-timeout`).
    pub lock_timeout: Option<Duration>,
    /// How long each statement may run (`-- migrate:statement-timeout`).
    pub statement_timeout: Option<Duration>,
    /// The `-- migrate:allow` lines that cover this script: the file's header's, and those
    /// inside the script.
    pub allow: Vec<Allow>,
}

/// One migration, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Migration {
    /// Its version.
    pub version: i64,
    /// Its description, from the file name.
    pub description: String,
    /// The up script.
    pub up: Script,
    /// The down script, if the migration is reversible.
    pub down: Option<Script>,
    /// The checksum of the up script.
    pub checksum: Digest32,
    /// The chain up to and including this migration.
    pub chain: Digest32,
}

impl Migration {
    /// Where the description is in the up script's `file`: a description comes from the
    /// file's name (diesel's: from its directory's), so the table stores the name as this
    /// range of the path instead of as a string of its own.
    pub fn description_in_file(&self) -> Option<std::ops::Range<usize>> {
        let start = self.up.file.rfind(&self.description)?;
        Some(start..start + self.description.len())
    }
}

/// A checked migration set.
#[derive(Clone, Debug)]
pub struct MigrationSet {
    /// The directory's layout (`None` when it holds no migration).
    pub scheme: Option<Scheme>,
    /// The migrations in version order.
    pub migrations: Vec<Migration>,
    /// The repeatable migrations, in name order.
    pub repeatables: Vec<Repeatable>,
    /// The lock file, if there is one.
    pub lock: Option<Lock>,
    /// The lock file's path on disk, whether or not it exists (the build watches it).
    pub lock_path: PathBuf,
    /// Things worth a look that are not errors: empty scripts, files passed over.
    pub notices: Vec<Diagnostic>,
    /// The directory as shown to the user (the `display` given to [`load`]).
    pub display: String,
    /// The lock file as shown to the user.
    pub lock_display: String,
}

impl MigrationSet {
    /// The chain over every migration and then every repeatable migration (see
    /// [`crate::checksum::chain_repeatable`]): the value the newest tracking row carries once
    /// a database applied all of them, and the lock's `head` once all of them are locked.
    pub fn head(&self) -> Digest32 {
        let versioned = self.migrations.last().map_or(CHAIN_START, |m| m.chain);
        repeatable::seal(&versioned, &self.repeatables)
    }

    /// The lock `migrate lock` writes: every migration of the set, in the current format,
    /// keeping existing amendments.
    pub fn to_lock(&self) -> Lock {
        Lock {
            format: lock::FORMAT,
            entries: self
                .migrations
                .iter()
                .map(|m| lock::Entry {
                    version: m.version,
                    checksum: m.checksum,
                    no_transaction: Some(m.up.no_transaction),
                    file: m.up.rel.clone(),
                    line: 0,
                })
                .collect(),
            repeatables: self
                .repeatables
                .iter()
                .map(|r| lock::RepeatableEntry {
                    name: r.name.clone(),
                    checksum: r.checksum,
                    no_transaction: r.script.no_transaction,
                    file: r.script.rel.clone(),
                    line: 0,
                })
                .collect(),
            amendments: self
                .lock
                .as_ref()
                .map(|l| l.amendments.clone())
                .unwrap_or_default(),
        }
    }

    /// What `lock` refuses in this set: the checks [`Options::check_lock`] turns on, against
    /// any lock (such as one being amended), with `require_locked` as given. A lock of an
    /// older format is not a problem here: writing it anew is the fix.
    pub fn lock_problems(&self, lock: &Lock, require_locked: bool) -> Diagnostics {
        let mut problems = Diagnostics::default();
        let checks = Checks {
            display: &self.display,
            lock_display: &self.lock_display,
            require_locked,
            current_format: false,
            // a changed repeatable migration is what `migrate lock` records
            repeatables: false,
        };
        lock::check(self, Some(lock), &checks, &mut problems);
        problems
    }
}

/// Reads and checks the migrations in `dir`, shown to the user as `display`.
pub fn load(dir: &Path, display: &str, options: &Options) -> Result<MigrationSet, Diagnostics> {
    let mut problems = Diagnostics::default();
    let listing = scan::scan(dir, display, &mut problems);
    if !dir.is_dir() {
        // `scan` said why; a lock inside a directory that is not there has nothing to add.
        return Err(problems);
    }
    let mut notices: Vec<Diagnostic> = listing
        .ignored
        .iter()
        .map(|path| Diagnostic::new(path.clone(), "not a migration: passed over"))
        .collect();
    let mut files = Vec::new();
    let mut repeatable_files = Vec::new();
    for file in listing.files {
        if crate::scheme::repeatable_name(&file.rel).is_some() {
            repeatable_files.push(file);
            continue;
        }
        if !listing.dirs.is_empty() && !diesel_like(&file.rel) {
            // diesel reads only directories; loose files beside them are not migrations to it
            // (crates.io keeps a `data_oauth_github.sql` there), so they are passed over, noticed.
            notices.push(Diagnostic::new(
                file.display,
                "not a diesel migration directory: passed over",
            ));
            continue;
        }
        files.push(file);
    }
    let mut candidates = Vec::new();
    let mut failed = BTreeSet::new();
    let read = crate::parallel::map(files, |file| {
        let mut found = Diagnostics::default();
        let version = crate::scheme::parse_file_name(&file.rel).map(|n| n.version);
        (file_candidate(file, &mut found), found, version)
    });
    for (candidate, found, version) in read {
        match (candidate, version) {
            (Some(candidate), _) => candidates.push(candidate),
            (None, Ok(version)) => {
                failed.insert(version);
            }
            (None, Err(_)) => {}
        }
        problems.0.extend(found.0);
    }
    for dir in listing.dirs {
        candidates.extend(dir_candidate(dir, &mut problems));
    }
    let scheme = check_scheme(&candidates, &mut problems);
    let migrations = pair(candidates, &failed, &mut problems);
    let repeatables =
        repeatable::read(repeatable_files, listing.repeatables, scheme, &mut problems);
    let scripts = migrations
        .iter()
        .flat_map(|m| std::iter::once(&m.up).chain(&m.down))
        .chain(repeatables.iter().map(|r| &r.script));
    for script in scripts {
        if split::is_empty_script(&script.sql, Dialect::Postgres) {
            notices.push(Diagnostic::new(
                script.file.clone(),
                "holds no SQL (empty or only comments)",
            ));
        }
    }
    let (lock_path, lock_display) = options.lock.clone().unwrap_or_else(|| {
        (
            dir.join(lock::FILE_NAME),
            scan::display_path(display, lock::FILE_NAME),
        )
    });
    if options.lock.is_some() && std::fs::symlink_metadata(&lock_path).is_err() {
        problems.push(Diagnostic::new(
            lock_display.clone(),
            "lock file not found: a lock named with `lock = \"...\"` must exist, or the build would check nothing; fix the path, or leave the option out to use `<directory>/migrations.lock`",
        ));
    }
    let lock = read_lock(&lock_path, &lock_display, &mut problems);
    let set = MigrationSet {
        scheme,
        migrations,
        repeatables,
        lock,
        lock_path,
        notices,
        display: display.to_owned(),
        lock_display,
    };
    if options.check_lock {
        let checks = Checks {
            display,
            lock_display: &set.lock_display,
            require_locked: options.require_locked,
            current_format: true,
            repeatables: true,
        };
        lock::check(&set, set.lock.as_ref(), &checks, &mut problems);
    }
    if problems.is_empty() {
        Ok(set)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory with a locked migration 1 edited afterwards and migration 2 merged in
    /// below the newest locked one, 3.
    fn refused_set(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("migrate-core-unit-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let write = |rel: &str, text: &str| {
            std::fs::create_dir_all(&dir).ok();
            std::fs::write(dir.join(rel), text).ok();
        };
        write("1_a.sql", "select 1;\n");
        write("3_c.sql", "select 3;\n");
        if let Ok(set) = load(&dir, "m", &Options::default()) {
            write(lock::FILE_NAME, &set.to_lock().render());
        }
        write("1_a.sql", "select 1; -- edited\n");
        write("2_b.sql", "select 2;\n");
        dir
    }

    #[test]
    fn lock_checks_can_be_left_to_the_caller() {
        let dir = refused_set("unchecked");
        let checked = load(&dir, "m", &Options::default());
        assert_eq!(checked.map(|_| ()).map_err(|e| e.0.len()), Err(2));

        let options = Options {
            check_lock: false,
            ..Options::default()
        };
        let set = load(&dir, "m", &options).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(set.migrations.len(), 3);
        assert_eq!(
            (set.display.as_str(), set.lock_display.as_str()),
            ("m", "m/migrations.lock")
        );
        let lock = set.lock.clone().unwrap_or_default();
        let problems: Vec<String> = set
            .lock_problems(&lock, false)
            .into_iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("m/1_a.sql: locked migration 1 was edited"));
        assert!(problems[1].starts_with("m/2_b.sql: migration 2 is not in the lock but older"));

        // the lock itself must still verify
        std::fs::write(dir.join(lock::FILE_NAME), "format 1\nhead 00\n").ok();
        assert!(load(&dir, "m", &options).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
