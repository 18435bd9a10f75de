//! Splits an SQL script into the statements a database client would send one by one.
//!
//! The rules are the clients' own, so a migration runs statement by statement exactly as it
//! would through `psql -f`, the `sqlite3` shell or the `mysql` client:
//!
//! - PostgreSQL follows psql's lexer (`psqlscan.l`, PostgreSQL 15): `'…'`, `E'…'` (backslash
//!   escapes), `"…"`, `$tag$…$tag$` (`$1` is a parameter), `--` and nested `/* */` comments.
//!   A `;` inside parentheses, or inside the `BEGIN … END` body of `CREATE [OR REPLACE]
//!   FUNCTION|PROCEDURE` (the SQL-standard `BEGIN ATOMIC` body, `CASE … END` included), does
//!   not end a statement.
//! - SQLite follows `sqlite3_complete()`, which the shell uses: `'…'`, `"…"`, `` `…` ``, `[…]`,
//!   `--` and non-nested `/* */` comments, and `CREATE [TEMP] TRIGGER … BEGIN … END;` bodies.
//! - MySQL and MariaDB follow the `mysql` client: `'…'` and `"…"` with backslash escapes,
//!   `` `…` ``, `#` and `-- ` comments, non-nested `/* */` comments (`/*!…*/` included).
//!   `DELIMITER` is a client command that this splitter does not interpret: wrap a routine body
//!   in goose markers instead (below).
//! - In every dialect, the lines between `-- +goose StatementBegin` and
//!   `-- +goose StatementEnd` are one statement whatever they contain, as goose sends them.
//!
//! Not interpreted: psql's backslash commands and the values of its `:variables`,
//! `standard_conforming_strings = off`, lines starting with `.` or `#` in the sqlite3 shell,
//! the mysql client's `DELIMITER` and `\` commands.
//!
//! Every byte belongs to exactly one [`Statement`], so the runtime can map a database error back
//! to the file with [`line_col`]. The scan is one pass over the bytes and never panics: it only
//! cuts after ASCII bytes, which are always character boundaries.

/// The SQL dialect whose lexical rules apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// PostgreSQL, split as psql does.
    Postgres,
    /// SQLite, split as the sqlite3 shell does.
    Sqlite,
    /// MySQL and MariaDB, split as the mysql client does.
    MySql,
}

/// One piece of a script.
///
/// A piece runs from the end of the previous one through its terminating `;` and, when the rest
/// of that line is only whitespace, through the line break; whitespace that ends the script
/// belongs to the last piece. So comments between two statements lead the second piece, and a
/// piece that holds a statement usually starts at the beginning of a line. A goose
/// `StatementBegin` block ends before its `-- +goose StatementEnd` line, which leads the next
/// piece. A script that does not end with a terminator ends with a piece without one, which
/// psql and sqlite3 would still run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Statement<'a> {
    /// The exact text of the piece; the pieces of a script concatenate to the script.
    pub text: &'a str,
    /// Byte offset of the piece in the script.
    pub offset: usize,
    /// 1-based line of the piece's first byte.
    pub line: u32,
}

impl<'a> Statement<'a> {
    /// The SQL to send, as psql sends it: the piece without its leading whitespace and line
    /// comments (`--`, and MySQL's `#`) and without trailing whitespace. Block comments and
    /// the terminating `;` stay.
    ///
    /// A database that reports an error position counts it in this string: PostgreSQL gives
    /// a 1-based *character* position, so take `sql().char_indices().nth(pos - 1)` and pass
    /// [`Statement::sql_offset`] plus that byte index to [`line_col`].
    pub fn sql(&self) -> &'a str {
        trim_end_space(self.text.get(self.sql_start()..).unwrap_or(""))
    }

    /// Byte offset of [`Statement::sql`] in the script.
    pub fn sql_offset(&self) -> usize {
        self.offset + self.sql_start()
    }

    /// True when the piece holds only whitespace, comments and at most its `;`: the database
    /// would run nothing (psql still sends a lone `;` or `/* … */;`, an empty query), so the
    /// runtime sends nothing.
    ///
    /// The piece does not carry its dialect, so comments are recognised by rules all three
    /// dialects share: `--` and `#` lines, and `/* … */` unless it starts with `/*!` (MySQL
    /// runs those) or holds a nested `/*` (where the dialects disagree on its end): a piece
    /// with such a comment is sent, which is harmless. A `#` line is a comment here even for
    /// PostgreSQL, where psql would send it and fail.
    pub fn is_blank(&self) -> bool {
        let b = self.text.as_bytes();
        let mut i = self.sql_start();
        while let Some(end) = shared_block_comment(b, i) {
            i = leading_line_comments_end(b, end);
        }
        matches!(self.text.get(i..).map(trim_end_space), Some("" | ";"))
    }

    fn sql_start(&self) -> usize {
        leading_line_comments_end(self.text.as_bytes(), 0)
    }
}

