//! Real-world acceptance: every set of `../shared/corpus/sets.json`, applied by the runtime to
//! a fresh PostgreSQL 15 or SQLite database, gives the outcome listed there — a pass, or the
//! upstream failure reported with its file, line and the database's message. For sets with
//! down scripts, undoing to the beginning gives the listed outcome too. After a passing up the
//! schema equals the one psql or sqlite3 builds from the same scripts, and after the downs the
//! runtime and the client agree on which downs fail and on what is left.
//!
//! The client runs are live references, not just the numbers of `sets.json`: each up script,
//! in the order of the set's own tool, goes to psql as `psql -1 -v ON_ERROR_STOP=1 -f` (without
//! `-1` for a no-transaction script, which psql could not run in one), and to the sqlite3
//! shell with `-bail` inside `BEGIN`/`COMMIT` — the runtime's all-or-nothing per script. A
//! goose file goes as the one section at hand, since psql would run both. Each down script
//! goes the same way, newest first, carrying on with the next script after a failure, as
//! `sets.json`'s numbers were made. The runtime carries on the only way its public API allows: `undo` stops
//! at the failing down (rolled back, or, for a no-transaction one, stopped at the failing
//! statement as `ON_ERROR_STOP` stops psql), `forget_applied` drops that migration's tracking row, and
//! `undo` goes on with the older ones. So both sides leave a failing down's effects exactly as
//! far as they got, and the two lists of failing downs must be equal.

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/servers.rs"]
mod servers;

use std::fmt::Display;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use corpus::{Down, Set, Up};
use migrate::sqlx::postgres::{PgPool, PgPoolOptions};
use migrate::sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use migrate::sqlx::{self, Pool};
use migrate::{Driver, Error, Migration, Migrator, Runner, Script, State, Transaction, Version};
use migrate_core::split::{self, Dialect};
use servers::TempCluster;

const DATABASES: [&str; 2] = ["pg", "sqlite"];

#[test]
fn every_set_names_a_database_this_test_runs() {
    let Some(sets) = corpus::available() else {
        return;
    };
    let unknown: Vec<String> = sets
        .iter()
        .filter(|s| !DATABASES.contains(&s.db.as_str()))
        .map(|s| format!("{}: db {:?}", s.name, s.db))
        .collect();
    assert!(
        unknown.is_empty(),
        "sets.json lists sets for databases this test does not run (known: {DATABASES:?}):\n{}",
        unknown.join("\n")
    );
}

#[tokio::test]
async fn postgres_sets_give_the_listed_outcomes() {
    let Some(sets) = sets_for("pg", "PostgreSQL") else {
        return;
    };
    let Some(cluster) = TempCluster::start(&[]) else {
        return;
    };
    let scratch = Scratch::new("pg");
    let mut problems = Problems::default();
    for set in &sets {
        let start = Instant::now();
        postgres_set(&cluster, set, &scratch, &mut problems).await;
        println!("{}: {:.1?}", set.name, start.elapsed());
    }
    problems.assert_none();
}

#[tokio::test]
async fn sqlite_sets_give_the_listed_outcomes() {
    let Some(sets) = sets_for("sqlite", "SQLite") else {
        return;
    };
    let scratch = Scratch::new("sqlite");
    let shell = SqliteShell::find();
    let mut problems = Problems::default();
    for set in &sets {
        let start = Instant::now();
        sqlite_set(set, &shell, &scratch, &mut problems).await;
        println!("{}: {:.1?}", set.name, start.elapsed());
    }
    problems.assert_none();
}

