//! Directives: SQL comments at the top of a script that change how it runs, and the comment
//! lines that mark goose and dbmate sections.
//!
//! `-- migrate:no-transaction` is this project's spelling; sqlx's `-- no-transaction` is read
//! too (goose's `-- +goose NO TRANSACTION` and diesel's `metadata.toml` are read where those
//! layouts are parsed). A comment that was meant to do something and would not is an error: a
//! `-- migrate:` comment that is no known directive, a directive below the first statement, a
//! directive or section marker spelled in a way no tool reads (`-- MIGRATE:UP`, `-- + goose
//! Up`, `--no-transaction`), and a goose or dbmate marker in a file of another layout, whose
//! down section would otherwise run as part of the up script.
//!
//! `-- migrate:lock-timeout <duration>` and `-- migrate:statement-timeout <duration>` bound
//! how long the script's statements may wait for a lock and run; `-- migrate:allow <rule>`
//! acknowledges a lint finding (in the whole file from the header, in the next statement from
//! below it).

use std::time::Duration;

/// One line of a script, with its position.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Line<'a> {
    /// The line without its line ending (and, on the first line, without a byte order mark).
    pub text: &'a str,
    /// Byte offset of the line in the file.
    pub start: usize,
    /// Byte offset just past the line ending.
    pub end: usize,
    /// 1-based line number in the file.
    pub number: u32,
}

/// The lines of `text[from..to]`, numbered from `first_line`, ended by LF, CRLF or a lone CR
/// (the line endings the checksum treats alike).
pub(crate) fn lines(text: &str, from: usize, to: usize, first_line: u32) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let slice = text.get(from..to).unwrap_or("");
    let bytes = slice.as_bytes();
    let mut number = first_line;
    let mut start = 0;
    while start < bytes.len() {
        let rel = bytes[start..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r');
        let (body_end, end) = match rel {
            None => (bytes.len(), bytes.len()),
            Some(i) => {
                let at = start + i;
                let crlf = bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n');
                (at, at + 1 + usize::from(crlf))
            }
        };
        let mut body = slice.get(start..body_end).unwrap_or("");
        if from + start == 0 {
            body = body.strip_prefix('\u{feff}').unwrap_or(body);
        }
        out.push(Line {
            text: body,
            start: from + start,
            end: from + end,
            number,
        });
        start = end;
        number = number.saturating_add(1);
    }
    out
}

/// What a comment line means to one of the tools whose files are read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Marker<'a> {
    /// `-- migrate:<word> <rest>` as dbmate reads it: `--`, optional spaces, lower-case
    /// `migrate:` (dbmate's pattern is `^--\s*migrate:up`).
    Migrate { word: &'a str, rest: &'a str },
    /// `-- +goose <annotation>` as goose reads it: `--`, optional spaces, `+goose`.
    Goose(&'a str),
    /// sqlx's `-- no-transaction`.
    SqlxNoTransaction,
    /// A comment that looks like one of the above but is spelled so that no tool reads it:
    /// what to write instead.
    Misspelled(String),
    /// Anything else.
    None,
}

/// What `line` is, as a marker.
pub(crate) fn marker(line: &str) -> Marker<'_> {
    let trimmed = line.trim();
    let Some(body) = trimmed.strip_prefix("--") else {
        return Marker::None;
    };
    let body = body.trim_start();
    let lower = body.to_ascii_lowercase();
    if let Some(after) = lower.strip_prefix("migrate") {
        if after.trim_start().starts_with(':') {
            return migrate_marker(body);
        }
    }
    if let Some(after) = lower.strip_prefix('+') {
        if after.trim_start().starts_with("goose") {
            return goose_marker(body);
        }
    }
    if trimmed == "-- no-transaction" {
        return Marker::SqlxNoTransaction;
    }
    let squeezed: String = lower
        .chars()
        .map(|c| {
            if c == '_' || c.is_whitespace() {
                '-'
            } else {
                c
            }
        })
        .collect();
    if squeezed.starts_with("no-transaction") {
        return Marker::Misspelled(format!(
            "`{trimmed}` is not a directive (sqlx reads `-- no-transaction` at the very top, and \
             takes any line starting with it as one): write `-- migrate:no-transaction` or \
             `-- no-transaction` exactly, or reword the comment"
        ));
    }
    Marker::None
}

fn migrate_marker(body: &str) -> Marker<'_> {
    if let Some(rest) = body.strip_prefix("migrate:") {
        let (word, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        if !word.bytes().any(|b| b.is_ascii_uppercase()) {
            return Marker::Migrate {
                word,
                rest: rest.trim(),
            };
        }
    }
    let word: String = body
        .split_once(':')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    Marker::Misspelled(format!(
        "`-- {body}` is spelled so that neither this project nor dbmate reads it: write \
         `-- migrate:{word}`, in lower case with no space before the `:`"
    ))
}