/// Whether `sql` holds no statement: empty, blank or only comments (in `dialect`'s comment
/// syntax). `migrate check` warns about such scripts, `migrate lock` does not lock them (the
/// file `migrate add` created was not written yet), and the reversibility check treats such a
/// down script as none.
///
/// ```
/// use migrate_core::split::{is_empty_script, Dialect};
///
/// assert!(is_empty_script("-- Add migration script here\n", Dialect::Postgres));
/// assert!(is_empty_script("# nothing yet\n", Dialect::MySql));
/// assert!(!is_empty_script("-- users\ncreate table users (id int);\n", Dialect::Sqlite));
/// ```
pub fn is_empty_script(sql: &str, dialect: Dialect) -> bool {
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
    split(sql, dialect).iter().all(|s| s.is_blank())
}

/// Splits `sql` into pieces that concatenate back to `sql`, one per statement (see
/// [`Statement`] for where a piece starts and ends, and the [module docs](self) for the rules
/// of each dialect). An empty script gives no pieces.
///
/// ```
/// use migrate_core::split::{split, Dialect};
///
/// let script = "create table t (x int);\n-- seed it\ninsert into t values (1);\n";
/// let pieces = split(script, Dialect::Sqlite);
/// assert_eq!(pieces.len(), 2);
/// assert_eq!(pieces[1].text, "-- seed it\ninsert into t values (1);\n");
/// assert_eq!((pieces[1].offset, pieces[1].line), (24, 2));
/// assert_eq!(pieces[1].sql(), "insert into t values (1);");
///
/// let body = "create function f() returns int language sql\nbegin atomic select 1; end;\n";
/// assert_eq!(split(body, Dialect::Postgres).len(), 1);
/// ```
pub fn split(sql: &str, dialect: Dialect) -> Vec<Statement<'_>> {
    let bytes = sql.as_bytes();
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut line: u32 = 1;
    while start < bytes.len() {
        let end = match scan(bytes, start, dialect) {
            End::Terminator(semi) => after_terminator(bytes, semi + 1),
            End::Before(next_line) => next_line,
            End::Eof => bytes.len(),
        };
        // Every end follows an ASCII byte or is the end of input, hence a char boundary;
        // the fallback only guards progress.
        let end = if end > start && sql.is_char_boundary(end) {
            end
        } else {
            bytes.len()
        };
        let text = sql.get(start..end).unwrap_or("");
        pieces.push(Statement {
            text,
            offset: start,
            line,
        });
        let newlines = text.bytes().filter(|&b| b == b'\n').count();
        line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        start = end;
    }
    pieces
}

/// The 1-based line and column of byte `offset` in `script`: lines end at `\n` (so `\r\n`
/// counts once), the column counts characters. An offset past the end, or inside a
/// character, is moved back to the nearest character.
pub fn line_col(script: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(script.len());
    while !script.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = script.get(..offset).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |nl| nl + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let column = before.get(line_start..).unwrap_or("").chars().count() + 1;
    let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    (to_u32(line), to_u32(column))
}

/// How the statement that starts at a given byte ends.
enum End {
    /// At the `;` at this index.
    Terminator(usize),
    /// Just before this index: the start of a goose `StatementEnd` line.
    Before(usize),
    /// At the end of the script.
    Eof,
}