/// The sets of `sets.json` for database `db`, of which there must be some; `None` when the
/// corpus is not there (see `corpus::available`).
fn sets_for(db: &str, name: &str) -> Option<Vec<Set>> {
    let sets: Vec<Set> = corpus::available()?
        .into_iter()
        .filter(|s| s.db == db)
        .collect();
    assert!(!sets.is_empty(), "sets.json lists no {name} set");
    Some(sets)
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

async fn postgres_set(
    cluster: &TempCluster,
    set: &Set,
    scratch: &Scratch,
    problems: &mut Problems,
) {
    let Some(migrator) = load(set, problems) else {
        return;
    };
    let order = upstream_order(set, &migrator, problems);
    let ours = set.name.clone();
    let theirs = format!("{}-psql", set.name);
    for db in [&ours, &theirs] {
        if let Err(e) = cluster.create_database(db) {
            return problems.add(set, e);
        }
        for sql in &set.pre_sql {
            if let Err(e) = cluster.execute(db, sql) {
                return problems.add(set, format!("pre_sql: {e}"));
            }
        }
    }
    let pool: PgPool = match PgPoolOptions::new()
        .max_connections(2)
        .connect(&cluster.url(&ours))
        .await
    {
        Ok(pool) => pool,
        Err(e) => return problems.add(set, format!("connect: {e}")),
    };
    let positioned = true; // PostgreSQL reports where in the statement an error is
    let passed = check_up(
        set,
        &migrator,
        &pool,
        Dialect::Postgres,
        positioned,
        problems,
    )
    .await;
    if passed {
        let psql = Psql {
            cluster,
            db: &theirs,
            scratch,
        };
        match client_ups(&order, |script| psql.file(script)) {
            Ok(()) => compare_dumps(set, "after the ups", cluster, &ours, &theirs, problems),
            Err(e) => problems.add(set, format!("psql reference: {e}")),
        }
        if let Some(down) = &set.down {
            let failed = check_down(
                set,
                &migrator,
                &pool,
                down,
                Dialect::Postgres,
                positioned,
                problems,
            )
            .await;
            let psql_failed = client_downs(&order, |script| psql.file(script));
            compare_failing_downs(set, failed.as_deref(), &psql_failed, problems);
            compare_dumps(set, "after the downs", cluster, &ours, &theirs, problems);
            if matches!(down, Down::Pass) {
                match pg_dump(cluster, &ours) {
                    Ok(dump) => expect_left(set, &dump_statements(&dump), problems),
                    Err(e) => problems.add(set, e),
                }
            }
        }
    } else if set.down.is_some() {
        problems.add(set, "the downs were not tried: the ups did not pass");
    }
    pool.close().await;
}

/// psql on the reference database.
struct Psql<'a> {
    cluster: &'a TempCluster,
    db: &'a str,
    scratch: &'a Scratch,
}

impl Psql<'_> {
    /// One script, like `psql -1 -f` (without `-1` for a no-transaction script).
    fn file(&self, script: &Script) -> Result<(), String> {
        let path = self.scratch.script_file(script);
        let mut psql = self.cluster.psql(self.db);
        psql.args(["-q", "-v", "ON_ERROR_STOP=1"]);
        if script.transaction() == Transaction::Wrapped {
            psql.arg("-1");
        }
        let output = psql
            .arg("-f")
            .arg(&path)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("psql: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
        }
    }
}

/// Both databases' `pg_dump --schema-only`, the tracking table aside, must be equal.
fn compare_dumps(
    set: &Set,
    when: &str,
    cluster: &TempCluster,
    ours: &str,
    theirs: &str,
    problems: &mut Problems,
) {
    match (pg_dump(cluster, ours), pg_dump(cluster, theirs)) {
        (Ok(a), Ok(b)) => {
            if a != b {
                problems.add(
                    set,
                    format!(
                        "{when}, pg_dump of the runtime's database differs from psql's:\n{}",
                        diff(&a, &b)
                    ),
                );
            }
        }
        (Err(e), _) | (_, Err(e)) => problems.add(set, e),
    }
}

/// `pg_dump --schema-only` of `db` without the tracking table, as lines; the random key of
/// `\restrict` (PostgreSQL 15.14 and later) is dropped.
fn pg_dump(cluster: &TempCluster, db: &str) -> Result<Vec<String>, String> {
    let output = cluster
        .client(pg_dump_binary(), db)
        .args([
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "-T",
            migrate::DEFAULT_TABLE,
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("pg_dump: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "pg_dump {db}: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .map(str::to_owned)
        .collect())
}

/// The pg_dump beside the server binary on `PATH` (`pg_dump` on `PATH` may be a wrapper
/// that picks another version), else the one on `PATH`.
fn pg_dump_binary() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("postgres"))
        .find(|p| p.is_file())
        .and_then(|p| std::fs::canonicalize(p).ok())
        .map(|p| p.with_file_name("pg_dump"))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("pg_dump"))
}