fn goose_marker(body: &str) -> Marker<'_> {
    if let Some(rest) = body.strip_prefix("+goose") {
        if rest.is_empty() || rest.starts_with(char::is_whitespace) {
            return Marker::Goose(rest.trim());
        }
    }
    let annotation = body
        .trim_start_matches('+')
        .trim_start()
        .get(5..)
        .unwrap_or("")
        .trim();
    Marker::Misspelled(format!(
        "`-- {body}` is spelled so that goose does not read it: write `-- +goose {annotation}`"
    ))
}

/// What the header of a script says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Directives {
    /// The script must run outside a transaction, statement by statement.
    pub no_transaction: bool,
    /// How long a statement may wait for a lock (`-- migrate:lock-timeout <duration>`).
    pub lock_timeout: Option<Duration>,
    /// How long a statement may run (`-- migrate:statement-timeout <duration>`).
    pub statement_timeout: Option<Duration>,
    /// Lint findings acknowledged in the file (`-- migrate:allow <rule>`), in file order.
    pub allow: Vec<Allow>,
}

/// A `-- migrate:allow <rule>[, <rule>…]` line: the lint findings of these rules are
/// acknowledged in the whole file (a line in the header, above the first statement) or in
/// the statement that follows it (a line below).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allow {
    /// The line of the file it is on.
    pub line: u32,
    /// The rules, as written (kebab-case names; the lint checks that they exist).
    pub rules: Vec<String>,
    /// In the header: it covers the whole file.
    pub whole_file: bool,
}

/// The directives that are not markers, for messages.
const KNOWN: &str = "the known directives are `-- migrate:no-transaction`, \
                     `-- migrate:lock-timeout <duration>`, `-- migrate:statement-timeout <duration>` \
                     and `-- migrate:allow <rule>`";

/// The layout of the file whose directives are read: which markers belong in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Context {
    /// A file that is one script: what it is, for messages ("an up script of an up/down pair").
    Plain(&'static str),
    /// A goose file: its annotations are read by the section parser.
    Goose,
    /// A dbmate file: `-- migrate:up` and `-- migrate:down` are its sections.
    Dbmate,
}

/// Where a line stands relative to the script's header of comments.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Header {
    /// Only blank lines and comments so far.
    Open,
    /// Inside a `/* */` comment that started in the header.
    BlockComment,
    /// A statement has started.
    Closed,
}

/// Problems found in a file, each with its line.
pub type Problems = Vec<(u32, String)>;

