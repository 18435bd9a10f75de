//! Single-file migrations: goose's `-- +goose Up/Down` and dbmate's `-- migrate:up/down`
//! sections, and the plain case where the whole file is the up script.

use crate::directive::{self, Context, Directives, Line, Marker};
use crate::scheme::{Role, Scheme};

pub use crate::directive::Problems;

/// A byte range of a file that is one script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    /// Byte offset where the script starts in the file.
    pub start: usize,
    /// Byte offset just past the script's end.
    pub end: usize,
    /// 1-based line of `start` in the file.
    pub line: u32,
    /// The script runs outside a transaction.
    pub no_transaction: bool,
}

/// The scripts one file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sections {
    /// The layout the content shows: `base`, [`Scheme::Goose`] or [`Scheme::Dbmate`].
    pub scheme: Scheme,
    /// The up script (for a down file of a pair or a diesel `down.sql`: the file's script).
    pub up: Part,
    /// The down script, when the file has one.
    pub down: Option<Part>,
    /// The file's directives: its timeouts cover every section, its `allow` lines the
    /// section they are in (or the whole file, from the header).
    pub directives: Directives,
}

/// Reads one file whose name says `base` and `role`: a [`Scheme::Sqlx`] single file may turn
/// out to be goose or dbmate; every other file is one script, in which goose and dbmate
/// markers are errors.
pub fn read(text: &str, base: Scheme, role: Role) -> Result<Sections, Problems> {
    let lines = directive::lines(text, 0, text.len(), 1);
    if base == Scheme::Sqlx && role == Role::Single {
        // `contains` first: most files have no sections, and the macro runs unoptimised.
        if text.contains("+goose")
            && lines
                .iter()
                .any(|l| matches!(directive::marker(l.text), Marker::Goose(_)))
        {
            return goose(text, &lines);
        }
        if text.contains("migrate:") && lines.iter().any(|l| dbmate_marker(l.text).is_some()) {
            return dbmate(text, &lines);
        }
    }
    let directives = directive::read(&lines, Context::Plain(what(base, role)))?;
    let up = Part {
        start: 0,
        end: text.len(),
        line: 1,
        no_transaction: directives.no_transaction,
    };
    Ok(Sections {
        scheme: base,
        up,
        down: None,
        directives,
    })
}

/// What a file of `scheme` and `role` is, for messages.
fn what(scheme: Scheme, role: Role) -> &'static str {
    match (scheme, role) {
        (Scheme::Diesel, Role::Down) => "a diesel `down.sql`",
        (Scheme::Diesel, _) => "a diesel `up.sql`",
        (_, Role::Repeatable) => "a repeatable migration",
        (Scheme::Refinery, _) => "a refinery migration",
        (_, Role::Up) => "the up script of an up/down pair",
        (_, Role::Down) => "the down script of an up/down pair",
        _ => "a migration",
    }
}

/// goose's annotations as goose spells them (`internal/sqlparser/parser.go` compares them as
/// written).
const GOOSE_ANNOTATIONS: [&str; 7] = [
    "Up",
    "Down",
    "StatementBegin",
    "StatementEnd",
    "NO TRANSACTION",
    "ENVSUBST ON",
    "ENVSUBST OFF",
];

/// Whether a `-- migrate:` line is a dbmate section marker, which of the two, and its options.
fn dbmate_marker(line: &str) -> Option<(bool, &str)> {
    match directive::marker(line) {
        Marker::Migrate { word: "up", rest } => Some((true, rest)),
        Marker::Migrate { word: "down", rest } => Some((false, rest)),
        _ => None,
    }
}

/// The first line that is SQL rather than a blank line or a comment.
fn is_sql(line: &Line<'_>) -> bool {
    let trimmed = line.text.trim();
    !trimmed.is_empty() && !trimmed.starts_with("--")
}