/// The statements of a dump that create something: no comments, no session settings.
fn dump_statements(dump: &[String]) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    for line in dump {
        if current.is_empty()
            && (line.trim().is_empty()
                || line.starts_with("--")
                || line.starts_with("SET ")
                || line.starts_with("SELECT pg_catalog.set_config("))
        {
            continue;
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(line);
        if line.ends_with(';') {
            statements.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        statements.push(current);
    }
    statements
}

// ---------------------------------------------------------------------------------------------
// SQLite

async fn sqlite_set(set: &Set, shell: &SqliteShell, scratch: &Scratch, problems: &mut Problems) {
    let Some(migrator) = load(set, problems) else {
        return;
    };
    let order = upstream_order(set, &migrator, problems);
    let ours = scratch.path(&format!("{}.db", set.name));
    let theirs = scratch.path(&format!("{}-sqlite3.db", set.name));
    // The pool a user would make: sqlx's defaults (foreign keys on, unlike the shell).
    let pool: SqlitePool = match SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(&ours)
                .create_if_missing(true),
        )
        .await
    {
        Ok(pool) => pool,
        Err(e) => return problems.add(set, format!("open {}: {e}", ours.display())),
    };
    for sql in &set.pre_sql {
        if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.as_str()))
            .execute(&pool)
            .await
        {
            return problems.add(set, format!("pre_sql: {e}"));
        }
        if let Err(e) = shell.run(&theirs, sql, false) {
            return problems.add(set, format!("pre_sql in the reference: {e}"));
        }
    }
    let positioned = false; // SQLite's messages through sqlx carry no position
    let passed = check_up(set, &migrator, &pool, Dialect::Sqlite, positioned, problems).await;
    if passed {
        match client_ups(&order, |script| shell.script(&theirs, script)) {
            Ok(()) => compare_masters(set, "after the ups", &pool, &theirs, problems).await,
            Err(e) => problems.add(set, format!("{} reference: {e}", shell.name())),
        }
        if let Some(down) = &set.down {
            let failed = check_down(
                set,
                &migrator,
                &pool,
                down,
                Dialect::Sqlite,
                positioned,
                problems,
            )
            .await;
            let shell_failed = client_downs(&order, |script| shell.script(&theirs, script));
            compare_failing_downs(set, failed.as_deref(), &shell_failed, problems);
            compare_masters(set, "after the downs", &pool, &theirs, problems).await;
            if matches!(down, Down::Pass) {
                match sqlite_master(&pool).await {
                    Ok(left) => expect_left(set, &left, problems),
                    Err(e) => problems.add(set, e),
                }
            }
        }
    } else if set.down.is_some() {
        problems.add(set, "the downs were not tried: the ups did not pass");
    }
    pool.close().await;
}

/// Both databases' `sqlite_master`, the tracking table aside, must be equal.
async fn compare_masters(
    set: &Set,
    when: &str,
    pool: &SqlitePool,
    theirs: &Path,
    problems: &mut Problems,
) {
    let reference =
        match SqlitePool::connect_with(SqliteConnectOptions::new().filename(theirs)).await {
            Ok(pool) => pool,
            Err(e) => return problems.add(set, format!("open {}: {e}", theirs.display())),
        };
    match (sqlite_master(pool).await, sqlite_master(&reference).await) {
        (Ok(a), Ok(b)) => {
            if a != b {
                problems.add(set, format!("{when}, sqlite_master of the runtime's database differs from the shell's:\n{}", diff(&a, &b)));
            }
        }
        (Err(e), _) | (_, Err(e)) => problems.add(set, e),
    }
    reference.close().await;
}

/// `sqlite_master` without the tracking table, one line per object.
async fn sqlite_master(pool: &SqlitePool) -> Result<Vec<String>, String> {
    let rows: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name <> '_migrations' ORDER BY type, name",
    )
    .fetch_all(pool)
    .await
    .map_err(|e| format!("sqlite_master: {e}"))?;
    Ok(rows
        .into_iter()
        .map(|(kind, name, table, sql)| {
            format!("{kind} {name} on {table}: {}", sql.unwrap_or_default())
        })
        .collect())
}

/// The sqlite3 shell, or, where it is not installed (and `CI` is not `true`), the bundled
/// SQLite's `sqlite3_exec`, which also runs a script statement by statement and stops at the
/// first error.
enum SqliteShell {
    Cli,
    Bundled,
}

