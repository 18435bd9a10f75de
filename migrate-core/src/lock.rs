//! The lock file, `migrations.lock`: the released migrations and a hash chain over them.
//!
//! ```text
//! # written by `migrate lock` -- do not edit by hand
//! format 1
//! head <64 hex>
//! <version> <sha256, 64 hex> <up script, relative to the directory>
//! amend <version> <old sha256> <new sha256> <reason>
//! ```
//!
//! `head` is the chain over the entries in order (see [`crate::checksum::chain`]). Every entry a
//! branch appends changes `head`, so two branches that each add a migration conflict in git.

use std::fmt::Write as _;

use crate::checksum::{self, Digest32, CHAIN_START};
use crate::diagnostic::Diagnostic;

/// The file name of the lock inside the migrations directory.
pub const FILE_NAME: &str = "migrations.lock";

/// The first line `migrate lock` writes.
pub const HEADER: &str = "# written by `migrate lock` -- do not edit by hand";

/// One released migration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its version.
    pub version: i64,
    /// The checksum of its up script.
    pub checksum: Digest32,
    /// Its up script, relative to the migrations directory.
    pub file: String,
    /// The line of the lock file the entry is on (0 for entries not read from a file).
    pub line: u32,
}

/// A reviewed edit of a released migration: databases holding `old` may take `new`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Amendment {
    /// The migration's version.
    pub version: i64,
    /// The checksum it was released with.
    pub old: Digest32,
    /// The checksum of the edited script.
    pub new: Digest32,
    /// Why the edit was made.
    pub reason: String,
}

/// A parsed lock file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lock {
    /// The released migrations, in version order.
    pub entries: Vec<Entry>,
    /// Reviewed edits.
    pub amendments: Vec<Amendment>,
}

impl Lock {
    /// The chain over the entries.
    pub fn head(&self) -> Digest32 {
        self.entries.iter().fold(CHAIN_START, |acc, e| {
            checksum::chain(&acc, e.version, &e.checksum)
        })
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

    /// The lock file's text.
    pub fn render(&self) -> String {
        let mut out = format!(
            "{HEADER}\nformat 1\nhead {}\n",
            checksum::to_hex(&self.head())
        );
        for e in &self.entries {
            let _ = writeln!(
                out,
                "{} {} {}",
                e.version,
                checksum::to_hex(&e.checksum),
                e.file
            );
        }
        for a in &self.amendments {
            let _ = writeln!(
                out,
                "amend {} {} {} {}",
                a.version,
                checksum::to_hex(&a.old),
                checksum::to_hex(&a.new),
                a.reason
            );
        }
        out
    }

    /// Parses and verifies a lock file shown to the user as `display`.
    ///
    /// Every malformed line is reported; a lock whose `head` does not match its entries is an
    /// error, because it was edited by hand or a merge left it broken.
    pub fn parse(text: &str, display: &str) -> Result<Lock, Vec<Diagnostic>> {
        let mut lock = Lock::default();
        let mut problems = Vec::new();
        let mut format = false;
        let mut head: Option<(Digest32, u32)> = None;
        let redo = "restore the lock from version control, then run `migrate lock` to add new migrations to it";
        let lines = || {
            text.lines().enumerate().map(|(index, raw)| {
                let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
                (number, raw.strip_suffix('\r').unwrap_or(raw))
            })
        };
        // Inside a conflict every other line is suspect: one problem says it all.
        let marker = ["<<<<<<<", "=======", ">>>>>>>"];
        if let Some((number, _)) = lines().find(|(_, l)| marker.iter().any(|m| l.starts_with(m))) {
            return Err(vec![Diagnostic::at_line(
                display,
                number,
                "unresolved merge conflict: two branches each locked new migrations; keep the lock \
                 of the branch merged into, then run `migrate lock` (it asks for `migrate renumber` \
                 when a merged migration is older than the newest locked one)",
            )]);
        }
        for (number, line) in lines() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut bad =
                |message: String| problems.push(Diagnostic::at_line(display, number, message));
            let fields: Vec<&str> = line.splitn(2, ' ').collect();
            match fields.as_slice() {
                ["format", "1"] => format = true,
                ["format", other] => {
                    // A lock of another format is not read further: its lines mean other things.
                    return Err(vec![Diagnostic::at_line(
                        display,
                        number,
                        format!("lock format {other} is unknown to this version of migrate, which reads format 1: upgrade migrate"),
                    )]);
                }
                ["head", hex] => match checksum::from_hex(hex) {
                    Some(digest) => head = Some((digest, number)),
                    None => bad(format!("`head` is not 64 hexadecimal digits; {redo}")),
                },
                ["amend", rest] => match parse_amendment(rest) {
                    Some(a) => lock.amendments.push(a),
                    None => bad("expected `amend <version> <old sha256> <new sha256> <reason>`: write amendments with `migrate lock --amend`".to_owned()),
                },
                [version, rest] => {
                    let entry = rest.split_once(' ').and_then(|(hex, file)| {
                        let version = version.parse::<i64>().ok().filter(|v| *v >= 0)?;
                        Some(Entry { version, checksum: checksum::from_hex(hex)?, file: file.to_owned(), line: number })
                    });
                    match entry {
                        Some(e) if e.file.is_empty() => bad("entry without a file name".to_owned()),
                        Some(e) => {
                            if let Some(prev) = lock.entries.last() {
                                if prev.version >= e.version {
                                    bad(format!("entries out of order: {} after {}; {redo}", e.version, prev.version));
                                }
                            }
                            lock.entries.push(e);
                        }
                        None => bad(format!("expected `<version> <sha256> <file>`; {redo}")),
                    }
                }
                _ => bad(format!("unreadable line; {redo}")),
            }
        }
        if !format {
            problems.push(Diagnostic::new(
                display,
                format!(
                    "missing `format 1` line: this is not a lock written by `migrate lock`; {redo}"
                ),
            ));
        }
        match head {
            None => problems.push(Diagnostic::new(
                display,
                format!("missing `head` line; {redo}"),
            )),
            Some((head, number)) if problems.is_empty() && head != lock.head() => {
                problems.push(Diagnostic::at_line(
                    display,
                    number,
                    format!(
                        "lock does not verify: `head` is {} but the entries chain to {} (edited by hand, or a merge combined two branches' entries); {redo}",
                        checksum::to_hex(&head),
                        checksum::to_hex(&lock.head())
                    ),
                ));
            }
            Some(_) => {}
        }
        if problems.is_empty() {
            Ok(lock)
        } else {
            Err(problems)
        }
    }
}

