//! Reading the files of a set: each file or diesel directory becomes a candidate migration,
//! then the candidates become the set's migrations.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::checksum::{self, Digest32, CHAIN_START};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::directive::Directives;
use crate::lock::Lock;
use crate::scan::{self, File};
use crate::scheme::{self, Name, Role, Scheme};
use crate::section::{self, Part};

use super::{Migration, Script};

/// A migration before whole-set checks.
pub(super) struct Candidate {
    name: Name,
    scheme: Scheme,
    display: String,
    up: Option<Script>,
    down: Option<Script>,
    /// The up script's checksum, hashed with the reading (see `parallel`).
    checksum: Option<Digest32>,
}

impl Candidate {
    pub(super) fn new(
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

pub(super) fn file_candidate(file: File, problems: &mut Diagnostics) -> Option<Candidate> {
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
    let first = script(&file, sections.up, &sections.directives);
    let (up, down) = match name.role {
        Role::Down => (None, Some(first)),
        _ => (
            Some(first),
            sections
                .down
                .map(|part| script(&file, part, &sections.directives)),
        ),
    };
    let scheme = sections.scheme;
    Some(Candidate::new(name, scheme, file.display.clone(), up, down))
}

/// The script `part` of `file`, with the file's timeouts and the `allow` lines that cover it:
/// the header's, and those within its lines.
pub(super) fn script(file: &File, part: Part, directives: &Directives) -> Script {
    let whole_file = part.start == 0 && part.end == file.text.len();
    let sql = file.text.get(part.start..part.end).unwrap_or("").to_owned();
    let lines = crate::directive::lines(&sql, 0, sql.len(), 1).len();
    let last = part
        .line
        .saturating_add(u32::try_from(lines).unwrap_or(u32::MAX));
    let allow = directives
        .allow
        .iter()
        .filter(|a| a.whole_file || (part.line..=last).contains(&a.line))
        .cloned()
        .collect();
    Script {
        file: file.display.clone(),
        rel: file.rel.clone(),
        path: file.path.clone(),
        sql,
        whole_file,
        line: part.line,
        no_transaction: part.no_transaction,
        lock_timeout: directives.lock_timeout,
        statement_timeout: directives.statement_timeout,
        allow,
    }
}

pub(super) fn dir_candidate(dir: scan::Dir, problems: &mut Diagnostics) -> Option<Candidate> {
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
                Some(script(file, part, &sections.directives))
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
pub(super) fn check_scheme(candidates: &[Candidate], problems: &mut Diagnostics) -> Option<Scheme> {
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
pub(super) fn pair(
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
            } else {
                let message = if up.name.role == Role::Single {
                    format!(
                        "down script for {}, which is not an up script: rename that file to `{}`",
                        up.display,
                        file_name(&up.display.replace(".sql", ".up.sql"))
                    )
                } else {
                    format!(
                        "down script whose name does not match its up script {}: rename it to `{}`",
                        up.display,
                        file_name(&up.display.replace(".up.sql", ".down.sql"))
                    )
                };
                problems.push(Diagnostic::new(down.display.clone(), message));
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
pub(super) fn diesel_like(file_name: &str) -> bool {
    file_name.starts_with(|c: char| c.is_ascii_digit())
        || (file_name.starts_with(['V', 'v']) && file_name.contains("__"))
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

pub(super) fn read_lock(path: &Path, display: &str, problems: &mut Diagnostics) -> Option<Lock> {
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
