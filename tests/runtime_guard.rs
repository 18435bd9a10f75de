//! Repeatable migrations and timeouts on every database: the scenarios of
//! support/guard_scenarios.rs and the timeouts each database sets; on PostgreSQL, the lock
//! timeout's retries against a table a psql session holds, and the fast path over repeatable
//! migrations counted in the server's log.

#[path = "support/runtime.rs"]
mod runtime;
#[path = "support/guard_scenarios.rs"]
mod scenarios;

use std::time::Duration;

use migrate::sqlx;

use runtime::{Db, Dir, Lite, Maria, Pg};

/// One `#[tokio::test]` per line: a scenario on the database `$fresh(test name)` makes.
macro_rules! tests {
    ($($name:ident: $scenario:ident on $fresh:expr;)*) => {$(
        #[tokio::test]
        async fn $name() {
            let Some(db) = ($fresh)(stringify!($name)).await else {
                return;
            };
            scenarios::$scenario(&db).await;
        }
    )*};
}

tests! {
    repeatables_on_postgres: repeatables_follow_the_versioned on Pg::fresh;
    repeatables_on_sqlite: repeatables_follow_the_versioned on |_| async { Some(Lite::fresh().await) };
    repeatables_on_mariadb: repeatables_follow_the_versioned on Maria::fresh;
    repeatable_resume_on_postgres: a_failed_repeatable_resumes on Pg::fresh;
    repeatable_resume_on_sqlite: a_failed_repeatable_resumes on |_| async { Some(Lite::fresh().await) };
    repeatable_resume_on_mariadb: a_failed_repeatable_resumes on Maria::fresh;
    repeatable_rollback_on_postgres: a_failed_transactional_repeatable_rolls_back on Pg::fresh;
    repeatable_rollback_on_sqlite: a_failed_transactional_repeatable_rolls_back on |_| async { Some(Lite::fresh().await) };
    undo_forgets_on_postgres: undo_forgets_repeatables on Pg::fresh;
    undo_forgets_on_sqlite: undo_forgets_repeatables on |_| async { Some(Lite::fresh().await) };
    undo_forgets_on_mariadb: undo_forgets_repeatables on Maria::fresh;
}

/// Whether migration `version` saw these settings (SQL literals).
async fn saw<D: Db>(db: &D, version: i64, lock: &str, statement: &str) -> bool {
    let sql = format!(
        "SELECT COUNT(*) FROM settings WHERE v = {version} AND l = {lock} AND s = {statement}"
    );
    db.count(&sql).await == 1
}

/// PostgreSQL: `SET LOCAL` in the migration's transaction, `SET` around a no-transaction
/// script and `RESET` after; a file's directive wins over the runner's default.
#[tokio::test]
async fn timeouts_on_postgres() {
    let Some(db) = Pg::fresh("timeouts").await else {
        return;
    };
    let read = |v: i64| {
        format!("INSERT INTO settings VALUES ({v}, current_setting('lock_timeout'), current_setting('statement_timeout'));\n")
    };
    let dir = Dir::new(&[(
        "1_settings.sql",
        "CREATE TABLE settings (v INT, l TEXT, s TEXT);\n",
    )]);
    dir.write(
        "2_wrapped.sql",
        &format!("-- migrate:lock-timeout 100ms\n{}", read(2)),
    );
    dir.write(
        "3_outside.sql",
        &format!(
            "-- migrate:no-transaction\n-- migrate:statement-timeout 2min\n{}",
            read(3)
        ),
    );
    let pool = db.new_pool(1).await;
    let set = dir.migrator();
    let runner = set
        .runner()
        .ddl_lock_timeout(Duration::from_secs(1))
        .statement_timeout(Duration::from_secs(5));
    runner.run(&pool).await.expect("run");
    assert!(saw(&db, 2, "'100ms'", "'5s'").await);
    assert!(saw(&db, 3, "'1s'", "'2min'").await);
    // nothing outlives its migration on the connection that ran them
    let after: (String, String) = sqlx::query_as(
        "SELECT current_setting('lock_timeout'), current_setting('statement_timeout')",
    )
    .fetch_one(&pool)
    .await
    .expect("settings after");
    assert_eq!(after, ("0".into(), "0".into()));
}

