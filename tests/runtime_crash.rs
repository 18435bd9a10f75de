//! A child process running migrations is killed with SIGKILL in the middle of a migration.
//!
//! Outside a transaction (and on MariaDB, where every file runs statement by statement) the
//! next run stops with `Error::Dirty`, naming the version, the file and the statement where
//! it stopped; after the fix, `resume` continues there without running the earlier statements
//! again (statement 1 inserts into a table without a unique constraint: one row proves it ran
//! once). Inside a transaction nothing of the migration remains and the next run applies it.
//!
//! The slow statement is slow only while the test's `crash_control` table says so, which
//! stands for "the fix". While the child is stuck there, another runner times out on the lock
//! and names the child as the holder.

#![cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]

#[path = "support/runtime.rs"]
mod runtime;

use std::time::Duration;

use migrate::{Error, Migrator, State};

use runtime::{states, versions, wait_until, ChildProc, Db, Dir, Says};

const PATIENCE: Duration = Duration::from_secs(60);

/// A no-transaction migration 2 whose statement 2 (line 4) is `slow`.
fn no_transaction_set(slow: &str) -> Dir {
    Dir::new(&[
        ("1_setup.sql", "CREATE TABLE before_crash (id INT);\n"),
        (
            "2_slow.sql",
            &format!(
                "-- migrate:no-transaction\n-- statement 1 leaves a row, statement 2 is slow\n\
                 INSERT INTO crash_log (note) VALUES ('statement 1');\n\
                 {slow}\n\
                 CREATE TABLE after_crash (id INT);\n"
            ),
        ),
    ])
}

/// Waits until the child is in statement 2 of migration 2.
async fn wait_in_statement_2<D: Db>(db: &D) {
    wait_until(PATIENCE, "the child finished statement 1", || async {
        db.has_table("_migrations").await
            && db
                .count("SELECT COUNT(*) FROM _migrations WHERE version = 2 AND statements_done = 1")
                .await
                == 1
    })
    .await;
}

/// Another runner meanwhile times out on the lock, naming `holder`.
async fn lock_is_held_by<D: Db>(db: &D, set: &Migrator, holder: &str) {
    let err = set
        .runner()
        .lock_timeout(Duration::from_millis(300))
        .run(db.pool())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::LockTimeout { holder: Some(h), .. } if h.contains(holder)),
        "expected the lock held by {holder}: {err}"
    );
}

/// The run after the crash: dirty, then resumed after the fix, without repeating statement 1.
async fn dirty_then_resume<D: Db>(db: &D, dir: &Dir, fix: &str) {
    let set = dir.migrator();
    let err = set.run(db.pool()).await.unwrap_err();
    let file = dir.shown("2_slow.sql");
    assert!(
        matches!(&err, Error::Dirty { version, file: f, done: 1, total: 3, line: 4, error: None }
            if version.get() == 2 && *f == file),
        "{err:?}"
    );
    err.assert_says([
        format!("migration 2 ({file}) is dirty"),
        format!("stopped after statement 1 of 3, before {file}:4 (the process stopped mid-way)"),
        "statements 1 to 1 are applied".to_owned(),
        "run again with `Runner::resume(true)`".to_owned(),
    ]);
    let status = set.status(db.pool()).await.expect("status");
    assert_eq!(
        status[1].state,
        State::Dirty {
            statements_done: 1,
            error: None
        }
    );
    let plan = set
        .runner()
        .resume(true)
        .plan(db.pool())
        .await
        .expect("plan");
    assert_eq!(plan.len(), 1);
    assert!(
        !plan[0].sql.contains("INSERT INTO crash_log"),
        "{}",
        plan[0].sql
    );

    db.exec(fix).await;
    let report = set
        .runner()
        .resume(true)
        .run(db.pool())
        .await
        .expect("resume");
    assert_eq!(versions(&report), [2]);
    assert_eq!(
        db.count("SELECT COUNT(*) FROM crash_log").await,
        1,
        "statement 1 ran again"
    );
    assert!(db.has_table("after_crash").await);
    let status = set.status(db.pool()).await.expect("status");
    assert_eq!(states(&status), [(1, State::Applied), (2, State::Applied)]);
    assert!(set
        .run(db.pool())
        .await
        .expect("up to date")
        .migrations
        .is_empty());
}