impl SqliteShell {
    fn find() -> SqliteShell {
        let found = Command::new("sqlite3")
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success());
        if found {
            return SqliteShell::Cli;
        }
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "the sqlite3 shell is not installed; CI=true requires it (apt-get install sqlite3)"
            );
        }
        eprintln!(
            "notice: the sqlite3 shell is not installed; the reference runs on the bundled SQLite"
        );
        SqliteShell::Bundled
    }

    fn name(&self) -> &'static str {
        match self {
            SqliteShell::Cli => "sqlite3",
            SqliteShell::Bundled => "sqlite3_exec",
        }
    }

    /// One script, all or nothing unless it is a no-transaction one.
    fn script(&self, db: &Path, script: &Script) -> Result<(), String> {
        self.run(
            db,
            script.sql(),
            script.transaction() == Transaction::Wrapped,
        )
    }

    fn run(&self, db: &Path, sql: &str, wrapped: bool) -> Result<(), String> {
        // The newline ends a trailing `--` comment, the `;` a last statement without one.
        let text = if wrapped {
            format!("BEGIN;\n{sql}\n;\nCOMMIT;\n")
        } else {
            sql.to_owned()
        };
        match self {
            SqliteShell::Cli => {
                let mut child = Command::new("sqlite3")
                    .arg("-bail")
                    .arg(db)
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .map_err(|e| format!("sqlite3: {e}"))?;
                let mut stdin = child.stdin.take().ok_or("sqlite3: no stdin")?;
                let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
                let output = child
                    .wait_with_output()
                    .map_err(|e| format!("sqlite3: {e}"))?;
                let _ = writer.join();
                let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
                if output.status.success() && stderr.is_empty() {
                    Ok(())
                } else {
                    Err(stderr)
                }
            }
            SqliteShell::Bundled => bundled::exec(db, &text),
        }
    }
}

mod bundled {
    use libsqlite3_sys as ffi;
    use std::ffi::{CStr, CString};
    use std::path::Path;
    use std::ptr;

