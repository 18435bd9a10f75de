//! The splitter against the real clients. Every `.sql` file of the shared corpus (real
//! migration sets, listed in `sets.json`) must split into as many statements as the client
//! of its database would run: SQLite's own tokenizer (`sqlite3_complete`, driven as the
//! sqlite3 shell drives it) for the SQLite sets, and psql itself, watched through a private
//! server's statement log, for the PostgreSQL sets. Generated scripts full of quotes,
//! comments and bodies must end their statements exactly where the clients do.

mod support {
    pub mod corpus;
    pub mod servers;
}

use migrate_core::split::{split, Dialect};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use support::corpus::{self, Set};
use support::servers::TempCluster;

#[test]
fn sqlite_sets_split_like_the_sqlite3_shell() {
    let Some(sets) = corpus::available() else {
        return;
    };
    let db = sqlite::Db::open();
    let mut mismatches = Vec::new();
    let mut compared = 0;
    for set in sets.iter().filter(|s| s.db == "sqlite") {
        let (mut files, mut statements, mut skipped) = (0, 0, 0);
        for file in &sql_files(set) {
            let text = read(file);
            if has_goose_block(&text) {
                skipped += 1;
                continue;
            }
            let ours = non_blank(&text, Dialect::Sqlite);
            let oracle = sqlite::shell_statements(&text, &db);
            if ours.len() != oracle.len() {
                mismatches.push(Mismatch::new(file, &ours, &oracle));
            }
            files += 1;
            statements += oracle.len();
        }
        println!(
            "{}: {files} files, {statements} statements, {skipped} with goose blocks skipped",
            set.name
        );
        compared += files;
    }
    assert!(compared > 0, "no SQLite file compared");
    assert!(
        mismatches.is_empty(),
        "statement counts differ from sqlite3's:\n{}",
        report(&mismatches)
    );
}

#[test]
fn postgres_sets_split_like_psql() {
    let Some(sets) = corpus::available() else {
        return;
    };
    let Some(cluster) = TempCluster::start(&statement_log()) else {
        return;
    };
    let mut runs = Vec::new();
    for set in sets.iter().filter(|s| s.db == "pg") {
        let db = set.name.as_str();
        cluster
            .create_database(db)
            .unwrap_or_else(|e| panic!("{e}"));
        for sql in &set.pre_sql {
            cluster
                .execute(db, sql)
                .unwrap_or_else(|e| panic!("{}: pre_sql: {e}", set.name));
        }
        // Applied as a person would: the ups in order, then the downs newest first, then any
        // loose file. Failures do not matter, only what psql sends.
        for file in feed_order(sql_files(set)) {
            let app = format!("corpus{}", runs.len());
            if !has_goose_block(&read(&file)) {
                psql_file(&cluster, db, &app, &file);
            }
            runs.push((set.name.as_str(), app, file));
        }
    }
    let sent = sent_statements(&cluster.log());
    let mut mismatches = Vec::new();
    let mut per_set: Vec<(&str, usize, usize, usize)> = Vec::new();
    for (set, app, file) in runs {
        if per_set.last().is_none_or(|s| s.0 != set) {
            per_set.push((set, 0, 0, 0));
        }
        let Some(totals) = per_set.last_mut() else {
            continue;
        };
        let text = read(&file);
        if has_goose_block(&text) {
            totals.3 += 1;
            continue;
        }
        let ours = non_blank(&text, Dialect::Postgres);
        // psql sends a lone `;` too; the server runs nothing for it, and neither do we
        let oracle: Vec<String> = sent
            .get(&app)
            .into_iter()
            .flatten()
            .filter(|s| {
                !s.trim_matches(|c: char| c == ';' || c.is_ascii_whitespace())
                    .is_empty()
            })
            .cloned()
            .collect();
        if ours.len() != oracle.len() {
            mismatches.push(Mismatch::new(&file, &ours, &oracle));
        }
        totals.1 += 1;
        totals.2 += oracle.len();
    }
    for (set, files, statements, skipped) in &per_set {
        println!(
            "{set}: {files} files, {statements} statements, {skipped} with goose blocks skipped"
        );
    }
    assert!(
        per_set.iter().any(|s| s.1 > 0),
        "no PostgreSQL file compared"
    );
    assert!(
        mismatches.is_empty(),
        "statement counts differ from psql's:\n{}",
        report(&mismatches)
    );
}