/// A transactional migration 1 whose statement 3 is `slow`.
fn transactional_set(slow: &str) -> Dir {
    Dir::new(&[(
        "1_slow.sql",
        &format!(
            "CREATE TABLE tx_part (id INT);\nINSERT INTO crash_log (note) VALUES ('statement 2');\n{slow}\n"
        ),
    )])
}

/// Nothing of the killed transactional migration remains, and the next run applies it.
async fn nothing_remains_then_apply<D: Db>(db: &D, dir: &Dir, fix: &str) {
    assert!(!db.has_table("tx_part").await, "statement 1 survived");
    assert_eq!(db.count("SELECT COUNT(*) FROM crash_log").await, 0);
    assert_eq!(db.tracked().await, 0);
    db.exec(fix).await;
    let report = dir.migrator().run(db.pool()).await.expect("run");
    assert_eq!(versions(&report), [1]);
    assert!(db.has_table("tx_part").await);
    assert_eq!(db.count("SELECT COUNT(*) FROM crash_log").await, 1);
}

#[cfg(feature = "postgres")]
const PG_SLOW: &str =
    "SELECT pg_sleep(CASE WHEN (SELECT slow FROM crash_control) THEN 600 ELSE 0 END);";

#[cfg(feature = "postgres")]
async fn pg_setup(name: &str) -> Option<runtime::Pg> {
    let db = runtime::Pg::fresh(name).await?;
    db.exec(
        "CREATE TABLE crash_control (slow BOOLEAN); INSERT INTO crash_control VALUES (TRUE);\
         CREATE TABLE crash_log (note TEXT);",
    )
    .await;
    Some(db)
}