fn scan(b: &[u8], start: usize, dialect: Dialect) -> End {
    match dialect {
        Dialect::Postgres => scan_postgres(b, start),
        Dialect::Sqlite => scan_sqlite(b, start),
        Dialect::MySql => scan_mysql(b, start),
    }
}

/// The end of a piece whose terminator ends just before `i`: the rest of the line joins it
/// when blank, so the next statement starts on its own line, and so does trailing whitespace.
fn after_terminator(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while let Some(&c) = b.get(j) {
        match c {
            b'\n' => {
                let rest = b.get(j + 1..).unwrap_or(&[]);
                return if rest.iter().all(|&c| is_space(c)) {
                    b.len()
                } else {
                    j + 1
                };
            }
            c if is_space(c) => j += 1,
            _ => return i,
        }
    }
    b.len()
}

// ---------------------------------------------------------------- PostgreSQL (psqlscan.l)

/// What psql 15 tracks to keep a routine's `BEGIN ATOMIC … END` body in one statement.
#[derive(Default)]
struct PgState {
    paren_depth: usize,
    begin_depth: usize,
    /// How many words the statement has had so far.
    words: usize,
    /// First letters of the first four words, when they are one of CREATE, OR, REPLACE,
    /// FUNCTION, PROCEDURE: psql's heuristic for "this is a routine definition".
    leading: [u8; 4],
}

impl PgState {
    fn word(&mut self, word: &[u8]) {
        const HEADER: [&[u8]; 5] = [b"create", b"or", b"replace", b"function", b"procedure"];
        if HEADER.iter().any(|h| word.eq_ignore_ascii_case(h)) {
            if let (Some(slot), Some(first)) = (self.leading.get_mut(self.words), word.first()) {
                *slot = first.to_ascii_lowercase();
            }
        }
        self.words += 1;
        let [create, second, third, fourth] = self.leading;
        let routine = create == b'c'
            && (matches!(second, b'f' | b'p')
                || (second == b'o' && third == b'r' && matches!(fourth, b'f' | b'p')));
        // Parenthesised words are arguments or expressions, never the body's BEGIN.
        if !routine || self.paren_depth > 0 {
            return;
        }
        if word.eq_ignore_ascii_case(b"begin") {
            self.begin_depth += 1;
        } else if word.eq_ignore_ascii_case(b"case") && self.begin_depth > 0 {
            // CASE also closes with END, but only matters inside a body.
            self.begin_depth += 1;
        } else if word.eq_ignore_ascii_case(b"end") {
            self.begin_depth = self.begin_depth.saturating_sub(1);
        }
    }
}

fn scan_postgres(b: &[u8], start: usize) -> End {
    let mut st = PgState::default();
    let mut i = start;
    while let Some(&c) = b.get(i) {
        let next = b.get(i + 1).copied();
        i = match c {
            b';' if st.paren_depth == 0 && st.begin_depth == 0 => return End::Terminator(i),
            b'(' => {
                st.paren_depth += 1;
                i + 1
            }
            b')' => {
                st.paren_depth = st.paren_depth.saturating_sub(1);
                i + 1
            }
            b'\'' | b'"' => skip_quoted(b, i + 1, c, false),
            b'-' if next == Some(b'-') => match line_comment(b, i) {
                Comment::Plain(end) => end,
                Comment::BlockBegins(from) => return goose_block(b, from),
            },
            b'/' if next == Some(b'*') => skip_block_comment(b, i + 2, true),
            b'$' => skip_dollar(b, i),
            // psql reads `:name` as its variable (left as is when unset), so `name` is no
            // word; `::` is a cast, after which a word is a word
            b':' if next == Some(b':') => i + 2,
            b':' => skip_while(b, i + 1, is_dollar_tag_char),
            c if c.is_ascii_digit() => skip_number(b, i),
            c if is_pg_ident_start(c) => {
                let end = skip_while(b, i, is_pg_ident_char);
                let word = b.get(i..end).unwrap_or(&[]);
                // Only E'…' lexes differently; B'…', X'…', N'…' and U&'…' split like '…'.
                if matches!(word, [b'e' | b'E']) && b.get(end) == Some(&b'\'') {
                    skip_e_string(b, end + 1)
                } else {
                    st.word(word);
                    end
                }
            }
            _ => i + 1,
        };
    }
    End::Eof
}

