//! Statements that do not belong in a script that runs in a transaction.
//!
//! A transactional migration runs as `BEGIN; <script>; <tracking row>; COMMIT`, so some
//! statements fail or misbehave there:
//!
//! - `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY` and
//!   `VACUUM` refuse to run inside a transaction block (PostgreSQL; SQLite's `VACUUM` too);
//! - `ALTER TYPE … ADD VALUE`: PostgreSQL before 12 refuses it in a transaction, later ones
//!   refuse to use the new value until the transaction commits;
//! - `BEGIN`, `START TRANSACTION`, `COMMIT`, `END TRANSACTION`, `ROLLBACK`, `ABORT`: transaction control
//!   inside the migration's own transaction ends it early (the rest of the script and the
//!   tracking row are no longer atomic) or fails.
//!
//! The scan is lexical: it reads the first words of each statement of the [`split`]ter, so
//! the same words inside strings, comments, dollar-quoted bodies or trigger bodies are not
//! taken for statements.

use std::fmt;

use crate::diagnostic::Diagnostic;
use crate::set::{MigrationSet, Script};
use crate::split::{self, Dialect};

/// What kind of statement a [`Hazard`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `CREATE|DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY`.
    Concurrently,
    /// `VACUUM`.
    Vacuum,
    /// `ALTER TYPE … ADD VALUE`.
    AddEnumValue,
    /// `BEGIN`, `START TRANSACTION`, `COMMIT`, `END TRANSACTION|WORK`, `ROLLBACK` (not
    /// `ROLLBACK TO`), `ABORT`.
    TransactionControl,
}

/// One statement of a transactional script that does not belong there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hazard {
    /// What it is.
    pub kind: Kind,
    /// The 1-based line of the script where the statement starts.
    pub line: u32,
    /// The statement's leading keywords as written, upper-cased (`CREATE INDEX CONCURRENTLY`).
    pub keywords: String,
    /// The statement's bytes in the script (for the lint, which tells apart findings of the
    /// same statement).
    pub span: std::ops::Range<usize>,
}

impl fmt::Display for Hazard {
    /// The rule and the fix, lower-case, without the file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fix = "mark the file `-- migrate:no-transaction` (or move the statement to a migration of its own that is)";
        match self.kind {
            Kind::Concurrently | Kind::Vacuum => write!(
                f,
                "`{}` cannot run inside a transaction, and this script runs in one: {fix}",
                self.keywords
            ),
            Kind::AddEnumValue => write!(
                f,
                "`{}` in a transaction: PostgreSQL before 12 refuses it, later versions refuse to use the new value until the transaction commits; {fix}, and use the value in a later migration",
                self.keywords
            ),
            Kind::TransactionControl => write!(
                f,
                "`{}` inside a script that runs in a transaction: it ends or nests the migration's own transaction, so the script and its tracking row are no longer applied together; remove it, or {fix}",
                self.keywords
            ),
        }
    }
}

/// The hazards of `sql`, a script that runs in a transaction, split as `dialect` would.
///
/// ```
/// use migrate_core::hazard::{find, Kind};
/// use migrate_core::split::Dialect;
///
/// let sql = "create table t (x int);\ncreate index concurrently t_x on t (x);\n";
/// let found = find(sql, Dialect::Postgres);
/// assert_eq!(found.len(), 1);
/// assert_eq!((found[0].kind, found[0].line), (Kind::Concurrently, 2));
/// ```
pub fn find(sql: &str, dialect: Dialect) -> Vec<Hazard> {
    let mut found = Vec::new();
    for statement in split::split(sql, dialect) {
        if statement.is_blank() {
            continue;
        }
        let words = words(statement.sql(), 8);
        if let Some((kind, count)) = classify(&words) {
            let (line, _) = split::line_col(sql, statement.sql_offset());
            let start = statement.sql_offset();
            found.push(Hazard {
                kind,
                line,
                span: start..start + statement.sql().len(),
                keywords: words
                    .iter()
                    .take(count)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" "),
            });
        }
    }
    found
}