/// The backend pid running the slow statement, once it runs.
#[cfg(feature = "postgres")]
async fn pg_sleeper(db: &runtime::Pg, what: &str) -> i64 {
    let sql = format!(
        "SELECT COALESCE(MAX(pid), 0) FROM pg_stat_activity WHERE datname = current_database() \
         AND state = 'active' AND query LIKE '%{what}%' AND pid <> pg_backend_pid()"
    );
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let pid = db.count(&sql).await;
        if pid != 0 {
            return pid;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the child never ran the slow statement"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_killed_outside_a_transaction() {
    let Some(db) = pg_setup("crash_no_tx").await else {
        return;
    };
    let dir = no_transaction_set(PG_SLOW);
    let child = ChildProc::spawn("postgres", &db.url, dir.path(), false);
    wait_in_statement_2(&db).await;
    let pid = pg_sleeper(&db, "pg_sleep").await;
    lock_is_held_by(&db, &dir.migrator(), &format!("pid {pid} ")).await;
    child.kill().await;
    dirty_then_resume(&db, &dir, "UPDATE crash_control SET slow = FALSE").await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_killed_inside_a_transaction() {
    let Some(db) = pg_setup("crash_tx").await else {
        return;
    };
    let dir = transactional_set(PG_SLOW);
    let child = ChildProc::spawn("postgres", &db.url, dir.path(), false);
    let pid = pg_sleeper(&db, "tx_part").await;
    child.kill().await;
    // The server ends the dead client's session, rolling its transaction back.
    let gone = format!("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = {pid}");
    wait_until(PATIENCE, "the killed child's session ends", || async {
        db.count(&gone).await == 0
    })
    .await;
    nothing_remains_then_apply(&db, &dir, "UPDATE crash_control SET slow = FALSE").await;
}

/// A recursive count to `crash_control.n`: seconds of work while n is huge, nothing at 1.
#[cfg(feature = "sqlite")]
const SQLITE_SLOW: &str = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c \
     WHERE x < (SELECT n FROM crash_control)) SELECT COUNT(*) FROM c;";

#[cfg(feature = "sqlite")]
async fn sqlite_setup() -> runtime::Lite {
    let db = runtime::Lite::fresh().await;
    db.exec(
        "CREATE TABLE crash_control (n INTEGER); INSERT INTO crash_control VALUES (1000000000000);\
         CREATE TABLE crash_log (note TEXT);",
    )
    .await;
    db
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_killed_outside_a_transaction() {
    let db = sqlite_setup().await;
    let dir = no_transaction_set(SQLITE_SLOW);
    let child = ChildProc::spawn("sqlite", &db.url(), dir.path(), false);
    wait_in_statement_2(&db).await;
    // The lock is a file lock: held by the child process, released by the OS when it dies.
    lock_is_held_by(&db, &dir.migrator(), &format!("process {} ", child.id())).await;
    child.kill().await;
    dirty_then_resume(&db, &dir, "UPDATE crash_control SET n = 1").await;
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_killed_inside_a_transaction() {
    let db = sqlite_setup().await;
    let dir = transactional_set(SQLITE_SLOW);
    let mut child = ChildProc::spawn("sqlite", &db.url(), dir.path(), false);
    child.wait_for("child: running").await;
    // The rollback journal exists while a write transaction is open; the tracking table's
    // creation opens and closes one in an instant, the migration's stays.
    let journal = std::path::PathBuf::from(format!("{}-journal", db.file.display()));
    let mut since = None;
    wait_until(
        PATIENCE,
        "the child is inside the migration's transaction",
        || {
            let exists = journal.exists();
            let now = tokio::time::Instant::now();
            let held = match (exists, since) {
                (false, _) => {
                    since = None;
                    false
                }
                (true, None) => {
                    since = Some(now);
                    false
                }
                (true, Some(t)) => now - t > Duration::from_millis(300),
            };
            async move { held }
        },
    )
    .await;
    child.kill().await;
    assert!(
        journal.exists(),
        "no hot journal: the kill missed the transaction"
    );
    nothing_remains_then_apply(&db, &dir, "UPDATE crash_control SET n = 1").await;
}

#[cfg(feature = "mysql")]
const MARIADB_SLOW: &str = "SELECT SLEEP((SELECT secs FROM crash_control));";

#[cfg(feature = "mysql")]
#[tokio::test]
async fn mariadb_killed_mid_migration() {
    let Some(db) = runtime::Maria::fresh("crash").await else {
        return;
    };
    db.exec(
        "CREATE TABLE crash_control (secs INT); INSERT INTO crash_control VALUES (600);\
         CREATE TABLE crash_log (note TEXT);",
    )
    .await;
    // Without a directive: MariaDB runs every file statement by statement.
    let dir = no_transaction_set(MARIADB_SLOW);
    dir.write(
        "2_slow.sql",
        &std::fs::read_to_string(dir.path().join("2_slow.sql"))
            .expect("read")
            .replace("-- migrate:no-transaction", "-- (transactional elsewhere)"),
    );
    let child = ChildProc::spawn("mysql", &db.url, dir.path(), false);
    wait_in_statement_2(&db).await;
    let sleeper = "SELECT COALESCE(MAX(id), 0) FROM information_schema.processlist \
                   WHERE info LIKE 'SELECT SLEEP(%'";
    let id = db.count(sleeper).await;
    assert_ne!(id, 0, "the child's session is not in statement 2");
    lock_is_held_by(&db, &dir.migrator(), &format!("connection id {id}")).await;
    child.kill().await;
    // MariaDB notices a dead client only when its statement ends; a crashed host's session
    // would linger as long. End it as the server eventually would.
    db.exec(&format!("KILL {id}")).await;
    dirty_then_resume(&db, &dir, "UPDATE crash_control SET secs = 0").await;
}