fn is_pg_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

/// Identifiers continue with digits and `$`, so `a$b$` is a name, not a dollar quote.
fn is_pg_ident_char(c: u8) -> bool {
    is_pg_ident_start(c) || c.is_ascii_digit() || c == b'$'
}

/// Also what psql's variable names are made of.
fn is_dollar_tag_char(c: u8) -> bool {
    is_pg_ident_start(c) || c.is_ascii_digit()
}

/// A number. PostgreSQL 15 reads letters glued to a number as part of it ("trailing junk",
/// an error later), `$` included: `1x$q$` opens no dollar quote and `1begin` is no BEGIN.
fn skip_number(b: &[u8], i: usize) -> usize {
    let mut j = skip_while(b, i, |c| c.is_ascii_digit() || c == b'.');
    if let (Some(b'e' | b'E'), Some(d)) = (b.get(j).copied(), b.get(j + 1).copied()) {
        let sign = usize::from(matches!(d, b'+' | b'-'));
        if b.get(j + 1 + sign).is_some_and(u8::is_ascii_digit) {
            j = skip_while(b, j + 1 + sign, |c| c.is_ascii_digit());
        }
    }
    match b.get(j) {
        Some(&c) if is_pg_ident_start(c) => skip_while(b, j, is_pg_ident_char),
        _ => j,
    }
}

/// `$tag$…$tag$`, `$$…$$`, or a `$1` parameter; `b[i]` is the `$`.
fn skip_dollar(b: &[u8], i: usize) -> usize {
    match b.get(i + 1).copied() {
        Some(c) if c.is_ascii_digit() => skip_number(b, i + 1),
        Some(b'$') => close_dollar(b, i + 2, &[]),
        Some(c) if is_pg_ident_start(c) => {
            let end = skip_while(b, i + 1, is_dollar_tag_char);
            match b.get(end) {
                Some(b'$') => close_dollar(b, end + 1, b.get(i + 1..end).unwrap_or(&[])),
                // psql reads the would-be tag again as a word: `$begin` opens a body
                _ => i + 1,
            }
        }
        _ => i + 1,
    }
}

/// Finds `$tag$` from `i`. Linear: a failed comparison only reads tag characters, which
/// contain no `$`, so the next candidate starts past them.
fn close_dollar(b: &[u8], mut i: usize, tag: &[u8]) -> usize {
    while let Some(dollar) = find_byte(b, i, b'$') {
        let after = dollar + 1;
        let rest = b.get(after..).unwrap_or(&[]);
        if rest.starts_with(tag) && rest.get(tag.len()) == Some(&b'$') {
            return after + tag.len() + 1;
        }
        i = after;
    }
    b.len()
}

/// `E'…'`, from just after its opening quote. The server would also continue it with a `'…'`
/// on a later line (`quotecontinue`), but psql lexes a file line by line and so never does.
fn skip_e_string(b: &[u8], mut i: usize) -> usize {
    loop {
        let close = skip_quoted(b, i, b'\'', true);
        if b.get(close) != Some(&b'\'') {
            return close;
        }
        // A doubled quote: the string goes on, still with escapes.
        i = close + 1;
    }
}

// ---------------------------------------------------------------- SQLite (sqlite3_complete)

#[derive(Clone, Copy)]
enum Token {
    Semi,
    Space,
    Other,
    Explain,
    Create,
    Temp,
    Trigger,
    End,
}

/// `sqlite3_complete()`'s transitions, rows are states and columns tokens in the order of
/// [`Token`]. States: 0 invalid (nothing yet), 1 start (a statement just ended), 2 normal,
/// 3 after EXPLAIN, 4 after CREATE [TEMP], 5 inside a trigger, 6 a `;` inside a trigger,
/// 7 `; END` inside a trigger.
const SQLITE_TRANSITIONS: [[u8; 8]; 8] = [
    [1, 0, 2, 3, 4, 2, 2, 2],
    [1, 1, 2, 3, 4, 2, 2, 2],
    [1, 2, 2, 2, 2, 2, 2, 2],
    [1, 3, 3, 2, 4, 2, 2, 2],
    [1, 4, 2, 2, 2, 4, 5, 2],
    [6, 5, 5, 5, 5, 5, 5, 5],
    [6, 6, 5, 5, 5, 5, 5, 7],
    [1, 7, 5, 5, 5, 5, 5, 5],
];