/// Generated scripts end their statements at the same `;` as `sqlite3_complete()` says.
#[test]
fn generated_scripts_end_statements_where_sqlite_does() {
    let mut random = Random(0x5eed_1234);
    for n in 0..4000 {
        let script = match n % 2 {
            0 => random.chaos(SQLITE_CHAOS),
            _ => random.statements(SQLITE_HEADS, SQLITE_PARTS),
        } + "\nselect 99";
        let ours = terminators(&script, Dialect::Sqlite);
        let oracle: Vec<usize> = script
            .match_indices(';')
            .map(|(i, _)| i)
            .filter(|&i| sqlite::ends_statement(&script[..=i]))
            .collect();
        assert_eq!(ours, oracle, "{script:?}");
    }
}

/// The same against psql, for PostgreSQL's quotes, nested comments, parentheses and
/// `BEGIN … END` bodies.
#[test]
fn generated_scripts_end_statements_where_psql_does() {
    let Some(cluster) = TempCluster::start(&statement_log()) else {
        return;
    };
    let dir = cluster_scratch_dir();
    let mut random = Random(0xfeed_5678);
    let mut scripts = Vec::new();
    for n in 0..600 {
        let script = match n % 3 {
            0 => random.chaos(PG_CHAOS),
            _ => random.statements(PG_HEADS, PG_PARTS),
        } + "\nselect 99";
        let file = dir.join(format!("script{n}.sql"));
        std::fs::write(&file, &script).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let app = format!("generated{n}");
        psql_file(&cluster, "postgres", &app, &file);
        scripts.push((app, script));
    }
    let sent = sent_statements(&cluster.log());
    let _ = std::fs::remove_dir_all(&dir);
    for (app, script) in scripts {
        let texts = sent.get(&app).cloned().unwrap_or_default();
        // psql sends the final, unterminated statement too: all others end at a `;`
        let oracle = locate(&script, &texts[..texts.len().saturating_sub(1)]);
        let ours = terminators(&script, Dialect::Postgres);
        assert_eq!(Ok(ours), oracle, "{script:?}\npsql sent {texts:#?}");
    }
}

// Words glued at random: any lexical state, unbalanced quotes included.
#[rustfmt::skip]
const SQLITE_CHAOS: &[&str] = &[
    " ", "\n", "\t", ";", ";", "'", "\"", "`", "[", "]", "(", ")", "-", "--", "/", "*", "/*", "*/",
    "$", "x", "_", "1", "é", "begin", "BEGIN", "end", "END", "case", "create", "CREATE", "temp",
    "TEMPORARY", "trigger", "TRIGGER", "explain", "select", "endx", "xend",
];

// No `\` (a psql meta-command) and no `:` (a psql variable, maybe set): psql would not send
// them as they are.
#[rustfmt::skip]
const PG_CHAOS: &[&str] = &[
    " ", "\n", "\t", ";", ";", "'", "''", "E'", "e'", "U&'", "\"", "$$", "$a$", "$b$", "$1", "a$",
    "1", "1e", "(", ")", "[", "]", "-", "--", "/", "*", "/*", "*/", "x", "é", "begin", "BEGIN",
    "ATOMIC", "end", "END", "case", "CASE", "create", "CREATE", "or", "replace", "function",
    "PROCEDURE", "select",
];

// Statements: a head, then parts separated by spaces. Each part leaves the lexer where it
// found it, so backslashes stay inside E'…' strings.
#[rustfmt::skip]
const SQLITE_HEADS: &[&str] = &[
    "", "select ", "create trigger t after insert on x begin ", "CREATE TEMP TRIGGER t ",
    "create temporary trigger ", "explain create trigger ", "EXPLAIN ", "create table ", "create ",
    "create temp table ", "create unique index ",
];

#[rustfmt::skip]
const SQLITE_PARTS: &[&str] = &[
    "x", "1", ";", ";", ";", "end", "END", "case", "begin", "temp", "trigger", "create", "'a;b'",
    "'it''s;'", "\"a;b\"", "`a;b`", "[a;b]", "-- ;\n", "/* ; */", "/* /* ; */", "$a", "endx",
    "select 1", "update t set x = 1", "(", ")", "\n",
];

#[rustfmt::skip]
const PG_HEADS: &[&str] = &[
    "", "select ", "create function f() returns int language sql ", "CREATE OR REPLACE PROCEDURE p() ",
    "create or replace function f(a int default (select 1)) ", "create procedure p() begin atomic ",
    "create trigger t ", "create table t ", "do ", "create or replace trigger ",
];

