//! A migration set: the directory read, every rule checked, checksums and chain computed.
//!
//! This is the one code path behind `embed_migrations!`, `Migrator::from_dir` and the CLI.
//! Every problem is collected, so one build reports all bad files at once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::checksum::{self, Digest32, CHAIN_START};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::lock::{self, Lock};
use crate::scan::{self, File};
use crate::scheme::{self, Name, Role, Scheme};
use crate::section::{self, Part};

/// How to read a migration set.
///
/// Build it with `..Default::default()` for the fields you do not set: more may come.
#[derive(Clone, Debug)]
pub struct Options {
    /// The lock file and how to show its path; `None` means `<dir>/migrations.lock`.
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
    /// The chain over all migrations: the value the newest one carries.
    pub fn head(&self) -> Digest32 {
        self.migrations.last().map_or(CHAIN_START, |m| m.chain)
    }

    /// A lock that covers every migration of the set, keeping existing amendments.
    pub fn to_lock(&self) -> Lock {
        Lock {
            entries: self
                .migrations
                .iter()
                .map(|m| lock::Entry {
                    version: m.version,
                    checksum: m.checksum,
                    file: m.up.rel.clone(),
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
    /// any lock (such as one being amended), with `require_locked` as given.
    pub fn lock_problems(&self, lock: &Lock, require_locked: bool) -> Diagnostics {
        let mut problems = Diagnostics::default();
        check_lock(
            &self.migrations,
            Some(lock),
            &self.display,
            require_locked,
            &self.lock_display,
            &mut problems,
        );
        problems
    }
}

/// A migration before whole-set checks.
struct Candidate {
    name: Name,
    scheme: Scheme,
    display: String,
    up: Option<Script>,
    down: Option<Script>,
    /// The up script's checksum, hashed with the reading (see `parallel`).
    checksum: Option<Digest32>,
}

impl Candidate {
    fn new(
        name: Name,
        scheme: Scheme,
        display: String,
        up: Option<Script>,
        down: Option<Script>,
    ) -> Self {
        let checksum = up.as_ref().map(|up| checksum::checksum(&up.sql));
        Self {
            name,
            scheme,
            display,
            up,
            down,
            checksum,
        }
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
    for file in listing.files {
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
    for m in &migrations {
        for script in std::iter::once(&m.up).chain(&m.down) {
            if is_empty_script(&script.sql) {
                notices.push(Diagnostic::new(
                    script.file.clone(),
                    "holds no SQL (empty or only comments)",
                ));
            }
        }
    }
    let (lock_path, lock_display) = options.lock.clone().unwrap_or_else(|| {
        (
            dir.join(lock::FILE_NAME),
            scan::display_path(display, lock::FILE_NAME),
        )
    });
    let lock = read_lock(&lock_path, &lock_display, &mut problems);
    if options.check_lock {
        check_lock(
            &migrations,
            lock.as_ref(),
            display,
            options.require_locked,
            &lock_display,
            &mut problems,
        );
    }
    if problems.is_empty() {
        Ok(MigrationSet {
            scheme,
            migrations,
            lock,
            lock_path,
            notices,
            display: display.to_owned(),
            lock_display,
        })
    } else {
        Err(problems)
    }
}

fn file_candidate(file: File, problems: &mut Diagnostics) -> Option<Candidate> {
    let name = match scheme::parse_file_name(&file.rel) {
        Ok(name) => name,
        Err(why) => {
            problems.push(Diagnostic::new(file.display, why));
            return None;
        }
    };
    let report = |problems: &mut Diagnostics, list: section::Problems| {
        for (line, message) in list {
            problems.push(Diagnostic::at_line(file.display.clone(), line, message));
        }
    };
    let sections = match section::read(&file.text, name.scheme, name.role) {
        Ok(s) => s,
        Err(list) => {
            report(problems, list);
            return None;
        }
    };
    let first = script(&file, sections.up);
    let (up, down) = match name.role {
        Role::Down => (None, Some(first)),
        _ => (Some(first), sections.down.map(|part| script(&file, part))),
    };
    let scheme = sections.scheme;
    Some(Candidate::new(name, scheme, file.display.clone(), up, down))
}

fn script(file: &File, part: Part) -> Script {
    let whole_file = part.start == 0 && part.end == file.text.len();
    Script {
        file: file.display.clone(),
        rel: file.rel.clone(),
        path: file.path.clone(),
        sql: file.text.get(part.start..part.end).unwrap_or("").to_owned(),
        whole_file,
        line: part.line,
        no_transaction: part.no_transaction,
    }
}

fn dir_candidate(dir: scan::Dir, problems: &mut Diagnostics) -> Option<Candidate> {
    let name = match scheme::parse_diesel_dir(&dir.name) {
        Ok(name) => name,
        Err(why) => {
            problems.push(Diagnostic::new(dir.display, why));
            return None;
        }
    };
    let no_transaction = match &dir.metadata {
        Some(file) => match diesel_metadata(&file.text) {
            Ok(no_transaction) => no_transaction,
            Err((line, why)) => {
                problems.push(Diagnostic::at_line(file.display.clone(), line, why));
                return None;
            }
        },
        None => false,
    };
    let mut whole = |file: &File, role: Role| -> Option<Script> {
        match section::read(&file.text, Scheme::Diesel, role) {
            Ok(sections) => {
                let mut part = sections.up;
                part.no_transaction |= no_transaction;
                Some(script(file, part))
            }
            Err(list) => {
                for (line, message) in list {
                    problems.push(Diagnostic::at_line(file.display.clone(), line, message));
                }
                None
            }
        }
    };
    let up = dir.up.as_ref().and_then(|f| whole(f, Role::Up));
    let down = dir.down.as_ref().and_then(|f| whole(f, Role::Down));
    if dir.up.is_none() {
        if dir.up_misspelled {
            return None;
        }
        problems.push(Diagnostic::new(
            scan::display_path(&dir.display, "down.sql"),
            "down script without an up script: add `up.sql` beside it",
        ));
        return None;
    }
    up.as_ref()?;
    Some(Candidate::new(name, Scheme::Diesel, dir.display, up, down))
}

/// Reads diesel's `metadata.toml`: whether the migration runs outside a transaction.
fn diesel_metadata(text: &str) -> Result<bool, (u32, String)> {
    let mut no_transaction = false;
    for (index, raw) in text.lines().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        match line.split_once('=').map(|(k, v)| (k.trim(), v.trim())) {
            Some(("run_in_transaction", "false")) => no_transaction = true,
            Some(("run_in_transaction", "true")) => no_transaction = false,
            Some(("run_in_transaction", other)) => {
                return Err((
                    number,
                    format!("`run_in_transaction` is `{other}`: write `true` or `false`"),
                ))
            }
            _ => {
                let key = line.split('=').next().unwrap_or(line).trim();
                return Err((
                    number,
                    format!("unknown setting `{key}`: diesel's metadata.toml knows only `run_in_transaction = false`"),
                ));
            }
        }
    }
    Ok(no_transaction)
}

/// The directory's one scheme; files of another scheme are reported.
fn check_scheme(candidates: &[Candidate], problems: &mut Diagnostics) -> Option<Scheme> {
    let mut counts: BTreeMap<Scheme, (usize, &str)> = BTreeMap::new();
    for c in candidates {
        counts.entry(c.scheme).or_insert((0, &c.display)).0 += 1;
    }
    let scheme = *counts.iter().max_by_key(|(_, (count, _))| *count)?.0;
    let example = counts.get(&scheme).map_or("", |(_, display)| display);
    for c in candidates.iter().filter(|c| c.scheme != scheme) {
        problems.push(Diagnostic::new(
            c.display.clone(),
            format!(
                "{} migration in a directory of {scheme} migrations (such as {example}): one directory uses one layout; convert this file or move it to a directory of its own",
                c.scheme
            ),
        ));
    }
    Some(scheme)
}

/// Joins up and down files of one version; reports duplicates and downs without ups.
///
/// `failed` are the versions of files that were reported already: a down script beside an up
/// script that failed is not reported a second time.
fn pair(
    candidates: Vec<Candidate>,
    failed: &BTreeSet<i64>,
    problems: &mut Diagnostics,
) -> Vec<Migration> {
    let mut by_version: BTreeMap<i64, Vec<Candidate>> = BTreeMap::new();
    for c in candidates {
        by_version.entry(c.name.version).or_default().push(c);
    }
    let mut migrations = Vec::new();
    let mut chain = CHAIN_START;
    for (version, group) in by_version {
        let ups: Vec<&Candidate> = group.iter().filter(|c| c.up.is_some()).collect();
        let downs: Vec<&Candidate> = group.iter().filter(|c| c.name.role == Role::Down).collect();
        let Some(&up) = ups.first() else {
            for down in downs.into_iter().filter(|_| !failed.contains(&version)) {
                let expected = down.display.replace(".down.sql", ".up.sql");
                problems.push(Diagnostic::new(
                    down.display.clone(),
                    format!("down script without an up script: add `{}` (an up without a down is fine, the reverse is not)", file_name(&expected)),
                ));
            }
            continue;
        };
        for other in ups.iter().skip(1) {
            let message = match crate::diesel::decode(version) {
                Some(text) if up.scheme == Scheme::Diesel => format!(
                    "duplicate diesel version {text} (also {}): diesel reads a version from the \
                     name up to the first `_`, dashes left out, and runs only one migration per \
                     version; give one of them another version",
                    up.display
                ),
                _ => format!(
                    "duplicate version {version} (also {}): give one of them the next free version",
                    up.display
                ),
            };
            problems.push(Diagnostic::new(other.display.clone(), message));
        }
        let mut down_script = up.down.clone();
        for down in downs {
            let matching = up.name.role == Role::Up && down.name.description == up.name.description;
            if matching && down_script.is_none() {
                down_script = down.down.clone();
            } else if up.name.role == Role::Single {
                problems.push(Diagnostic::new(
                    down.display.clone(),
                    format!(
                        "down script for {}, which is not an up script: rename that file to `{}`",
                        up.display,
                        file_name(&up.display.replace(".sql", ".up.sql"))
                    ),
                ));
            } else {
                problems.push(Diagnostic::new(
                    down.display.clone(),
                    format!(
                        "down script whose name does not match its up script {}: rename it to `{}`",
                        up.display,
                        file_name(&up.display.replace(".up.sql", ".down.sql"))
                    ),
                ));
            }
        }
        let (Some(up_script), Some(sum)) = (up.up.clone(), up.checksum) else {
            continue;
        };
        chain = checksum::chain(&chain, version, &sum);
        migrations.push(Migration {
            version,
            description: up.name.description.clone(),
            up: up_script,
            down: down_script,
            checksum: sum,
            chain,
        });
    }
    migrations
}

/// Whether a loose file beside diesel migration directories looks like a migration of another
/// layout (a version in front), which mixes layouts, rather than a file diesel ignores.
fn diesel_like(file_name: &str) -> bool {
    file_name.starts_with(|c: char| c.is_ascii_digit())
        || (file_name.starts_with(['V', 'v']) && file_name.contains("__"))
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn is_empty_script(sql: &str) -> bool {
    // Most scripts start with a keyword after a few comment lines: no need to split them
    // (the macro runs unoptimised).
    let mut rest = sql.trim_start_matches(|c: char| c.is_ascii_whitespace());
    while let Some(comment) = rest.strip_prefix("--") {
        rest = comment
            .split_once('\n')
            .map_or("", |(_, after)| after)
            .trim_start_matches(|c: char| c.is_ascii_whitespace());
    }
    if rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return false;
    }
    crate::split::split(sql, crate::split::Dialect::Postgres)
        .iter()
        .all(|s| s.is_blank())
}

fn read_lock(path: &Path, display: &str, problems: &mut Diagnostics) -> Option<Lock> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        problems.push(Diagnostic::new(
            display,
            "is not a regular file, so it is not opened: the lock is the file `migrate lock` writes",
        ));
        return None;
    }
    let text = match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                problems.push(Diagnostic::new(
                    display,
                    "not valid UTF-8: write it again with `migrate lock`",
                ));
                return None;
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            problems.push(Diagnostic::new(display, format!("cannot be read ({e})")));
            return None;
        }
    };
    match Lock::parse(&text, display) {
        Ok(lock) => Some(lock),
        Err(list) => {
            list.into_iter().for_each(|d| problems.push(d));
            None
        }
    }
}

/// The lock's rules: released migrations unchanged and present, nothing merged in below them.
fn check_lock(
    migrations: &[Migration],
    lock: Option<&Lock>,
    display: &str,
    require_locked: bool,
    lock_display: &str,
    problems: &mut Diagnostics,
) {
    let empty = Lock::default();
    let lock = lock.unwrap_or(&empty);
    let by_version: BTreeMap<i64, &Migration> = migrations.iter().map(|m| (m.version, m)).collect();
    for entry in &lock.entries {
        let locked_display = scan::display_path(display, &entry.file);
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
            problems.push(Diagnostic::new(locked_display, message));
            continue;
        };
        if m.up.rel != entry.file {
            problems.push(Diagnostic::new(
                m.up.file.clone(),
                format!(
                    "locked migration {} was released as `{}`: rename it back (databases and the lock know it by that name)",
                    entry.version, entry.file
                ),
            ));
        } else if m.checksum != entry.checksum {
            problems.push(Diagnostic::new(
                m.up.file.clone(),
                format!(
                    "locked migration {} was edited after release: the lock has sha256 {}, the file has {}; put the change in a new migration, or run `migrate lock --amend {}` for an intentional, reviewed edit",
                    entry.version,
                    checksum::to_hex(&entry.checksum),
                    checksum::to_hex(&m.checksum),
                    entry.version
                ),
            ));
        }
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
            _ if require_locked => problems.push(Diagnostic::new(
                m.up.file.clone(),
                format!(
                    "migration {} is not locked and `require_locked = true`: run `migrate lock` and commit {lock_display}",
                    m.version
                ),
            )),
            _ => {}
        }
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