fn scan_sqlite(b: &[u8], start: usize) -> End {
    let mut state = 0u8;
    let mut i = start;
    while let Some(&c) = b.get(i) {
        let next = b.get(i + 1).copied();
        let (token, end) = match c {
            b';' => (Token::Semi, i + 1),
            b' ' | b'\t' | b'\n' | b'\r' | 0x0c => (Token::Space, i + 1),
            b'/' if next == Some(b'*') => (Token::Space, skip_block_comment(b, i + 2, false)),
            b'-' if next == Some(b'-') => match line_comment(b, i) {
                Comment::Plain(end) => (Token::Space, end),
                Comment::BlockBegins(from) => return goose_block(b, from),
            },
            b'[' => (Token::Other, skip_quoted(b, i + 1, b']', false)),
            b'\'' | b'"' | b'`' => (Token::Other, skip_quoted(b, i + 1, c, false)),
            c if is_sqlite_ident_char(c) => {
                let end = skip_while(b, i, is_sqlite_ident_char);
                (sqlite_keyword(b.get(i..end).unwrap_or(&[])), end)
            }
            _ => (Token::Other, i + 1),
        };
        let row = SQLITE_TRANSITIONS.get(usize::from(state));
        state = row
            .and_then(|r| r.get(token as usize))
            .copied()
            .unwrap_or(2);
        if matches!(token, Token::Semi) && state == 1 {
            return End::Terminator(i);
        }
        i = end;
    }
    End::Eof
}

/// SQLite's `IdChar`: letters, digits, `_`, `$` and every non-ASCII byte.
fn is_sqlite_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

fn sqlite_keyword(word: &[u8]) -> Token {
    let is = |k: &[u8]| word.eq_ignore_ascii_case(k);
    if is(b"create") {
        Token::Create
    } else if is(b"temp") || is(b"temporary") {
        Token::Temp
    } else if is(b"trigger") {
        Token::Trigger
    } else if is(b"end") {
        Token::End
    } else if is(b"explain") {
        Token::Explain
    } else {
        Token::Other
    }
}

// ---------------------------------------------------------------- MySQL (mysql client)

fn scan_mysql(b: &[u8], start: usize) -> End {
    let mut i = start;
    while let Some(&c) = b.get(i) {
        let next = b.get(i + 1).copied();
        i = match c {
            b';' => return End::Terminator(i),
            b'\'' | b'"' => skip_quoted(b, i + 1, c, true),
            b'`' => skip_quoted(b, i + 1, c, false),
            b'#' => skip_while(b, i, |c| c != b'\n'),
            // `--` starts a comment only before whitespace or a control character.
            b'-' if next == Some(b'-') && b.get(i + 2).is_none_or(|&c| c <= b' ' || c == 0x7f) => {
                match line_comment(b, i) {
                    Comment::Plain(end) => end,
                    Comment::BlockBegins(from) => return goose_block(b, from),
                }
            }
            b'/' if next == Some(b'*') => skip_block_comment(b, i + 2, false),
            _ => i + 1,
        };
    }
    End::Eof
}

// ---------------------------------------------------------------- shared pieces

enum Comment {
    /// A comment ending just before this index (its line break, or the end of input).
    Plain(usize),
    /// A goose `StatementBegin` line; the block starts after this index.
    BlockBegins(usize),
}

/// A `--` comment at `i`, which may be a goose `StatementBegin` marker.
fn line_comment(b: &[u8], i: usize) -> Comment {
    let end = skip_while(b, i, |c| c != b'\n');
    let mut line_before = b
        .get(..i)
        .unwrap_or(&[])
        .iter()
        .rev()
        .take_while(|&&c| c != b'\n');
    if line_before.all(|&c| is_space(c))
        && goose_marker(b.get(i..end).unwrap_or(&[])) == Some(Marker::Begin)
    {
        Comment::BlockBegins(end)
    } else {
        Comment::Plain(end)
    }
}