#[rustfmt::skip]
const PG_PARTS: &[&str] = &[
    "x", "1", "select 1", ";", ";", ";", "(", ")", "begin", "BEGIN", "atomic", "end", "END",
    "case", "CASE", "when", "create", "function", "or", "replace", "'a;b'", "'it''s;'",
    r"'\'", r"E'\';'", r"e'x''y\\;'", r"e'x''\';'", "E'a'\n'\\'", "E'a'\n-- c\n  '\\'", r"E'a' '\'",
    r"xe'\'", "U&'d;'", "\"a;b\"", "\"a\"\";\"", "$$;$$", "$a$ $$ ; $a$", "$fn$ begin; end $fn$",
    "-- ;\n", "/* ; */", "/* /* ; */ ; */", "1begin", "1e+$q$ ; $q$", "1x$q$", "$1", "a$b$", "$1$q$ ; $q$", "$begin", "x:begin", "x::begin", "\n",
];

// ------------------------------------------------------------------------------ our side

fn non_blank(text: &str, dialect: Dialect) -> Vec<String> {
    split(text, dialect)
        .iter()
        .filter(|s| !s.is_blank())
        .map(|s| s.sql().to_string())
        .collect()
}

/// The byte index of the `;` that ends each piece but the last.
fn terminators(script: &str, dialect: Dialect) -> Vec<usize> {
    let pieces = split(script, dialect);
    let ended = pieces.len().saturating_sub(1);
    pieces[..ended]
        .iter()
        .map(|s| s.offset + s.text.trim_end().len() - 1)
        .collect()
}

/// goose's `StatementBegin` blocks are goose's rule, not psql's or sqlite3's: files with
/// them are left to the unit tests.
fn has_goose_block(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim().to_ascii_lowercase();
        l.starts_with("--") && l.contains("+goose") && l.contains("statementbegin")
    })
}

// ------------------------------------------------------------------------------ psql

fn statement_log() -> [(&'static str, &'static str); 3] {
    [
        ("log_statement", "all"),
        ("log_min_error_statement", "error"),
        ("log_line_prefix", "@@ %a @@ "),
    ]
}