fn goose(text: &str, lines: &[Line<'_>]) -> Result<Sections, Problems> {
    let mut problems = Problems::new();
    // SQL above the first section; when there is no up section at all, that one problem is
    // reported instead.
    let mut stray = Problems::new();
    let mut up: Option<(usize, usize)> = None;
    let mut down: Option<(usize, usize)> = None;
    let mut no_transaction = false;
    let mut open_block: Option<u32> = None;
    for (index, line) in lines.iter().enumerate() {
        let Marker::Goose(annotation) = directive::marker(line.text) else {
            if up.is_none() && down.is_none() && is_sql(line) && !line.text.trim().starts_with("/*")
            {
                stray.push((
                    line.number,
                    "SQL before `-- +goose Up`: goose runs nothing outside a section; \
                     move it below the `-- +goose Up` line"
                        .to_owned(),
                ));
            }
            continue;
        };
        let lower = annotation.to_ascii_lowercase();
        if let Some(spelled) = GOOSE_ANNOTATIONS
            .iter()
            .find(|a| a.eq_ignore_ascii_case(annotation) && **a != annotation)
        {
            // goose compares annotations as written: to it this line is a comment, and a
            // `down` section would run as part of the up.
            problems.push((
                line.number,
                format!(
                    "goose does not read `-- +goose {annotation}`, as it compares annotations as \
                     written: write `-- +goose {spelled}`"
                ),
            ));
        }
        match lower.as_str() {
            "up" if up.is_some() => problems.push((
                line.number,
                "a second `-- +goose Up`: a file has one up section".to_owned(),
            )),
            "up" if down.is_some() => problems.push((
                line.number,
                "`-- +goose Up` after `-- +goose Down`: put the up section first".to_owned(),
            )),
            "up" => up = Some((index, lines.len())),
            "down" if down.is_some() => problems.push((
                line.number,
                "a second `-- +goose Down`: a file has one down section".to_owned(),
            )),
            "down" => {
                if let Some((_, end)) = up.as_mut() {
                    *end = index;
                }
                if let Some(begin) = open_block.take() {
                    problems.push((begin, "`-- +goose StatementBegin` without a `StatementEnd` before the down section: add `-- +goose StatementEnd` below the statement".to_owned()));
                }
                down = Some((index, lines.len()));
            }
            "statementbegin" => {
                if let Some(begin) = open_block.replace(line.number) {
                    problems.push((begin, "`-- +goose StatementBegin` without a `StatementEnd` before the next `StatementBegin`: add `-- +goose StatementEnd` below the statement".to_owned()));
                }
            }
            "statementend" => {
                if open_block.take().is_none() {
                    problems.push((
                        line.number,
                        "`-- +goose StatementEnd` without a `StatementBegin` above it".to_owned(),
                    ));
                }
            }
            "no transaction" => no_transaction = true,
            // goose's own spelling is ENVSUBST; OFF is its default
            "envsubst off" | "envsub off" => {}
            "envsubst on" | "envsub on" => problems.push((
                line.number,
                format!(
                    "`-- +goose {annotation}` is not supported: goose would put environment \
                     variables into the SQL when it runs, so the SQL that runs would not be the \
                     SQL the build checked and the lock's checksum covers; write the values into \
                     the migration"
                ),
            )),
            _ => problems.push((
                line.number,
                format!(
                    "unknown goose annotation `-- +goose {annotation}`: known are Up, Down, \
                     StatementBegin, StatementEnd and NO TRANSACTION"
                ),
            )),
        }
    }
    if let Some(begin) = open_block {
        problems.push((
            begin,
            "`-- +goose StatementBegin` without a `StatementEnd`: add `-- +goose StatementEnd` below the statement"
                .to_owned(),
        ));
    }
    let directives = match directive::read(lines, Context::Goose) {
        Ok(d) => d,
        Err(more) => {
            problems.extend(more);
            Directives::default()
        }
    };
    let no_transaction = no_transaction || directives.no_transaction;
    let Some(up) = up else {
        problems.insert(
            0,
            (
                stray.first().map_or(1, |p| p.0),
                "goose file without `-- +goose Up`: add the line above the up SQL".to_owned(),
            ),
        );
        return Err(problems);
    };
    stray.append(&mut problems);
    let problems = stray;
    if !problems.is_empty() {
        return Err(problems);
    }
    let part = |(marker, end): (usize, usize)| section(text, lines, marker, end, no_transaction);
    Ok(Sections {
        scheme: Scheme::Goose,
        up: part(up),
        down: down.map(part),
        directives,
    })
}

fn dbmate(text: &str, lines: &[Line<'_>]) -> Result<Sections, Problems> {
    let mut problems = Problems::new();
    // as in `goose`: SQL above the first section, unless there is no up section at all
    let mut stray = Problems::new();
    let mut up: Option<(usize, usize, bool)> = None;
    let mut down: Option<(usize, usize, bool)> = None;
    let mut down_first: Option<u32> = None;
    for (index, line) in lines.iter().enumerate() {
        let Some((is_up, options)) = dbmate_marker(line.text) else {
            if up.is_none() && down.is_none() && is_sql(line) {
                stray.push((
                    line.number,
                    "SQL before `-- migrate:up`: dbmate runs nothing outside a section; \
                     move it below the `-- migrate:up` line"
                        .to_owned(),
                ));
            }
            continue;
        };
        let no_transaction = match options {
            "" | "transaction:true" => false,
            "transaction:false" => true,
            other => {
                problems.push((
                    line.number,
                    format!(
                        "unknown dbmate option `{other}`: the known option is `transaction:false`"
                    ),
                ));
                false
            }
        };
        let which = if is_up { "up" } else { "down" };
        let slot = if is_up { &mut up } else { &mut down };
        if slot.is_some() {
            problems.push((
                line.number,
                format!("a second `-- migrate:{which}`: a file has one {which} section"),
            ));
            continue;
        }
        *slot = Some((index, lines.len(), no_transaction));
        if !is_up {
            match up.as_mut() {
                Some((_, end, _)) => *end = index,
                None => down_first = Some(line.number),
            }
        }
    }
    let directives = match directive::read(lines, Context::Dbmate) {
        Ok(d) => d,
        Err(more) => {
            problems.extend(more);
            Directives::default()
        }
    };
    let Some(up) = up else {
        problems.insert(
            0,
            (
                stray.first().map_or(1, |p| p.0),
                "dbmate file without `-- migrate:up`: add the line above the up SQL".to_owned(),
            ),
        );
        return Err(problems);
    };
    if let Some(number) = down_first {
        problems.push((
            number,
            "`-- migrate:down` before `-- migrate:up`: put the up section first".to_owned(),
        ));
    }
    stray.append(&mut problems);
    let problems = stray;
    if !problems.is_empty() {
        return Err(problems);
    }
    let part = |(marker, end, no_tx): (usize, usize, bool)| {
        section(text, lines, marker, end, no_tx || directives.no_transaction)
    };
    Ok(Sections {
        scheme: Scheme::Dbmate,
        up: part(up),
        down: down.map(part),
        directives,
    })
}

/// The script between the marker line `marker` and line `end` (exclusive).
fn section(
    text: &str,
    lines: &[Line<'_>],
    marker: usize,
    end: usize,
    no_transaction: bool,
) -> Part {
    let start_line = &lines[marker];
    let end_offset = lines.get(end).map_or(text.len(), |l| l.start);
    Part {
        start: start_line.end,
        end: end_offset,
        line: start_line.number + 1,
        no_transaction,
    }
}