/// MariaDB: `SET STATEMENT … FOR` each statement, so nothing outlives it.
#[tokio::test]
async fn timeouts_on_mariadb() {
    let Some(db) = Maria::fresh("timeouts").await else {
        return;
    };
    let dir = Dir::new(&[(
        "1_settings.sql",
        "-- migrate:lock-timeout 2s\n-- migrate:statement-timeout 1500ms\n\
         CREATE TABLE settings (v INT, l DOUBLE, s DOUBLE);\n\
         INSERT INTO settings VALUES (1, @@lock_wait_timeout, @@max_statement_time);\n",
    )]);
    let pool = db.new_pool(1).await;
    dir.migrator().run(&pool).await.expect("run");
    assert!(saw(&db, 1, "2", "1.5").await);
    let after: f64 = sqlx::query_scalar("SELECT CAST(@@max_statement_time AS DOUBLE)")
        .fetch_one(&pool)
        .await
        .expect("after");
    assert!(
        after == 0.0,
        "max_statement_time outlived the migration: {after}"
    );
}

/// SQLite has no such timeouts: the directives change nothing.
#[tokio::test]
async fn timeouts_on_sqlite_are_accepted() {
    let db = Lite::fresh().await;
    let dir = Dir::new(&[(
        "1_t.sql",
        "-- migrate:lock-timeout 1s\nCREATE TABLE t (id INT);\n",
    )]);
    let set = dir.migrator();
    assert_eq!(
        set.migrations()[0].up().lock_timeout(),
        Some(Duration::from_secs(1))
    );
    let report = set
        .runner()
        .statement_timeout(Duration::from_secs(1))
        .run(&db.pool)
        .await;
    assert_eq!(report.expect("run").migrations.len(), 1);
}

/// A `psql` session of its own that takes `ACCESS EXCLUSIVE` on `table` in database `name`
/// and holds it for `seconds`; returns once the lock is granted.
async fn hold_table(db: &Pg, name: &str, table: &str, seconds: f64) -> std::process::Child {
    let sql = format!(
        "BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep({seconds}); COMMIT;"
    );
    let child = db
        .cluster
        .psql(name)
        .args(["-q", "-c", &sql])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("psql");
    let granted = format!(
        "SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
         WHERE c.relname = '{table}' AND l.mode = 'AccessExclusiveLock' AND l.granted"
    );
    runtime::wait_until(Duration::from_secs(10), "psql holds the lock", || async {
        db.count(&granted).await == 1
    })
    .await;
    child
}

/// How many of `statements` (a server log) hold `text`.
fn sent(statements: &[String], text: &str) -> usize {
    statements.iter().filter(|s| s.contains(text)).count()
}

const ACCOUNTS: &str = "CREATE TABLE accounts (id INT);\n";
const NOTE: &str = "-- migrate:lock-timeout 100ms\nALTER TABLE accounts ADD COLUMN note TEXT;\n";