/// The hazards of every script of `set` that runs in a transaction, as diagnostics on their
/// files' lines. Scripts marked `no-transaction` have none.
pub fn in_set(set: &MigrationSet, dialect: Dialect) -> Vec<Diagnostic> {
    let scripts = set
        .migrations
        .iter()
        .flat_map(|m| std::iter::once(&m.up).chain(&m.down));
    let mut out = Vec::new();
    for script in scripts.filter(|s| !s.no_transaction) {
        out.extend(in_script(script, dialect));
    }
    out
}

fn in_script(script: &Script, dialect: Dialect) -> Vec<Diagnostic> {
    find(&script.sql, dialect)
        .into_iter()
        .map(|h| {
            let line = script.line.saturating_add(h.line.saturating_sub(1));
            Diagnostic::at_line(script.file.clone(), line, h.to_string())
        })
        .collect()
}

/// What the leading words make the statement, and how many of them to show.
fn classify(words: &[String]) -> Option<(Kind, usize)> {
    let w = |i: usize| words.get(i).map_or("", String::as_str);
    let position = |word: &str, within: usize| {
        words
            .iter()
            .take(within)
            .position(|candidate| candidate == word)
    };
    match w(0) {
        "CREATE" => {
            let index = if w(1) == "UNIQUE" { 2 } else { 1 };
            (w(index) == "INDEX" && w(index + 1) == "CONCURRENTLY")
                .then_some((Kind::Concurrently, index + 2))
        }
        "DROP" => (w(1) == "INDEX" && w(2) == "CONCURRENTLY").then_some((Kind::Concurrently, 3)),
        // REINDEX [ ( options ) ] { INDEX | TABLE | SCHEMA | DATABASE | SYSTEM } CONCURRENTLY
        "REINDEX" => position("CONCURRENTLY", 6).map(|i| (Kind::Concurrently, i + 1)),
        "VACUUM" => Some((Kind::Vacuum, 1)),
        // ALTER TYPE <name, maybe qualified> ADD VALUE
        "ALTER" if w(1) == "TYPE" => {
            let add = position("ADD", 6)?;
            (w(add + 1) == "VALUE").then_some((Kind::AddEnumValue, 2))
        }
        "BEGIN" | "COMMIT" | "ABORT" => Some((Kind::TransactionControl, 1)),
        "START" if w(1) == "TRANSACTION" => Some((Kind::TransactionControl, 2)),
        // ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] x stays inside the transaction
        "ROLLBACK" => (position("TO", 3).is_none()).then_some((Kind::TransactionControl, 1)),
        // A bare `END` is PostgreSQL's COMMIT, but also the tail of a trigger body that a
        // script in another dialect's syntax split off: only the explicit forms count.
        "END" if matches!(w(1), "TRANSACTION" | "WORK") => Some((Kind::TransactionControl, 2)),
        _ => None,
    }
}

/// The first `max` tokens of a statement: words upper-cased, a quoted identifier as one
/// token `"…"`; comments skipped; punctuation, numbers and strings end nothing but are not
/// tokens. A string literal ends the scan (keywords come before data).
fn words(sql: &str, max: usize) -> Vec<String> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() && out.len() < max {
        let rest = &bytes[i..];
        match bytes[i] {
            b'-' if rest.starts_with(b"--") => {
                i = memchr(b'\n', bytes, i).unwrap_or(bytes.len());
            }
            b'/' if rest.starts_with(b"/*") => {
                i = find_from(bytes, i + 2, b"*/").map_or(bytes.len(), |end| end + 2);
            }
            b'"' | b'`' | b'[' => {
                let close = if bytes[i] == b'[' { b']' } else { bytes[i] };
                i = memchr(close, bytes, i + 1).map_or(bytes.len(), |end| end + 1);
                out.push("\"…\"".to_owned());
            }
            b'\'' | b'$' => break,
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                out.push(sql.get(start..i).unwrap_or("").to_ascii_uppercase());
            }
            _ => i += 1,
        }
    }
    out
}