fn psql_file(cluster: &TempCluster, db: &str, app: &str, file: &Path) {
    let output = cluster
        .psql(db)
        .env("PGAPPNAME", app)
        .args(["-q", "-v", "ON_ERROR_STOP=0", "-f"])
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("psql: {e}"));
    // 0 whatever the statements did; 1 or 2 would mean psql itself failed
    assert!(
        output.status.success(),
        "psql -f {}: {}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The statements each application (one per file) sent, in order, from the server log with
/// `log_line_prefix = '@@ %a @@ '`. A statement is logged once parsed (`LOG:  statement:`);
/// one that does not parse shows only as the `STATEMENT:` of its error, while one that fails
/// later shows both, with the same text.
fn sent_statements(log: &str) -> HashMap<String, Vec<String>> {
    // (application, message) per entry; the server puts a tab after each line break of a
    // message, so continuation lines are unambiguous
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut open = false;
    for line in log.split('\n') {
        if let Some(more) = line.strip_prefix('\t').filter(|_| open) {
            if let Some((_, message)) = entries.last_mut() {
                message.push('\n');
                message.push_str(more);
            }
        } else if let Some((app, message)) =
            line.strip_prefix("@@ ").and_then(|l| l.split_once(" @@ "))
        {
            entries.push((app.to_string(), message.to_string()));
            open = true;
        } else {
            open = false;
        }
    }
    let mut sent: HashMap<String, Vec<String>> = HashMap::new();
    let mut last_logged: HashMap<String, String> = HashMap::new();
    for (app, message) in entries {
        if let Some(text) = message.strip_prefix("LOG:  statement: ") {
            sent.entry(app.clone()).or_default().push(text.to_string());
            last_logged.insert(app, text.to_string());
        } else if let Some(text) = message.strip_prefix("STATEMENT:  ") {
            if last_logged.remove(&app).as_deref() != Some(text) {
                sent.entry(app).or_default().push(text.to_string());
            }
        }
    }
    sent
}

/// Where each statement psql sent ends in `script` (the index of its `;`). psql drops the
/// whitespace and `--` comments before a statement and sends the rest verbatim.
fn locate(script: &str, texts: &[String]) -> Result<Vec<usize>, String> {
    let mut cursor = 0;
    let mut ends = Vec::new();
    for text in texts {
        let found = script[cursor..]
            .match_indices(text.as_str())
            .map(|(i, _)| cursor + i)
            .find(|&at| only_space_and_dash_comments(&script[cursor..at]));
        let Some(at) = found else {
            return Err(format!(
                "psql sent {text:?}, which is not next at byte {cursor}"
            ));
        };
        cursor = at + text.len();
        ends.push(cursor - 1);
    }
    Ok(ends)
}

fn only_space_and_dash_comments(gap: &str) -> bool {
    let mut rest = gap.trim_start();
    while let Some(comment) = rest.strip_prefix("--") {
        match comment.split_once('\n') {
            Some((_, after)) => rest = after.trim_start(),
            // the candidate would be inside the comment
            None => return false,
        }
    }
    rest.is_empty()
}

fn cluster_scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("migrate-split-scripts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

// ------------------------------------------------------------------------------ SQLite

mod sqlite {
    use libsqlite3_sys as ffi;
    use std::ffi::{c_char, c_int, CString};
    use std::ptr;

    /// `sqlite3_complete()`: the text ends with a whole statement.
    pub fn complete(sql: &str) -> bool {
        let Ok(sql) = CString::new(sql) else {
            return false;
        };
        // SAFETY: a valid NUL-terminated string, only read during the call.
        unsafe { ffi::sqlite3_complete(sql.as_ptr()) != 0 }
    }

    /// The last `;` of `prefix` ends a statement. `sqlite3_complete()` also says yes when
    /// the text ends inside a `--` comment after a statement; a letter tells them apart: it
    /// stays in the comment, but starts a new statement after a real end.
    pub fn ends_statement(prefix: &str) -> bool {
        complete(prefix) && !complete(&format!("{prefix}x"))
    }

    /// The statements the sqlite3 shell would run from `text`: it reads line by line, runs
    /// what it has gathered each time `sqlite3_complete()` says it is whole (and the rest at
    /// the end of the input), and runs each statement that `sqlite3_prepare` finds in it.
    pub fn shell_statements(text: &str, db: &Db) -> Vec<String> {
        let mut batches = Vec::new();
        let (mut start, mut end) = (0, 0);
        for line in text.split_inclusive('\n') {
            end += line.len();
            if complete(&text[start..end]) {
                batches.push(&text[start..end]);
                start = end;
            }
        }
        if !text[start..].trim().is_empty() {
            batches.push(&text[start..]);
        }
        let mut statements = Vec::new();
        for batch in batches {
            let mut from = 0;
            let ends = batch
                .match_indices(';')
                .map(|(i, _)| i + 1)
                .filter(|&i| ends_statement(&batch[..i]));
            for to in ends.chain([batch.len()]) {
                let statement = &batch[from..to];
                if !statement.is_empty() && !db.is_empty_statement(statement) {
                    statements.push(statement.trim().to_string());
                }
                from = to;
            }
        }
        statements
    }

    /// An in-memory database, to ask `sqlite3_prepare` whether a piece holds a statement.
    pub struct Db(*mut ffi::sqlite3);

    impl Db {
        pub fn open() -> Db {
            let mut db = ptr::null_mut();
            let name = c":memory:";
            let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE;
            // SAFETY: valid out-pointer and NUL-terminated name.
            let rc = unsafe { ffi::sqlite3_open_v2(name.as_ptr(), &mut db, flags, ptr::null()) };
            assert_eq!(rc, ffi::SQLITE_OK, "sqlite3_open_v2");
            Db(db)
        }

        /// Only whitespace, comments and `;`: prepare succeeds without a statement. An
        /// error (say, a missing table: the database is empty) means there was one.
        pub fn is_empty_statement(&self, sql: &str) -> bool {
            let mut stmt = ptr::null_mut();
            let len = c_int::try_from(sql.len()).expect("statement under 2 GiB");
            // SAFETY: `sql` outlives the call and its length is given, so no NUL is needed;
            // the statement, if any, is finalized right away.
            unsafe {
                let rc = ffi::sqlite3_prepare_v2(
                    self.0,
                    sql.as_ptr().cast::<c_char>(),
                    len,
                    &mut stmt,
                    ptr::null_mut(),
                );
                if !stmt.is_null() {
                    ffi::sqlite3_finalize(stmt);
                    return false;
                }
                rc == ffi::SQLITE_OK
            }
        }
    }

    impl Drop for Db {
        fn drop(&mut self) {
            // SAFETY: opened by `open`, closed once.
            unsafe { ffi::sqlite3_close(self.0) };
        }
    }
}

// ------------------------------------------------------------------------------ corpus

/// Every `.sql` file under the set's directory, diesel's `<dir>/up.sql` included.
fn sql_files(set: &Set) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "sql") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(Path::new(&set.dir), &mut files);
    assert!(
        !files.is_empty(),
        "{}: no .sql file in {}",
        set.name,
        set.dir
    );
    files.sort();
    files
}