/// A psql session holds `ACCESS EXCLUSIVE` on the table for 3 s while a migration alters it
/// with a 100 ms lock timeout: the migration's transaction is rolled back and tried again,
/// whole, until the lock is gone.
#[tokio::test]
async fn lock_timeout_retries_until_the_table_is_free() {
    let name = "lock_retries";
    let Some(db) = Pg::fresh(name).await else {
        return;
    };
    let dir = Dir::new(&[("1_accounts.sql", ACCOUNTS)]);
    dir.migrator().run(&db.pool).await.expect("the table");
    dir.write("2_note.sql", NOTE);
    let set = dir.migrator();
    // each retry is told to the observer, with its pause
    let told = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = std::sync::Arc::clone(&told);
    let runner = set
        .runner()
        .lock_retries(8)
        .lock_retry_pause(Duration::from_millis(200))
        .on_progress(move |p| {
            if let migrate::Progress::LockRetry {
                subject,
                attempt,
                timeout,
                pause,
                ..
            } = p
            {
                if let Ok(mut told) = seen.lock() {
                    told.push((subject.to_owned(), attempt, timeout, pause));
                }
            }
        });
    let pool = db.new_pool(1).await;
    let mut holder = hold_table(&db, name, "accounts", 3.0).await;
    let start = std::time::Instant::now();
    let (report, statements) = runtime::logged(&db, &pool, runner.run(&pool)).await;
    let waited = start.elapsed();
    assert_eq!(runtime::versions(&report.expect("run")), [2]);
    // each attempt is one batch (the log shows its first line), and each failed one a rollback
    let attempts = sent(&statements, "statement: BEGIN;");
    assert!(attempts >= 2, "{attempts} attempts: {statements:#?}");
    assert_eq!(sent(&statements, "statement: ROLLBACK"), attempts - 1);
    assert!(waited >= Duration::from_secs(2), "{waited:?}");
    let told = told.lock().map(|t| t.clone()).unwrap_or_default();
    assert_eq!(told.len(), attempts - 1, "{told:?}");
    for (i, (subject, attempt, timeout, pause)) in told.iter().enumerate() {
        assert_eq!((subject.as_str(), *attempt), ("migration 2", i as u32 + 1));
        assert_eq!(*timeout, Some(Duration::from_millis(100)));
        // doubling from 200 ms, each jittered between half of it and all of it
        let full = Duration::from_millis(200) * 2u32.pow(i as u32);
        assert!(*pause >= full / 2 && *pause <= full, "{i}: {pause:?}");
    }
    let paused: Duration = told.iter().map(|t| t.3).sum();
    // the figures of the note: attempts, pauses and the time until the migration went through
    eprintln!(
        "figure: lock held 3 s, lock_timeout 100ms, first pause 200ms: {attempts} attempts, {paused:.2?} of pauses, {waited:.2?} in all"
    );
    assert!(holder.wait().expect("psql").success());
    assert_eq!(db.count("SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'note'").await, 1);
}

/// With the retries exhausted, the error names the statement (and so the table), the timeout
/// and the attempts; nothing of the migration is applied.
#[tokio::test]
async fn lock_timeout_retries_exhausted() {
    let name = "lock_retries_exhausted";
    let Some(db) = Pg::fresh(name).await else {
        return;
    };
    let dir = Dir::new(&[("1_accounts.sql", ACCOUNTS)]);
    dir.migrator().run(&db.pool).await.expect("the table");
    dir.write("2_note.sql", NOTE);
    let set = dir.migrator();
    let runner = set
        .runner()
        .lock_retries(2)
        .lock_retry_pause(Duration::from_millis(100));
    let mut holder = hold_table(&db, name, "accounts", 4.0).await;
    let error = runner
        .run(&db.pool)
        .await
        .expect_err("the table stays locked");
    assert!(
        matches!(&error, migrate::Error::LockNotAvailable { wait, .. } if wait.version.map(|v| v.get()) == Some(2) && wait.attempts == 3 && wait.timeout == Some(Duration::from_millis(100)) && wait.line == Some(2) && wait.table.as_deref() == Some("accounts")),
        "{error:?}"
    );
    runtime::Says::assert_says(&error, [
        "migration 2 (",
        "2_note.sql:2) could not get a lock on table accounts for its statement `ALTER TABLE accounts ADD COLUMN note TEXT` within its lock timeout of 100ms, in 3 attempts (2 retries) over",
        "nothing of it is applied",
        "raise `Runner::ddl_lock_timeout` or `Runner::lock_retries`",
    ]);
    let source = std::error::Error::source(&error).map(ToString::to_string);
    assert!(
        source.is_some_and(|s| s.contains("SQLSTATE 55P03")),
        "{error:?}"
    );
    let status = set.status(&db.pool).await.expect("status");
    assert_eq!(status[1].state, migrate::State::Pending);
    assert!(holder.wait().expect("psql").success());
}