    /// `sqlite3_exec` of `sql` on the database file `db`; the error message when it fails.
    pub fn exec(db: &Path, sql: &str) -> Result<(), String> {
        let path = CString::new(db.to_string_lossy().as_bytes()).map_err(|e| e.to_string())?;
        let sql = CString::new(sql).map_err(|e| e.to_string())?;
        let mut handle = ptr::null_mut();
        // SAFETY: valid NUL-terminated strings; the handle is closed on every path below and
        // the error string is freed with sqlite3_free, as the API asks.
        unsafe {
            if ffi::sqlite3_open(path.as_ptr(), &mut handle) != ffi::SQLITE_OK {
                ffi::sqlite3_close(handle);
                return Err(format!("cannot open {}", db.display()));
            }
            let mut error = ptr::null_mut();
            let rc = ffi::sqlite3_exec(handle, sql.as_ptr(), None, ptr::null_mut(), &mut error);
            let result = if rc == ffi::SQLITE_OK {
                Ok(())
            } else if error.is_null() {
                Err(format!("sqlite3_exec failed with code {rc}"))
            } else {
                Err(CStr::from_ptr(error).to_string_lossy().into_owned())
            };
            ffi::sqlite3_free(error.cast());
            // an open transaction is rolled back when the connection closes
            ffi::sqlite3_close(handle);
            result
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The client's side, the same on every database

/// The up scripts in order, each through `run` (the client); stops at the first failure,
/// which is an error.
fn client_ups(
    order: &[&Migration],
    mut run: impl FnMut(&Script) -> Result<(), String>,
) -> Result<(), String> {
    order
        .iter()
        .try_for_each(|m| run(m.up()).map_err(|e| format!("{}: {e}", m.up().file())))
}

/// The down scripts, newest first, each through `run` (the client), going on after failures;
/// the versions whose down failed.
fn client_downs(
    order: &[&Migration],
    mut run: impl FnMut(&Script) -> Result<(), String>,
) -> Vec<Version> {
    order
        .iter()
        .rev()
        .filter_map(|m| Some((m.version(), m.down()?)))
        .filter(|(_, down)| run(down).is_err())
        .map(|(version, _)| version)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The runtime's side, the same on every database

fn load(set: &Set, problems: &mut Problems) -> Option<Migrator> {
    let migrator = match Migrator::from_dir(&set.dir) {
        Ok(m) => m,
        Err(e) => {
            problems.add(set, format!("from_dir: {e}"));
            return None;
        }
    };
    if migrator.migrations().len() != set.migrations {
        problems.add(
            set,
            format!(
                "{} migrations, sets.json says {}",
                migrator.migrations().len(),
                set.migrations
            ),
        );
    }
    if set.down.is_none() && migrator.migrations().iter().any(|m| m.down().is_some()) {
        problems.add(
            set,
            "the set has down scripts but sets.json lists no `down` outcome",
        );
    }
    Some(migrator)
}

/// The order the set's own tool applies it in, which the clients follow: diesel compares the
/// directory names' digits as text (`2026-05-27-120000` before `2026-05-27-120000-0000`, and
/// after `2025-11-19-091444-0000`), every other tool compares versions as numbers. The
/// runtime must apply a set in its tool's order.
fn upstream_order<'m>(
    set: &Set,
    migrator: &'m Migrator,
    problems: &mut Problems,
) -> Vec<&'m Migration> {
    let mut order: Vec<&Migration> = migrator.migrations().iter().collect();
    if set.scheme == "diesel" {
        order.sort_by_key(|m| {
            let dir = Path::new(m.up().file()).parent().and_then(Path::file_name);
            let dir = dir.map(|d| d.to_string_lossy().into_owned());
            let dir = dir.unwrap_or_default();
            dir.split('_').next().unwrap_or_default().replace('-', "")
        });
    }
    let runtime = migrator.migrations().iter();
    if let Some((ours, theirs)) = runtime
        .zip(&order)
        .find(|(a, b)| a.version() != b.version())
    {
        problems.add(
            set,
            format!(
                "the runtime applies {} before {}, {} the other way round",
                ours.up().file(),
                theirs.up().file(),
                set.scheme
            ),
        );
    }
    order
}

/// Runs every up script; true when they passed as listed (then the schema can be compared).
async fn check_up<DB: Driver>(
    set: &Set,
    migrator: &Migrator,
    pool: &Pool<DB>,
    dialect: Dialect,
    positioned: bool,
    problems: &mut Problems,
) -> bool {
    let result = runner(migrator).run(pool).await;
    let applied = match applied(migrator, pool).await {
        Ok(applied) => applied,
        Err(e) => {
            problems.add(set, format!("status after the ups: {e}"));
            return false;
        }
    };
    println!(
        "{}: up {}, {applied} recorded as applied",
        set.name,
        match &result {
            Ok(_) => "passed".to_owned(),
            Err(e) => format!("failed: {}", e.to_string().lines().next().unwrap_or("")),
        }
    );
    match (&set.up, result) {
        (Up::Pass, Ok(_)) => {
            if applied != set.migrations {
                problems.add(
                    set,
                    format!(
                        "{applied} migrations recorded as applied, expected {}",
                        set.migrations
                    ),
                );
            }
            applied == set.migrations
        }
        (Up::Pass, Err(e)) => {
            problems.add(
                set,
                format!("the ups failed, sets.json says they pass: {e}"),
            );
            false
        }
        (Up::Fails { at, .. }, Ok(_)) => {
            problems.add(set, format!("the ups passed, sets.json says {at} fails"));
            false
        }
        (
            Up::Fails {
                at,
                applied_before,
                why,
            },
            Err(e),
        ) => {
            match by_name(migrator, at) {
                Some(m) => expect_failure(
                    set,
                    &e,
                    m,
                    m.up(),
                    &ClientError::parse(why),
                    dialect,
                    positioned,
                    problems,
                ),
                None => problems.add(
                    set,
                    format!("sets.json names {at}, which is not in the set"),
                ),
            }
            if applied != *applied_before {
                problems.add(set, format!("{applied} migrations recorded as applied before the failure, expected {applied_before}"));
            }
            false
        }
    }
}

/// Undoes everything, going on after a failing down with `forget_applied`; the versions whose down
/// failed, newest first, or `None` when the runtime stopped with another error.
async fn check_down<DB: Driver>(
    set: &Set,
    migrator: &Migrator,
    pool: &Pool<DB>,
    down: &Down,
    dialect: Dialect,
    positioned: bool,
    problems: &mut Problems,
) -> Option<Vec<Version>> {
    let mut failures = Vec::new();
    for _ in 0..=migrator.migrations().len() {
        match runner(migrator).undo_all(pool).await {
            Ok(_) => break,
            Err(e) => {
                let Error::Failed { version, .. } = &e else {
                    problems.add(
                        set,
                        format!("undo stopped with an error that is not a failing down: {e}"),
                    );
                    return None;
                };
                let version = *version;
                failures.push(e);
                if let Err(e) = runner(migrator).forget_applied(pool, version).await {
                    problems.add(set, format!("forget {version}: {e}"));
                    return None;
                }
            }
        }
    }
    println!(
        "{}: {} downs failed{}",
        set.name,
        failures.len(),
        failures
            .first()
            .map(|e| format!(
                ", the first: {}",
                e.to_string().lines().next().unwrap_or("")
            ))
            .unwrap_or_default()
    );
    match applied(migrator, pool).await {
        Ok(0) => {}
        Ok(n) => problems.add(
            set,
            format!("{n} migrations still recorded as applied after undoing everything"),
        ),
        Err(e) => problems.add(set, format!("status after the downs: {e}")),
    }
    match down {
        Down::Pass => {
            for e in &failures {
                problems.add(set, format!("a down failed, sets.json says they pass: {e}"));
            }
        }
        Down::Fails {
            migration,
            error,
            failing_downs,
        } => {
            match (by_name(migrator, migration), failures.first()) {
                (Some(m), Some(first)) => match m.down() {
                    Some(script) => expect_failure(
                        set,
                        first,
                        m,
                        script,
                        &ClientError::parse(error),
                        dialect,
                        positioned,
                        problems,
                    ),
                    None => problems.add(
                        set,
                        format!("sets.json names the down of {migration}, which has none"),
                    ),
                },
                (None, _) => problems.add(
                    set,
                    format!("sets.json names {migration}, which is not in the set"),
                ),
                (_, None) => problems.add(
                    set,
                    format!("every down passed, sets.json says {migration}'s fails first"),
                ),
            }
            if failures.len() != *failing_downs {
                let list: Vec<String> = failures.iter().map(ToString::to_string).collect();
                problems.add(
                    set,
                    format!(
                        "{} downs failed, sets.json says {failing_downs}:\n{}",
                        failures.len(),
                        list.join("\n")
                    ),
                );
            }
        }
    }
    Some(
        failures
            .iter()
            .filter_map(|e| match e {
                Error::Failed { version, .. } => Some(*version),
                _ => None,
            })
            .collect(),
    )
}

/// The runtime and the client must fail on the same downs.
fn compare_failing_downs(
    set: &Set,
    ours: Option<&[Version]>,
    theirs: &[Version],
    problems: &mut Problems,
) {
    if let Some(ours) = ours {
        if ours != theirs {
            problems.add(
                set,
                format!("the runtime's failing downs {ours:?} differ from the client's {theirs:?}"),
            );
        }
    }
}

/// What is left after a passing down must be what sets.json lists (nothing by default).
fn expect_left(set: &Set, left: &[String], problems: &mut Problems) {
    let expected = set.left_after_down.clone().unwrap_or_default();
    if set.empty_after_down == Some(true) && !expected.is_empty() {
        problems.add(
            set,
            "sets.json says both empty_after_down and left_after_down",
        );
    }
    if set.empty_after_down == Some(false) && set.left_after_down.is_none() {
        problems.add(
            set,
            "sets.json says empty_after_down: false without left_after_down",
        );
    }
    if left != expected.as_slice() {
        problems.add(
            set,
            format!("after the downs {left:#?} is left, sets.json says {expected:#?}"),
        );
    }
}

/// The runtime with its defaults, but a lock timeout that fails a stuck run in seconds: on a
/// fresh database of its own nobody else can hold the lock.
fn runner(migrator: &Migrator) -> Runner<'_> {
    migrator.runner().lock_timeout(Duration::from_secs(10))
}

/// How many migrations the tracking table records as applied.
async fn applied<DB: Driver>(migrator: &Migrator, pool: &Pool<DB>) -> Result<usize, Error> {
    let status = migrator.status(pool).await?;
    Ok(status.iter().filter(|s| s.state == State::Applied).count())
}

/// The migration sets.json calls `<version>_<description>`; a version the runtime pads with
/// zeros (diesel's 14 digits beside its 18-digit form) still matches.
fn by_name<'m>(migrator: &'m Migrator, name: &str) -> Option<&'m Migration> {
    let (digits, description) = name.split_once('_')?;
    migrator.migrations().iter().find(|m| {
        let version = m.version().to_string();
        m.name() == description
            && version
                .strip_prefix(digits)
                .is_some_and(|rest| rest.bytes().all(|b| b == b'0'))
    })
}