fn parse_amendment(rest: &str) -> Option<Amendment> {
    let mut parts = rest.splitn(4, ' ');
    let version = parts.next()?.parse::<i64>().ok()?;
    let old = checksum::from_hex(parts.next()?)?;
    let new = checksum::from_hex(parts.next()?)?;
    let reason = parts.next().unwrap_or("").to_owned();
    Some(Amendment {
        version,
        old,
        new,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Lock {
        let entry = |version: i64, text: &str, file: &str| Entry {
            version,
            checksum: checksum::checksum(text),
            file: file.to_owned(),
            line: 0,
        };
        Lock {
            entries: vec![
                entry(1, "a", "1_a.sql"),
                entry(20, "b", "20_with space/up.sql"),
            ],
            amendments: Vec::new(),
        }
    }

    fn without_lines(mut lock: Lock) -> Lock {
        lock.entries.iter_mut().for_each(|e| e.line = 0);
        lock
    }

    #[test]
    fn render_then_parse_round_trips() {
        let lock = sample();
        let text = lock.render();
        assert!(text.starts_with(HEADER));
        let parsed = Lock::parse(&text, "migrations/migrations.lock").map(without_lines);
        assert_eq!(parsed, Ok(lock));
    }

    #[test]
    fn head_is_the_chain() {
        let lock = sample();
        let expected = checksum::chain(
            &checksum::chain(&CHAIN_START, 1, &checksum::checksum("a")),
            20,
            &checksum::checksum("b"),
        );
        assert_eq!(lock.head(), expected);
    }

    #[test]
    fn a_hand_edited_lock_does_not_verify() {
        let text = sample().render().replacen(
            &checksum::to_hex(&checksum::checksum("a")),
            &checksum::to_hex(&checksum::checksum("A")),
            1,
        );
        let problems = Lock::parse(&text, "m/migrations.lock")
            .err()
            .unwrap_or_default();
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].message.starts_with("lock does not verify"),
            "{}",
            problems[0]
        );
        assert_eq!(problems[0].line, Some(3));
    }

    #[test]
    fn a_merge_conflict_is_one_problem_at_its_first_marker() {
        let text = format!(
            "{}<<<<<<< HEAD\nnonsense\n=======\n>>>>>>> other\n",
            sample().render()
        );
        let problems = Lock::parse(&text, "m/migrations.lock")
            .err()
            .unwrap_or_default();
        let lines: Vec<_> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![Some(6)]);
        assert!(problems[0].message.contains("merge conflict"));
    }

    #[test]
    fn garbage_is_reported_with_its_line() {
        let text = format!("{}nonsense\n", sample().render());
        let problems = Lock::parse(&text, "m/migrations.lock")
            .err()
            .unwrap_or_default();
        let lines: Vec<_> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![Some(6)]);
    }

    #[test]
    fn an_unknown_format_is_one_problem() {
        let text = sample().render().replace("format 1", "format 2");
        let problems = Lock::parse(&text, "m/migrations.lock")
            .err()
            .unwrap_or_default();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, Some(2));
    }
}