fn memchr(needle: u8, bytes: &[u8], from: usize) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == needle)
        .map(|p| p + from)
}

fn find_from(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(Kind, u32, String)> {
        find(sql, Dialect::Postgres)
            .into_iter()
            .map(|h| (h.kind, h.line, h.keywords))
            .collect()
    }

    #[test]
    fn concurrent_index_statements() {
        let sql = "create table t (x int);\n\
                   CREATE UNIQUE INDEX CONCURRENTLY t_x ON t (x);\n\
                   drop index concurrently if exists t_x;\n\
                   reindex (verbose) index concurrently t_x;\n\
                   create index t_y on t (x);\n";
        assert_eq!(
            kinds(sql),
            vec![
                (
                    Kind::Concurrently,
                    2,
                    "CREATE UNIQUE INDEX CONCURRENTLY".into()
                ),
                (Kind::Concurrently, 3, "DROP INDEX CONCURRENTLY".into()),
                (
                    Kind::Concurrently,
                    4,
                    "REINDEX VERBOSE INDEX CONCURRENTLY".into()
                ),
            ]
        );
    }

    #[test]
    fn vacuum_and_enum_values() {
        let sql = "VACUUM ANALYZE t;\nalter type \"my\".mood add value 'meh';\nalter type mood rename value 'a' to 'b';\n";
        assert_eq!(
            kinds(sql),
            vec![
                (Kind::Vacuum, 1, "VACUUM".into()),
                (Kind::AddEnumValue, 2, "ALTER TYPE".into()),
            ]
        );
    }

    #[test]
    fn transaction_control() {
        let sql = "BEGIN;\ninsert into t values (1);\nsavepoint a;\nrollback to savepoint a;\n\
                   ROLLBACK WORK TO a;\nCOMMIT;\nstart transaction;\nend work;\nabort;\nrollback;\nend;\n";
        let found: Vec<(u32, String)> = kinds(sql)
            .into_iter()
            .map(|(kind, line, words)| {
                assert_eq!(kind, Kind::TransactionControl);
                (line, words)
            })
            .collect();
        assert_eq!(
            found,
            vec![
                (1, "BEGIN".into()),
                (6, "COMMIT".into()),
                (7, "START TRANSACTION".into()),
                (8, "END WORK".into()),
                (9, "ABORT".into()),
                (10, "ROLLBACK".into()),
            ]
        );
    }

    #[test]
    fn words_inside_bodies_strings_and_comments_are_not_statements() {
        let sql = "-- vacuum; commit;\n\
                   /* create index concurrently x on t (x); */\n\
                   insert into log values ('commit; vacuum;');\n\
                   create function f() returns void language plpgsql as $$\n\
                   begin\n  perform 1;\n  commit;\nend;\n$$;\n\
                   create trigger tr after insert on t begin select 1; end;\n";
        assert_eq!(kinds(sql), vec![]);
        let sqlite = "create trigger tr after insert on t begin\n  delete from u;\nend;\n";
        assert!(find(sqlite, Dialect::Sqlite).is_empty());
    }

    #[test]
    fn leading_comments_do_not_hide_a_statement() {
        let sql =
            "select 1;\n-- now the index\n/* c */ create /* x */ index concurrently i on t (x);\n";
        assert_eq!(
            kinds(sql),
            vec![(Kind::Concurrently, 3, "CREATE INDEX CONCURRENTLY".into())]
        );
    }

    #[test]
    fn messages_say_the_fix() {
        let h = &find("vacuum;", Dialect::Sqlite)[0];
        let text = h.to_string();
        assert!(
            text.starts_with("`VACUUM` cannot run inside a transaction"),
            "{text}"
        );
        assert!(text.contains("-- migrate:no-transaction"), "{text}");
    }

    #[test]
    fn the_mysql_dialect_splits_its_own_way() {
        let sql = "# it's a comment; commit\ninsert into t values ('a\\'; commit;');\ncommit;\n";
        let found = find(sql, Dialect::MySql);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].line, 3);
    }
}