/// Ups by version, then downs newest first, then files that are no migration.
fn feed_order(files: Vec<PathBuf>) -> Vec<PathBuf> {
    let (mut ups, mut downs, mut others) = (Vec::new(), Vec::new(), Vec::new());
    for file in files {
        let name = migration_name(&file);
        let digits = name.chars().take_while(|c| c.is_ascii_digit() || *c == '-');
        // diesel's `2024-10-25-112826` sorts with `20241025112826`; pad `-NNNN` suffixes
        let key = format!(
            "{:0<24}",
            digits.filter(char::is_ascii_digit).collect::<String>()
        );
        let file_name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !name.starts_with(|c: char| c.is_ascii_digit()) {
            others.push(file);
        } else if file_name == "down.sql" || file_name.ends_with(".down.sql") {
            downs.push((key, file));
        } else {
            ups.push((key, file));
        }
    }
    ups.sort();
    downs.sort();
    let ups = ups.into_iter().map(|(_, f)| f);
    ups.chain(downs.into_iter().rev().map(|(_, f)| f))
        .chain(others)
        .collect()
}

/// The migration's own name: its directory for diesel's `<version>_<name>/up.sql`.
fn migration_name(file: &Path) -> String {
    let name = |p: Option<&Path>| {
        p.and_then(Path::file_name)
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string()
    };
    let file_name = name(Some(file));
    if file_name == "up.sql" || file_name == "down.sql" {
        name(file.parent())
    } else {
        file_name
    }
}

fn read(file: &Path) -> String {
    let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    String::from_utf8(bytes).unwrap_or_else(|e| panic!("{}: not UTF-8: {e}", file.display()))
}

struct Mismatch {
    file: String,
    ours: Vec<String>,
    oracle: Vec<String>,
}

impl Mismatch {
    fn new(file: &Path, ours: &[String], oracle: &[String]) -> Mismatch {
        let file = file
            .strip_prefix(corpus::root().as_str())
            .unwrap_or(file)
            .display()
            .to_string();
        Mismatch {
            file,
            ours: ours.to_vec(),
            oracle: oracle.to_vec(),
        }
    }
}

fn report(mismatches: &[Mismatch]) -> String {
    let mut out = String::new();
    for m in mismatches {
        out += &format!(
            "{}: ours {}, oracle {}\n",
            m.file,
            m.ours.len(),
            m.oracle.len()
        );
        // the first statement that differs
        let first = m
            .ours
            .iter()
            .zip(&m.oracle)
            .position(|(a, b)| a.trim() != b.trim())
            .unwrap_or(m.ours.len().min(m.oracle.len()));
        let show = |s: Option<&String>| {
            s.map_or("(none)".to_string(), |s| {
                format!("{:?}", s.chars().take(200).collect::<String>())
            })
        };
        out += &format!(
            "  statement {}: ours {}\n  oracle {}\n",
            first + 1,
            show(m.ours.get(first)),
            show(m.oracle.get(first))
        );
    }
    out
}

// ------------------------------------------------------------------------------ helpers

/// xorshift64: reproducible scripts without a dependency.
struct Random(u64);

impl Random {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.below(words.len())]
    }

    fn chaos(&mut self, words: &[&str]) -> String {
        (0..self.below(40)).map(|_| self.pick(words)).collect()
    }

    fn statements(&mut self, heads: &[&str], parts: &[&str]) -> String {
        let mut script = String::new();
        for _ in 0..self.below(5) {
            script += self.pick(heads);
            for _ in 0..self.below(12) {
                script += self.pick(parts);
                script += " ";
            }
            script += ";\n";
        }
        script
    }
}
