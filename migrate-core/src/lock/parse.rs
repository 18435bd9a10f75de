//! Reading a lock file: every line checked, the chain and the seal verified.

use std::collections::BTreeMap;

use crate::checksum::{self, Digest32};
use crate::diagnostic::Diagnostic;

use super::{seal, Amendment, Entry, Lock, RepeatableEntry, FORMAT};

/// What to do about a lock that does not read: it was edited by hand or a merge broke it.
const REDO: &str =
    "restore the lock from version control, then run `migrate lock` to add new migrations to it";

/// The lines of a lock file: LF, CRLF and lone CR end a line (editors and checkouts that
/// change line endings do not change what a lock says).
fn lines(text: &str) -> Vec<(u32, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut number = 1u32;
    while !rest.is_empty() {
        let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        out.push((number, &rest[..end]));
        let skip = if rest[end..].starts_with("\r\n") {
            2
        } else {
            usize::from(end < rest.len())
        };
        rest = &rest[end + skip..];
        number = number.saturating_add(1);
    }
    out
}

/// A lock being read: what was found so far and what is wrong.
struct Reader<'a> {
    display: &'a str,
    lock: Lock,
    problems: Vec<Diagnostic>,
    head: Option<(Digest32, u32)>,
    seal: Option<(Digest32, u32)>,
    /// The lines the seal covers, as written.
    sealed: String,
}

impl<'a> Reader<'a> {
    fn bad(&mut self, number: u32, message: String) {
        self.problems
            .push(Diagnostic::at_line(self.display, number, message));
    }

    fn line(&mut self, number: u32, line: &'a str) {
        if self.seal.is_some() {
            return self.bad(
                number,
                format!("a line below `seal`, which `migrate lock` writes last; {REDO}"),
            );
        }
        if line != line.trim_end() {
            return self.bad(
                number,
                format!(
                    "the line {line:?} ends in whitespace, which `migrate lock` never writes (edited by hand?); {REDO}"
                ),
            );
        }
        let (key, value) = line.split_once(' ').unwrap_or((line, ""));
        match key {
            "format" => {}
            "head" => match (checksum::from_hex(value), self.head) {
                (_, Some((_, first))) => self.bad(
                    number,
                    format!("a second `head` line (the first is on line {first}): a lock has one, and a merge may have kept both; {REDO}"),
                ),
                (Some(digest), None) => self.head = Some((digest, number)),
                (None, None) => self.bad(number, format!("`head` is not 64 hexadecimal digits; {REDO}")),
            },
            "seal" if self.lock.format >= 2 => match checksum::from_hex(value) {
                Some(digest) => self.seal = Some((digest, number)),
                None => self.bad(number, format!("`seal` is not 64 hexadecimal digits; {REDO}")),
            },
            "repeatable" if self.lock.format >= 2 => self.repeatable(number, value),
            "amend" => match parse_amendment(value) {
                Some(a) => self.lock.amendments.push(a),
                None => self.bad(
                    number,
                    "expected `amend <version> <old sha256> <new sha256> <reason>`: amendments are written by `migrate lock --amend`".to_owned(),
                ),
            },
            _ => self.entry(number, key, value),
        }
        if self.seal.is_none() {
            self.sealed.push_str(line);
            self.sealed.push('\n');
        }
    }

