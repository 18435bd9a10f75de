//! Directives: SQL comments at the top of a script that change how it runs.
//!
//! `-- migrate:no-transaction` is this project's spelling; sqlx's `-- no-transaction` is read
//! too (goose's `-- +goose NO TRANSACTION` and diesel's `metadata.toml` are read where those
//! layouts are parsed). A `-- migrate:` comment that is not a known directive, or one that
//! stands below the first statement, is an error: it was meant to do something and would not.

/// One line of a script, with its position.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Line<'a> {
    /// The line without its line ending.
    pub text: &'a str,
    /// Byte offset of the line in the file.
    pub start: usize,
    /// Byte offset just past the line ending.
    pub end: usize,
    /// 1-based line number in the file.
    pub number: u32,
}

/// The lines of `text[from..to]`, numbered from `first_line`.
pub(crate) fn lines(text: &str, from: usize, to: usize, first_line: u32) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = from;
    let mut number = first_line;
    let slice = text.get(from..to).unwrap_or("");
    for piece in slice.split_inclusive('\n') {
        let end = start + piece.len();
        let body = piece.strip_suffix('\n').unwrap_or(piece);
        let body = body.strip_suffix('\r').unwrap_or(body);
        out.push(Line {
            text: body,
            start,
            end,
            number,
        });
        start = end;
        number = number.saturating_add(1);
    }
    out
}

/// What the header of a script says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Directives {
    /// The script must run outside a transaction, statement by statement.
    pub no_transaction: bool,
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

/// Reads the directives of one script given as lines; `allowed` are the markers of the file's
/// own layout (dbmate's `up` and `down`) that may stand anywhere and are not directives.
///
/// Returns the directives or one message per bad line, each with its line number.
pub(crate) fn read(lines: &[Line<'_>], allowed: &[&str]) -> Result<Directives, Vec<(u32, String)>> {
    let mut directives = Directives::default();
    let mut problems = Vec::new();
    let mut header = Header::Open;
    for line in lines {
        let trimmed = line.text.trim();
        if header == Header::BlockComment {
            if trimmed.contains("*/") {
                header = Header::Open;
            }
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("-- migrate:") {
            let word = rest.split_whitespace().next().unwrap_or("");
            if allowed.contains(&word) {
                continue;
            }
            if word != "no-transaction" {
                problems.push((
                    line.number,
                    format!(
                        "unknown directive `-- migrate:{word}`: the known directive is \
                         `-- migrate:no-transaction`; write other comments without `migrate:`"
                    ),
                ));
            } else if header == Header::Closed {
                problems.push((
                    line.number,
                    "`-- migrate:no-transaction` below the first statement has no effect: \
                     move it to the top of the file, above all SQL"
                        .to_owned(),
                ));
            } else {
                directives.no_transaction = true;
            }
            continue;
        }
        if header == Header::Closed {
            continue;
        }
        if trimmed == "-- no-transaction" {
            directives.no_transaction = true;
        } else if trimmed.is_empty() || trimmed.starts_with("--") {
        } else if let Some(comment) = trimmed.strip_prefix("/*") {
            if !comment.contains("*/") {
                header = Header::BlockComment;
            }
        } else {
            header = Header::Closed;
        }
    }
    if problems.is_empty() {
        Ok(directives)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> Result<Directives, Vec<(u32, String)>> {
        read(&lines(text, 0, text.len(), 1), &[])
    }

    #[test]
    fn directives_at_the_top_are_read() {
        assert!(
            read_text("-- migrate:no-transaction\ncreate index concurrently i on t (a);\n")
                .map(|d| d.no_transaction)
                .unwrap_or(false)
        );
        assert!(
            read_text("-- a comment\n\n/* block\n still */\n-- no-transaction\nselect 1;")
                .map(|d| d.no_transaction)
                .unwrap_or(false)
        );
        assert_eq!(
            read_text("select 1;\n-- no-transaction\n"),
            Ok(Directives::default())
        );
    }

    #[test]
    fn unknown_and_misplaced_directives_are_errors() {
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
    }

    #[test]
    fn lines_carry_offsets_and_numbers() {
        let text = "a\r\nbb\nccc";
        let got: Vec<_> = lines(text, 0, text.len(), 1)
            .iter()
            .map(|l| (l.text, l.start, l.end, l.number))
            .collect();
        assert_eq!(got, vec![("a", 0, 3, 1), ("bb", 3, 6, 2), ("ccc", 6, 9, 3)]);
    }
}