/// What a client's error text says, in the parts the runtime is held to.
#[derive(Debug)]
struct ClientError {
    /// The database's own message.
    message: String,
    /// What a syntax error is near, which the reported line must hold.
    near: Option<String>,
    /// The line the client names, counted in the script it was fed (the file, or a goose
    /// section): psql's `file:N:` is where the statement it sent ends, the sqlite3 shell's
    /// `near line N` where it starts.
    line: Option<u32>,
}

impl ClientError {
    /// psql's `file:N: ERROR:  message`, the sqlite3 shell's `Parse error near line N:
    /// message`, or a bare message.
    fn parse(text: &str) -> ClientError {
        let (message, line) = if let Some((place, message)) = text.split_once(": ERROR:  ") {
            let line = place.rsplit_once(':').and_then(|(_, n)| n.parse().ok());
            (message.lines().next().unwrap_or(""), line)
        } else if let Some(rest) = text.strip_prefix("Parse error near line ") {
            let first = rest.lines().next().unwrap_or("");
            match first.split_once(": ") {
                Some((n, message)) => (message, n.parse().ok()),
                None => (first, None),
            }
        } else {
            (text, None)
        };
        let near = message
            .split_once("near \"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(token, _)| token.to_owned());
        ClientError {
            message: message.to_owned(),
            near,
            line,
        }
    }
}

/// `error` must be the failure of `script` of `m`, with the client's message, on a line of the
/// failing statement: the one the client named, holding the token a syntax error is near
/// (at the reported column, where the database gives a position).
#[allow(clippy::too_many_arguments)]
fn expect_failure(
    set: &Set,
    error: &Error,
    m: &Migration,
    script: &Script,
    expected: &ClientError,
    dialect: Dialect,
    positioned: bool,
    problems: &mut Problems,
) {
    let Error::Failed {
        version,
        file,
        line: Some(line),
        column,
        source,
        ..
    } = error
    else {
        return problems.add(
            set,
            format!(
                "expected {} to fail in {}, got: {error}",
                m.version(),
                script.file()
            ),
        );
    };
    let mut wrong = Vec::new();
    if *version != m.version() || file != script.file() {
        wrong.push(format!(
            "expected version {} in {}",
            m.version(),
            script.file()
        ));
    }
    let message = source.to_string();
    if !message.contains(&expected.message) {
        wrong.push(format!(
            "the message does not hold the client's {:?}",
            expected.message
        ));
    }
    let spans = statement_spans(script, dialect);
    let within = |n: u32| {
        spans
            .iter()
            .find(|(start, end)| (*start..=*end).contains(&n))
    };
    match within(*line) {
        None => wrong.push(format!(
            "line {line} is not in a statement (statements at {spans:?})"
        )),
        Some(span) => {
            if let Some(client) = expected.line.map(|n| script.line() + n - 1) {
                if within(client) != Some(span) {
                    wrong.push(format!("the client failed in the statement at line {client}, not the one at lines {span:?}"));
                }
            }
        }
    }
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let line_text = text
        .lines()
        .nth((*line as usize).saturating_sub(1))
        .unwrap_or("");
    if let Some(token) = &expected.near {
        if !holds_word(line_text, token) {
            wrong.push(format!("line {line} `{line_text}` does not hold {token:?}"));
        } else if positioned {
            let Some(column) = column else {
                return problems.add(
                    set,
                    format!("no column in {error}, but the database gave a position"),
                );
            };
            let at: String = line_text
                .chars()
                .skip((*column as usize).saturating_sub(1))
                .collect();
            if !at.starts_with(token.as_str()) {
                wrong.push(format!(
                    "column {column} of line {line} is not at {token:?}: `{at}`"
                ));
            }
        }
    }
    if !wrong.is_empty() {
        problems.add(
            set,
            format!("wrong failure report {error}\n  {}", wrong.join("\n  ")),
        );
    }
}

/// The file lines of each statement of a script, first to last line of the SQL it sends.
fn statement_spans(script: &Script, dialect: Dialect) -> Vec<(u32, u32)> {
    let sql = script.sql();
    let to_file = |offset: usize| script.line() + split::line_col(sql, offset).0 - 1;
    split::split(sql, dialect)
        .iter()
        .filter(|s| !s.is_blank())
        .map(|s| {
            let start = s.sql_offset();
            (
                to_file(start),
                to_file(start + s.sql().len().saturating_sub(1)),
            )
        })
        .collect()
}

fn holds_word(line: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    line.match_indices(word).any(|(i, _)| {
        !line[..i].chars().next_back().is_some_and(ident)
            && !line[i + word.len()..].chars().next().is_some_and(ident)
    })
}

// ---------------------------------------------------------------------------------------------
// Plumbing

/// Everything that went wrong, by set, reported at the end so one run shows all of it.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, set: &Set, what: impl Display) {
        let what = what.to_string();
        eprintln!("{}: {what}", set.name);
        self.0.push(format!("{}: {what}", set.name));
    }

    fn assert_none(&self) {
        assert!(
            self.0.is_empty(),
            "{} problems:\n\n{}",
            self.0.len(),
            self.0.join("\n\n")
        );
    }
}