    fn entry(&mut self, number: u32, version: &str, rest: &str) {
        let mut fields = rest.splitn(3, ' ');
        let hex = fields.next().unwrap_or("");
        let (mode, file) = if self.lock.format == 1 {
            let file = rest.split_once(' ').map_or("", |(_, file)| file);
            (Some(None), file)
        } else {
            let mode = match fields.next() {
                Some("transaction") => Some(Some(false)),
                Some("no-transaction") => Some(Some(true)),
                _ => None,
            };
            (mode, fields.next().unwrap_or(""))
        };
        let parsed = version.parse::<i64>().ok().filter(|v| *v >= 0);
        let (Some(version), Some(checksum), Some(no_transaction)) =
            (parsed, checksum::from_hex(hex), mode)
        else {
            let expected = if self.lock.format == 1 {
                "`<version> <sha256> <file>`"
            } else {
                "`<version> <sha256> transaction|no-transaction <file>`"
            };
            return self.bad(number, format!("expected {expected}; {REDO}"));
        };
        if file.is_empty() {
            return self.bad(number, format!("entry without a file name; {REDO}"));
        }
        if let Some(prev) = self.lock.entries.last() {
            if prev.version >= version {
                let message = format!(
                    "entries out of order: {version} after {}; {REDO}",
                    prev.version
                );
                return self.bad(number, message);
            }
        }
        self.lock.entries.push(Entry {
            version,
            checksum,
            no_transaction,
            file: file.to_owned(),
            line: number,
        });
    }

    fn repeatable(&mut self, number: u32, rest: &str) {
        let mut fields = rest.splitn(3, ' ');
        let checksum = fields.next().and_then(checksum::from_hex);
        let mode = match fields.next() {
            Some("transaction") => Some(false),
            Some("no-transaction") => Some(true),
            _ => None,
        };
        let file = fields.next().unwrap_or("");
        let (Some(checksum), Some(no_transaction)) = (checksum, mode) else {
            return self.bad(
                number,
                format!("expected `repeatable <sha256> transaction|no-transaction <file>`; {REDO}"),
            );
        };
        let name = match crate::scheme::repeatable_name(file) {
            Some(Ok(name)) => name,
            _ => {
                return self.bad(
                    number,
                    format!("`{file}` is not a repeatable migration's file (`R__<name>.sql` or `repeatable/<name>.sql`); {REDO}"),
                )
            }
        };
        if let Some(prev) = self.lock.repeatables.last() {
            if prev.name >= name {
                let message = format!(
                    "repeatable migrations out of order: `{name}` after `{}`; {REDO}",
                    prev.name
                );
                return self.bad(number, message);
            }
        }
        self.lock.repeatables.push(RepeatableEntry {
            name,
            checksum,
            no_transaction,
            file: file.to_owned(),
            line: number,
        });
    }

    /// Amendments name locked versions and lead, one after the other, from a checksum the
    /// version had to the one it has.
    fn check_amendments(&mut self) {
        let mut current: BTreeMap<i64, Digest32> = BTreeMap::new();
        for a in &self.lock.amendments {
            if self.lock.entry(a.version).is_none() {
                self.problems.push(Diagnostic::new(
                    self.display,
                    format!("an amendment of migration {}, which is not in the lock: amendments are written by `migrate lock --amend` for locked migrations only; {REDO}", a.version),
                ));
                continue;
            }
            if let Some(previous) = current.insert(a.version, a.new) {
                if previous != a.old {
                    self.problems.push(Diagnostic::new(
                        self.display,
                        format!("the amendments of migration {} do not follow one another (one starts from {}, the one before it ended at {}); {REDO}", a.version, checksum::to_hex(&a.old), checksum::to_hex(&previous)),
                    ));
                }
            }
        }
        for (version, last) in current {
            match self.lock.entry(version) {
                Some(entry) if entry.checksum != last => self.problems.push(Diagnostic::at_line(
                    self.display,
                    entry.line,
                    format!("the last amendment of migration {version} leads to {}, but the entry has {}; {REDO}", checksum::to_hex(&last), checksum::to_hex(&entry.checksum)),
                )),
                _ => {}
            }
        }
    }
}