/// The rules of a `-- migrate:allow` line: kebab-case names separated by commas or spaces,
/// up to a `--` that starts a comment on why.
fn allowed_rules(rest: &str) -> Result<Vec<String>, String> {
    let list = rest.split("--").next().unwrap_or("");
    let rules: Vec<String> = list
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect();
    if rules.is_empty() {
        return Err(
            "`-- migrate:allow` names no rule: write the lint rule it acknowledges, as \
                    in `-- migrate:allow require-concurrent-index-creation`"
                .to_owned(),
        );
    }
    let kebab = |r: &str| {
        r.starts_with(|c: char| c.is_ascii_lowercase())
            && r.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    match rules.iter().find(|r| !kebab(r)) {
        Some(bad) => Err(format!(
            "`{bad}` in `-- migrate:allow` is not a rule name: rules are written in lower-case \
             kebab-case as the lint prints them, as in `require-concurrent-index-creation`"
        )),
        None => Ok(rules),
    }
}

/// A timeout directive's duration, or what is wrong with it.
fn timeout(word: &str, rest: &str) -> Result<Duration, String> {
    if rest.is_empty() {
        return Err(format!(
            "`-- migrate:{word}` needs a duration: write {}",
            crate::duration::EXPECTED
        ));
    }
    crate::duration::parse(rest).map_err(|why| format!("`-- migrate:{word} {rest}`: {why}"))
}

/// Reads the directives of one file given as lines, in a file of layout `context`.
///
/// Returns the directives or one message per bad line, each with its line number.
pub(crate) fn read(lines: &[Line<'_>], context: Context) -> Result<Directives, Problems> {
    let mut directives = Directives::default();
    let mut problems = Problems::new();
    let mut header = Header::Open;
    for line in lines {
        let trimmed = line.text.trim();
        if header == Header::BlockComment {
            if trimmed.contains("*/") {
                header = Header::Open;
            }
            continue;
        }
        let open = header != Header::Closed;
        let mut problem = |message: String| problems.push((line.number, message));
        let below = |spelled: &str| {
            format!(
                "`{spelled}` below the first statement has no effect: move it to the top of the \
                 file, above all SQL"
            )
        };
        match marker(line.text) {
            Marker::Migrate { word, rest } => match (word, context) {
                ("up" | "down", Context::Dbmate) => {}
                ("no-transaction", _) if open => directives.no_transaction = true,
                ("no-transaction", _) => problem(below("-- migrate:no-transaction")),
                (word @ ("lock-timeout" | "statement-timeout"), _) => {
                    let slot = if word == "lock-timeout" {
                        &mut directives.lock_timeout
                    } else {
                        &mut directives.statement_timeout
                    };
                    match timeout(word, rest) {
                        _ if !open => problem(below(&format!("-- migrate:{word}"))),
                        Ok(_) if slot.is_some() => problem(format!(
                            "a second `-- migrate:{word}`: give the timeout once"
                        )),
                        Ok(duration) => *slot = Some(duration),
                        Err(why) => problem(why),
                    }
                }
                ("allow", _) => match allowed_rules(rest) {
                    Ok(rules) => directives.allow.push(Allow {
                        line: line.number,
                        rules,
                        whole_file: open,
                    }),
                    Err(why) => problem(why),
                },
                ("up" | "down", _) => {
                    problem(foreign(&format!("-- migrate:{word}"), "dbmate", context))
                }
                ("repeatable", _) => problem(format!(
                    "`-- migrate:repeatable` is not a directive: a repeatable migration is a file \
                     in the `repeatable/` subdirectory (`R__<name>.sql` in a refinery or Flyway \
                     directory); {KNOWN}"
                )),
                _ => problem(format!(
                    "unknown directive `-- migrate:{word}`: {KNOWN}; write other comments without \
                     `migrate:`"
                )),
            },
            Marker::Goose(annotation) => {
                if context != Context::Goose {
                    let spelled = format!("-- +goose {annotation}");
                    problem(foreign(&spelled, "goose", context));
                }
            }
            Marker::SqlxNoTransaction if open => directives.no_transaction = true,
            Marker::SqlxNoTransaction => problem(below("-- no-transaction")),
            Marker::Misspelled(message) => problem(message),
            Marker::None if !open => {}
            Marker::None => {
                if trimmed.is_empty() || trimmed.starts_with("--") {
                } else if let Some(comment) = trimmed.strip_prefix("/*") {
                    if !comment.contains("*/") {
                        header = Header::BlockComment;
                    }
                } else {
                    header = Header::Closed;
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(directives)
    } else {
        Err(problems)
    }
}

/// The message for a section marker of `tool` in a file of another layout.
fn foreign(spelled: &str, tool: &str, context: Context) -> String {
    match context {
        Context::Plain(what) => format!(
            "`{spelled}` is a {tool} section marker, but this file is {what}, which runs as one \
             script: its down section would run as part of the up; remove the markers, or make \
             it a {tool} file named `<version>_<description>.sql`"
        ),
        _ => format!(
            "`{spelled}` is a {tool} section marker in a file of another layout: one file uses \
             one layout's markers; remove it"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> Result<Directives, Problems> {
        read(
            &lines(text, 0, text.len(), 1),
            Context::Plain("a plain file"),
        )
    }

    fn no_transaction(text: &str) -> bool {
        read_text(text).map(|d| d.no_transaction).unwrap_or(false)
    }

    #[test]
    fn directives_at_the_top_are_read() {
        assert!(no_transaction(
            "-- migrate:no-transaction\ncreate index concurrently i on t (a);\n"
        ));
        assert!(no_transaction(
            "-- a comment\n\n/* block\n still */\n-- no-transaction\nselect 1;"
        ));
        assert!(no_transaction("--migrate:no-transaction\nselect 1;"));
        assert!(no_transaction("--  migrate:no-transaction\nselect 1;"));
        assert!(no_transaction(
            "\u{feff}-- migrate:no-transaction\nselect 1;"
        ));
        assert!(no_transaction("-- migrate:no-transaction\rselect 1;\r"));
    }

    #[test]
    fn unknown_misplaced_and_misspelled_directives_are_errors() {
        let problems =
            read_text("-- migrate:no-transactions\nselect 1;\n-- migrate:no-transaction\n")
                .err()
                .unwrap_or_default();
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].0, 1);
        assert!(problems[0]
            .1
            .contains("unknown directive `-- migrate:no-transactions`"));
        assert_eq!(problems[1].0, 3);
        assert!(problems[1].1.contains("below the first statement"));
        for text in [
            "-- MIGRATE:NO-TRANSACTION\nselect 1;\n",
            "-- no-transactions\nselect 1;\n",
            "--no-transaction\nselect 1;\n",
            "select 1;\n-- no-transaction\n",
            "-- +goose Up\nselect 1;\n",
            "-- migrate:down\nselect 1;\n",
        ] {
            assert!(read_text(text).is_err(), "{text:?}");
        }
        let upper = read_text("-- MIGRATE:NO-TRANSACTION\n")
            .err()
            .unwrap_or_default();
        assert!(
            upper[0].1.contains("`-- migrate:no-transaction`"),
            "{upper:?}"
        );
    }

    #[test]
    fn timeouts_and_allow_lines() {
        let text = "-- migrate:lock-timeout 100ms\n--migrate:statement-timeout 2min\n\
                    -- migrate:allow require-concurrent-index-creation, ban-drop-column -- why\n\
                    create index i on t (x);\n-- migrate:allow prefer-robust-stmts\nselect 1;\n";
        let read = read_text(text).unwrap_or_default();
        assert_eq!(read.lock_timeout, Some(Duration::from_millis(100)));
        assert_eq!(read.statement_timeout, Some(Duration::from_secs(120)));
        assert_eq!(
            read.allow,
            vec![
                Allow {
                    line: 3,
                    rules: vec![
                        "require-concurrent-index-creation".into(),
                        "ban-drop-column".into()
                    ],
                    whole_file: true,
                },
                Allow {
                    line: 5,
                    rules: vec!["prefer-robust-stmts".into()],
                    whole_file: false,
                },
            ]
        );
        for (text, says) in [
            ("-- migrate:lock-timeout 100\n", "has no unit"),
            ("-- migrate:lock-timeout\n", "needs a duration"),
            (
                "-- migrate:statement-timeout 5 seconds\n",
                "`seconds` is not a unit",
            ),
            (
                "-- migrate:lock-timeout 1s\n-- migrate:lock-timeout 2s\n",
                "a second `-- migrate:lock-timeout`",
            ),
            (
                "select 1;\n-- migrate:lock-timeout 1s\n",
                "below the first statement",
            ),
            ("-- migrate:allow\n", "names no rule"),
            (
                "-- migrate:allow BanDropColumn\n",
                "`BanDropColumn` in `-- migrate:allow` is not a rule name",
            ),
            (
                "-- migrate:repeatable\n",
                "a file in the `repeatable/` subdirectory",
            ),
        ] {
            let problems = read_text(text).err().unwrap_or_default();
            assert_eq!(problems.len(), 1, "{text:?}: {problems:?}");
            assert!(problems[0].1.contains(says), "{text:?}: {problems:?}");
        }
    }

    #[test]
    fn markers_are_read_as_their_tools_read_them() {
        let up = |rest| Marker::Migrate { word: "up", rest };
        assert_eq!(marker("--migrate:up"), up(""));
        assert_eq!(
            marker("--   migrate:up transaction:false"),
            up("transaction:false")
        );
        assert_eq!(marker("--+goose Up"), Marker::Goose("Up"));
        assert_eq!(marker("-- +goose  Down "), Marker::Goose("Down"));
        assert!(matches!(marker("-- + goose Up"), Marker::Misspelled(_)));
        assert!(matches!(marker("-- +GOOSE Up"), Marker::Misspelled(_)));
        assert!(matches!(marker("-- +gooseUp"), Marker::Misspelled(_)));
        assert!(matches!(marker("-- migrate :up"), Marker::Misspelled(_)));
        assert!(matches!(marker("-- Migrate:up"), Marker::Misspelled(_)));
        assert_eq!(marker("-- migrate the users"), Marker::None);
        assert_eq!(marker("-- migration: users"), Marker::None);
        assert_eq!(marker("select 1; -- migrate:up"), Marker::None);
    }

    #[test]
    fn lines_carry_offsets_and_numbers() {
        let text = "a\r\nbb\nccc\rd";
        let got: Vec<_> = lines(text, 0, text.len(), 1)
            .iter()
            .map(|l| (l.text, l.start, l.end, l.number))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a", 0, 3, 1),
                ("bb", 3, 6, 2),
                ("ccc", 6, 10, 3),
                ("d", 10, 11, 4)
            ]
        );
        let bom = "\u{feff}-- x\n";
        assert_eq!(lines(bom, 0, bom.len(), 1)[0].text, "-- x");
    }
}