#[derive(PartialEq)]
enum Marker {
    Begin,
    End,
}

/// Reads `-- +goose StatementBegin` / `StatementEnd` (any case, any spacing) from a line.
fn goose_marker(line: &[u8]) -> Option<Marker> {
    let line = line.trim_ascii().strip_prefix(b"--")?.trim_ascii_start();
    let word = line.strip_prefix(b"+goose")?.trim_ascii();
    if word.eq_ignore_ascii_case(b"StatementBegin") {
        Some(Marker::Begin)
    } else if word.eq_ignore_ascii_case(b"StatementEnd") {
        Some(Marker::End)
    } else {
        None
    }
}

/// A goose block is one statement up to its `StatementEnd` line, whatever it holds: goose
/// reads it line by line without lexing it, and so does this.
fn goose_block(b: &[u8], from: usize) -> End {
    let mut line_start = from + 1;
    while line_start < b.len() {
        let line_end = skip_while(b, line_start, |c| c != b'\n');
        if goose_marker(b.get(line_start..line_end).unwrap_or(&[])) == Some(Marker::End) {
            return End::Before(line_start);
        }
        line_start = line_end + 1;
    }
    End::Eof
}

/// Skips a quoted run from just after its opening quote to just after `close`. A doubled
/// quote needs no rule of its own: it closes one run and opens the next.
fn skip_quoted(b: &[u8], mut i: usize, close: u8, backslash_escapes: bool) -> usize {
    while let Some(&c) = b.get(i) {
        if c == close {
            return i + 1;
        }
        i += if backslash_escapes && c == b'\\' {
            2
        } else {
            1
        };
    }
    b.len()
}

/// Skips a `/* */` comment from just after its opening; an unterminated one runs to the end.
fn skip_block_comment(b: &[u8], i: usize, nested: bool) -> usize {
    block_comment_end(b, i, nested).unwrap_or(b.len())
}

fn block_comment_end(b: &[u8], mut i: usize, nested: bool) -> Option<usize> {
    let mut depth = 1usize;
    while let Some(&c) = b.get(i) {
        let next = b.get(i + 1).copied();
        if c == b'*' && next == Some(b'/') {
            depth -= 1;
            if depth == 0 {
                return Some(i + 2);
            }
            i += 2;
        } else if nested && c == b'/' && next == Some(b'*') {
            depth += 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    None
}

/// Skips whitespace and `--` or `#` line comments from `i`.
fn leading_line_comments_end(b: &[u8], mut i: usize) -> usize {
    loop {
        match (b.get(i).copied(), b.get(i + 1).copied()) {
            (Some(c), _) if is_space(c) => i += 1,
            (Some(b'-'), Some(b'-')) | (Some(b'#'), _) => i = skip_while(b, i, |c| c != b'\n'),
            _ => return i,
        }
    }
}

/// The end of a `/* … */` comment at `i` that is a comment to all three dialects: closed,
/// without a nested opening (PostgreSQL nests them, the others do not), and not MySQL's
/// executable `/*! … */`.
fn shared_block_comment(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i..i + 2) != Some(b"/*") || b.get(i + 2) == Some(&b'!') {
        return None;
    }
    let end = block_comment_end(b, i + 2, false)?;
    let inside = b.get(i + 2..end).unwrap_or(&[]);
    (!inside.windows(2).any(|w| w == b"/*")).then_some(end)
}

fn trim_end_space(s: &str) -> &str {
    s.trim_end_matches(|c: char| c.is_ascii() && is_space(c as u8))
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn skip_while(b: &[u8], mut i: usize, keep: impl Fn(u8) -> bool) -> usize {
    while b.get(i).is_some_and(|&c| keep(c)) {
        i += 1;
    }
    i.min(b.len())
}

fn find_byte(b: &[u8], from: usize, byte: u8) -> Option<usize> {
    let rest = b.get(from..)?;
    rest.iter().position(|&c| c == byte).map(|p| from + p)
}