impl Lock {
    /// Parses and verifies a lock file shown to the user as `display`.
    ///
    /// Every malformed line is reported; a lock whose `head` does not match its entries, or
    /// whose `seal` does not match its lines, is an error, because it was edited by hand or a
    /// merge left it broken.
    pub fn parse(text: &str, display: &str) -> Result<Lock, Vec<Diagnostic>> {
        let lines: Vec<(u32, &str)> = lines(text)
            .into_iter()
            .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
            .collect();
        // Inside a conflict every other line is suspect: one problem says it all.
        let marker = ["<<<<<<<", "=======", ">>>>>>>"];
        if let Some((number, _)) = lines
            .iter()
            .find(|(_, l)| marker.iter().any(|m| l.starts_with(m)))
        {
            return Err(vec![Diagnostic::at_line(
                display,
                *number,
                "unresolved merge conflict: two branches each locked new migrations; keep the lock \
                 of the branch merged into, then run `migrate lock` (it asks for `migrate renumber` \
                 when a merged migration is older than the newest locked one)",
            )]);
        }
        let format = read_format(&lines, display)?;
        let mut reader = Reader {
            display,
            lock: Lock {
                format,
                ..Lock::default()
            },
            problems: Vec::new(),
            head: None,
            seal: None,
            sealed: String::new(),
        };
        for (number, line) in &lines {
            reader.line(*number, line);
        }
        reader.check_amendments();
        reader.finish()
    }
}

impl Reader<'_> {
    fn finish(mut self) -> Result<Lock, Vec<Diagnostic>> {
        let display = self.display;
        match self.head {
            None => self.problems.push(Diagnostic::new(
                display,
                format!("missing `head` line; {REDO}"),
            )),
            Some((head, number)) if self.problems.is_empty() && head != self.lock.head() => {
                self.bad(number, format!(
                    "lock does not verify: `head` is {} but the entries chain to {} (edited by hand, or a merge combined two branches' entries); {REDO}",
                    checksum::to_hex(&head),
                    checksum::to_hex(&self.lock.head())
                ));
            }
            Some(_) => {}
        }
        if self.lock.format >= 2 {
            match self.seal {
                None => self.problems.push(Diagnostic::new(
                    display,
                    format!("missing `seal` line, which `migrate lock` writes last; {REDO}"),
                )),
                Some((sealed, number))
                    if self.problems.is_empty() && sealed != seal(&self.sealed) =>
                {
                    self.bad(number, format!(
                        "lock does not verify: `seal` does not match the lines above it (a transaction mode, file name or amendment edited by hand?); {REDO}"
                    ));
                }
                Some(_) => {}
            }
        }
        if self.problems.is_empty() {
            Ok(self.lock)
        } else {
            Err(self.problems)
        }
    }
}

/// The lock's format, from its one `format` line; any problem with it is the only one
/// reported, since the other lines mean different things in different formats.
fn read_format(lines: &[(u32, &str)], display: &str) -> Result<u32, Vec<Diagnostic>> {
    let mut found: Option<(u32, u32)> = None;
    for (number, line) in lines {
        let Some(value) = line
            .strip_prefix("format")
            .filter(|v| v.is_empty() || v.starts_with(' '))
        else {
            continue;
        };
        let value = value.strip_prefix(' ').unwrap_or(value);
        let fail = |message: String| Err(vec![Diagnostic::at_line(display, *number, message)]);
        if let Some((_, first)) = found {
            return fail(format!(
                "a second `format` line (the first is on line {first}); {REDO}"
            ));
        }
        if value != value.trim() {
            return fail(format!(
                "the line {line:?} ends in whitespace, which `migrate lock` never writes (edited by hand?); {REDO}"
            ));
        }
        match value.parse::<u32>() {
            Ok(format @ 1..=FORMAT) => found = Some((format, *number)),
            _ => {
                // A lock of another format is not read further: its lines mean other things.
                return fail(format!(
                    "lock format `{value}` is unknown to this version of migrate, which reads formats 1 to {FORMAT}: upgrade migrate"
                ));
            }
        }
    }
    match found {
        Some((format, _)) => Ok(format),
        None => Err(vec![Diagnostic::new(
            display,
            format!("missing `format` line: this is not a lock written by `migrate lock`; {REDO}"),
        )]),
    }
}

fn parse_amendment(rest: &str) -> Option<Amendment> {
    let mut parts = rest.splitn(4, ' ');
    let version = parts.next()?.parse::<i64>().ok().filter(|v| *v >= 0)?;
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