/// Outside a transaction only the statement that waited is tried again: the one before it ran
/// once; the session's timeouts are set around the script and reset after.
#[tokio::test]
async fn lock_timeout_retries_one_statement_outside_a_transaction() {
    let name = "lock_retries_statement";
    let Some(db) = Pg::fresh(name).await else {
        return;
    };
    let dir = Dir::new(&[("1_accounts.sql", ACCOUNTS)]);
    dir.migrator().run(&db.pool).await.expect("the table");
    dir.write(
        "2_pair.sql",
        "-- migrate:no-transaction\n-- migrate:lock-timeout 100ms\n\
         CREATE TABLE other (id INT);\nALTER TABLE accounts ADD COLUMN flag INT;\n",
    );
    let set = dir.migrator();
    let runner = set
        .runner()
        .lock_retries(8)
        .lock_retry_pause(Duration::from_millis(200));
    let pool = db.new_pool(1).await;
    let mut holder = hold_table(&db, name, "accounts", 2.0).await;
    let (report, statements) = runtime::logged(&db, &pool, runner.run(&pool)).await;
    assert_eq!(runtime::versions(&report.expect("run")), [2]);
    assert_eq!(
        sent(&statements, "CREATE TABLE other"),
        1,
        "{statements:#?}"
    );
    assert!(
        sent(&statements, "ALTER TABLE accounts ADD COLUMN flag") >= 2,
        "{statements:#?}"
    );
    assert_eq!(
        sent(&statements, "SET lock_timeout = '100ms'"),
        1,
        "{statements:#?}"
    );
    assert_eq!(
        sent(&statements, "RESET lock_timeout"),
        1,
        "{statements:#?}"
    );
    assert!(holder.wait().expect("psql").success());
}

/// Nothing pending costs one statement with repeatable migrations too: the newest row's
/// chain covers them. An edit of one makes the next run apply it, and only it.
#[tokio::test]
async fn fast_path_covers_repeatable_migrations() {
    let Some(db) = Pg::fresh("fast_path_repeatables").await else {
        return;
    };
    let dir = Dir::new(&[("1_t.sql", "CREATE TABLE t (x INT);\n")]);
    dir.write(
        "repeatable/v.sql",
        "CREATE OR REPLACE VIEW v AS SELECT x FROM t;\n",
    );
    dir.write(
        "repeatable/w.sql",
        "CREATE OR REPLACE VIEW w AS SELECT 1 AS one;\n",
    );
    let pool = db.new_pool(1).await;
    let report = dir.migrator().run(&pool).await.expect("first run");
    assert_eq!(report.repeatables.len(), 2);
    let (second, statements) = runtime::logged(&db, &pool, dir.migrator().run(&pool)).await;
    assert!(second.expect("second run").is_empty());
    assert_eq!(statements.len(), 1, "{statements:#?}");
    dir.write(
        "repeatable/w.sql",
        "CREATE OR REPLACE VIEW w AS SELECT 2 AS one;\n",
    );
    let (third, statements) = runtime::logged(&db, &pool, dir.migrator().run(&pool)).await;
    let third = third.expect("after an edit");
    let names: Vec<&str> = third.repeatables.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["w"]);
    assert!(statements.len() > 1);
    let (fourth, statements) = runtime::logged(&db, &pool, dir.migrator().run(&pool)).await;
    assert!(fourth.expect("fourth run").is_empty());
    assert_eq!(statements.len(), 1, "{statements:#?}");
    assert_eq!(db.count("SELECT one FROM w").await, 2);
}