/// A temporary directory for databases and extracted scripts, deleted on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(what: &str) -> Scratch {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "migrate-corpus-{what}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        // readable by the `postgres` user the cluster may run as
        let _ = std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o755));
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// A file holding exactly `script`: its own file, or, for a section of a goose or dbmate
    /// file (which psql would run whole, down section included), the section written out —
    /// the honest equivalent of "the same file" for those schemes.
    fn script_file(&self, script: &Script) -> PathBuf {
        let own = Path::new(script.file());
        if std::fs::read_to_string(own).is_ok_and(|text| text == script.sql()) {
            return own.to_owned();
        }
        let name = script.file().replace(['/', '.'], "_");
        let path = self.path(&format!("{name}_{}.sql", script.line()));
        std::fs::write(&path, script.sql()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Lines only in `ours` and only in `theirs`, in order, for a readable failure.
fn diff(ours: &[String], theirs: &[String]) -> String {
    let mut rest: Vec<&String> = theirs.iter().collect();
    let mut only_ours = Vec::new();
    for line in ours {
        match rest.iter().position(|l| *l == line) {
            Some(i) => {
                rest.remove(i);
            }
            None => only_ours.push(line),
        }
    }
    let mut out = String::new();
    for line in only_ours.iter().take(40) {
        out.push_str(&format!("  runtime only: {line}\n"));
    }
    for line in rest.iter().take(40) {
        out.push_str(&format!("  client only:  {line}\n"));
    }
    if out.is_empty() {
        out.push_str("  the same lines in another order\n");
    }
    out
}

#[test]
fn client_errors_parse() {
    let psql = ClientError::parse(
        "m/2024-10-25-112826_x/down.sql:2: ERROR:  constraint \"c\" of relation \"v\" does not exist",
    );
    assert_eq!(
        psql.message,
        "constraint \"c\" of relation \"v\" does not exist"
    );
    assert_eq!((psql.line, psql.near), (Some(2), None));
    let shell = ClientError::parse(
        "Parse error near line 2: near \"index\": syntax error\n  alter table t drop index i;\n   error here ---^",
    );
    assert_eq!(shell.message, "near \"index\": syntax error");
    assert_eq!(
        (shell.line, shell.near.as_deref()),
        (Some(2), Some("index"))
    );
    let why = ClientError::parse("syntax error at or near \"OR\"");
    assert_eq!((why.line, why.near.as_deref()), (None, Some("OR")));
    assert!(holds_word("INSERT OR IGNORE INTO t", "OR"));
    assert!(!holds_word("SELECT 1 ORDER BY 1", "OR"));
}
