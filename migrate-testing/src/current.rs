//! The embedded table equals the directory and the lock: a stale build or a forgotten
//! `migrate lock` fails `cargo test`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use migrate_runtime::{Migration, Migrator, Script, Transaction};

/// One way in which the embedded table or the lock is behind the directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file, as the embedded table shows it (relative to the crate, `/`-separated).
    pub file: String,
    /// What is wrong and the command that fixes it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

/// Every [`Problem`] [`check_current`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stale {
    /// The problems, in file order.
    pub problems: Vec<Problem>,
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Stale {}

/// Panics, listing every problem, unless the embedded table equals the migrations in `dir`
/// and the lock file covers all of them (see [`check_current`]).
///
/// ```no_run
/// # use migrate_testing as testing;
/// # static MIGRATOR: migrate_runtime::Migrator = migrate_runtime::Migrator::__embedded(&[], [0; 32]);
/// #[test]
/// fn migrations_are_current() {
///     testing::assert_current(&MIGRATOR, "migrations");
/// }
/// ```
#[track_caller]
pub fn assert_current(migrator: &Migrator, dir: impl AsRef<Path>) {
    if let Err(stale) = check_current(migrator, dir) {
        panic!("the embedded migrations are not current:\n{stale}");
    }
}

/// Compares the embedded table with the migrations directory `dir` (relative to the crate
/// root, as given to `embed_migrations!`) and its lock file `<dir>/migrations.lock`.
///
/// Problems: a migration in the directory that the table lacks, or the other way round, a
/// script whose content, file or transaction mode differs (the build is stale: the test
/// binary was built before the directory changed), a directory that no longer passes the
/// build's checks, and a lock file that is missing or lacks migrations (`migrate lock` was
/// not run).
pub fn check_current(migrator: &Migrator, dir: impl AsRef<Path>) -> Result<(), Stale> {
    let given = dir.as_ref();
    let display = migrate_core::scan::normalise(&given.to_string_lossy());
    let path = resolve(given);
    let crate_name = std::env::var("CARGO_PKG_NAME").unwrap_or_else(|_| "<crate>".to_owned());
    let rebuild = format!(
        "the build is stale — add `migrate::build::track(\"{display}\")` to build.rs (or `cargo clean -p {crate_name}`)"
    );
    let mut problems = Vec::new();
    let set = match migrate_core::load(&path, &display, &migrate_core::Options::default()) {
        Ok(set) => set,
        Err(diagnostics) => {
            problems.extend(diagnostics.into_iter().map(|d| Problem {
                message: match d.line {
                    Some(line) => format!(
                        "line {line}: {}; the next build fails on this, the embedded table predates it",
                        d.message
                    ),
                    None => format!(
                        "{}; the next build fails on this, the embedded table predates it",
                        d.message
                    ),
                },
                file: d.file,
            }));
            return Err(Stale { problems });
        }
    };
    let on_disk = match Migrator::from_set(&set) {
        Ok(on_disk) => on_disk,
        Err(e) => {
            problems.push(Problem {
                file: display,
                message: e.to_string(),
            });
            return Err(Stale { problems });
        }
    };
    compare(migrator, &on_disk, &rebuild, &mut problems);
    check_lock(&set, &display, &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Stale { problems })
    }
}

/// The embedded table against the one read from the directory now.
fn compare(embedded: &Migrator, on_disk: &Migrator, rebuild: &str, problems: &mut Vec<Problem>) {
    let mut versions: BTreeMap<_, (Option<&Migration>, Option<&Migration>)> = BTreeMap::new();
    for m in embedded.migrations() {
        versions.entry(m.version()).or_default().0 = Some(m);
    }
    for m in on_disk.migrations() {
        versions.entry(m.version()).or_default().1 = Some(m);
    }
    let mut add = |file: &str, message: String| {
        problems.push(Problem {
            file: file.to_owned(),
            message,
        })
    };
    for (version, pair) in versions {
        match pair {
            (None, Some(new)) => add(
                new.up().file(),
                format!("not in the embedded table: {rebuild}"),
            ),
            (Some(old), None) => add(
                old.up().file(),
                format!(
                    "migration {version} is in the embedded table but not in the directory: {rebuild}"
                ),
            ),
            (Some(old), Some(new)) => {
                for (what, old, new) in [
                    ("up", Some(old.up()), Some(new.up())),
                    ("down", old.down(), new.down()),
                ] {
                    if let Some((file, why)) = script_change(what, old, new) {
                        add(file, format!("{why}: {rebuild}"));
                    }
                }
            }
            (None, None) => {}
        }
    }
}

/// How one script of a migration differs between the build and the directory.
fn script_change<'a>(
    what: &str,
    old: Option<&'a Script>,
    new: Option<&'a Script>,
) -> Option<(&'a str, String)> {
    match (old, new) {
        (None, None) => None,
        (None, Some(new)) => Some((
            new.file(),
            format!("a {what} script the embedded table lacks"),
        )),
        (Some(old), None) => Some((
            old.file(),
            format!("the embedded table has this {what} script, the directory does not"),
        )),
        (Some(old), Some(new)) if old.file() != new.file() => Some((
            new.file(),
            format!(
                "the embedded table has this {what} script as {}",
                old.file()
            ),
        )),
        (Some(old), Some(new)) if old.sql() != new.sql() || old.line() != new.line() => Some((
            new.file(),
            "edited since the embedded table was built".to_owned(),
        )),
        (Some(old), Some(new)) if old.transaction() != new.transaction() => Some((
            new.file(),
            format!(
                "runs {} now, {} in the embedded table",
                mode(new.transaction()),
                mode(old.transaction())
            ),
        )),
        _ => None,
    }
}

fn mode(transaction: Transaction) -> &'static str {
    match transaction {
        Transaction::Wrapped => "in a transaction",
        Transaction::Disabled => "outside a transaction",
    }
}

/// The lock file must be what `migrate lock` writes now (core's rule, shared with
/// `migrate lock --check`).
fn check_lock(set: &migrate_core::MigrationSet, display: &str, problems: &mut Vec<Problem>) {
    if let Some(message) = set.lock_state().problem() {
        problems.push(Problem {
            file: format!("{display}/{}", migrate_core::lock::FILE_NAME),
            message,
        });
    }
}

/// A relative directory is relative to the crate root, as for `embed_migrations!`: cargo
/// sets `CARGO_MANIFEST_DIR` for tests (and runs them there, but other runners may not).
fn resolve(dir: &Path) -> PathBuf {
    match std::env::var_os("CARGO_MANIFEST_DIR") {
        Some(root) if dir.is_relative() => PathBuf::from(root).join(dir),
        _ => dir.to_owned(),
    }
}
