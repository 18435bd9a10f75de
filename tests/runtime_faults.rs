//! Faults an operator meets, each reproduced on the real databases: a resume over an edited
//! file, a script with `COMMIT`, an error without a position, a migration that changes the
//! session, runners that spell the tracking table differently, a table named like a bind
//! parameter, a role without CREATE, a lock timeout past every database's range, a killed
//! connection, a read-only or locked SQLite file.

#[path = "support/runtime.rs"]
mod runtime;

use std::time::Duration;

use migrate::sqlx::postgres::PgPoolOptions;
use migrate::sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use migrate::{Error, State};

use runtime::{states, v, versions, Db, Dir, Lite, Maria, Pg, Says};

/// One `#[tokio::test]` per database for a scenario that takes nothing but a database.
macro_rules! on_every_database {
    ($($name:ident),* $(,)?) => {
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                if let Some(db) = super::Pg::fresh(concat!("faults_", stringify!($name))).await {
                    super::$name(&db).await;
                }
            })*
        }
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                super::$name(&super::Lite::fresh().await).await;
            })*
        }
        mod mariadb {
            $(#[tokio::test]
            async fn $name() {
                if let Some(db) = super::Maria::fresh(concat!("faults_", stringify!($name))).await {
                    super::$name(&db).await;
                }
            })*
        }
    };
}

on_every_database!(
    resume_refuses_edited_statements,
    lock_timeout_past_every_range,
    table_named_like_a_parameter,
    transaction_control_is_refused_before_running,
);

/// A statement-by-statement migration stops after statement 1; the operator fixes statement 2
/// and also edits statement 1: resuming refuses instead of running statements twice. Editing
/// only what follows the statements done resumes exactly there.
async fn resume_refuses_edited_statements<D: Db>(db: &D) {
    let dir = Dir::new(&[
        ("1_log.sql", "CREATE TABLE log (note INT);\n"),
        (
            "2_steps.sql",
            "-- migrate:no-transaction\nINSERT INTO log VALUES (1);\nINSERT INTO no_such_table VALUES (2);\nINSERT INTO log VALUES (3);\n",
        ),
    ]);
    let err = dir.migrator().run(db.pool()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Failed {
                statement: Some((1, 3)),
                ..
            }
        ),
        "{err}"
    );
    dir.write(
        "2_steps.sql",
        "-- migrate:no-transaction\nINSERT INTO log VALUES (0);\nINSERT INTO log VALUES (1);\nINSERT INTO log VALUES (2);\nINSERT INTO log VALUES (3);\n",
    );
    let err = dir
        .migrator()
        .runner()
        .resume(true)
        .run(db.pool())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ResumeChanged { done: 1, .. }), "{err}");
    err.assert_says([
        "statements 1 to 1, which are already applied",
        "nothing was run",
    ]);
    assert_eq!(
        db.count("SELECT COUNT(*) FROM log").await,
        1,
        "resume ran a statement"
    );

    dir.write(
        "2_steps.sql",
        "-- migrate:no-transaction\nINSERT INTO log VALUES (1);\nINSERT INTO log VALUES (2);\nINSERT INTO log VALUES (3);\n",
    );
    let set = dir.migrator();
    let report = set
        .runner()
        .resume(true)
        .run(db.pool())
        .await
        .expect("resume");
    assert_eq!(versions(&report), [2]);
    for note in [1, 2, 3] {
        let sql = format!("SELECT COUNT(*) FROM log WHERE note = {note}");
        assert_eq!(db.count(&sql).await, 1, "note {note}");
    }
    let status = set.status(db.pool()).await.expect("status");
    assert_eq!(states(&status), [(1, State::Applied), (2, State::Applied)]);
    assert!(set
        .run(db.pool())
        .await
        .expect("no-op")
        .migrations
        .is_empty());
}

/// A lock timeout of `u64::MAX` seconds waits for the holder, on every database: it is neither
/// an immediate timeout (MariaDB's `GET_LOCK` returns NULL past its range) nor a panic.
async fn lock_timeout_past_every_range<D: Db>(db: &D) {
    let dir = Dir::new(&[("1_a.sql", "CREATE TABLE a (id INT);\n")]);
    let set = dir.migrator();
    let held = db.hold_lock().await;
    let runner = set.runner().lock_timeout(Duration::from_secs(u64::MAX));
    let run = runner.run(db.pool());
    tokio::pin!(run);
    let waited = tokio::time::timeout(Duration::from_millis(1500), &mut run).await;
    assert!(
        waited.is_err(),
        "it did not wait for the holder: {waited:?}"
    );
    drop(held);
    let report = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the run ends once the lock is free")
        .expect("run");
    assert_eq!(versions(&report), [1]);
}

/// A tracking table named `a$1`: quoted, never rewritten as a bind parameter.
async fn table_named_like_a_parameter<D: Db>(db: &D) {
    let dir = Dir::new(&[
        ("1_a.up.sql", "CREATE TABLE a (id INT);\n"),
        ("1_a.down.sql", "DROP TABLE a;\n"),
        ("2_b.up.sql", "CREATE TABLE b (id INT);\n"),
        ("2_b.down.sql", "DROP TABLE b;\n"),
    ]);
    let set = dir.migrator();
    let runner = set.runner().table("a$1");
    assert_eq!(versions(&runner.run(db.pool()).await.expect("up")), [1, 2]);
    assert_eq!(
        db.count(&format!("SELECT COUNT(*) FROM {}", D::quote("a$1")))
            .await,
        2
    );
    assert_eq!(
        versions(&runner.undo_to(db.pool(), v(1)).await.expect("down")),
        [2]
    );
    runner.force(db.pool(), v(2)).await.expect("force");
    let status = runner.status(db.pool()).await.expect("status");
    assert_eq!(states(&status), [(1, State::Applied), (2, State::Applied)]);
    assert_eq!(db.tracked().await, 0, "the default table was used");
}

/// `COMMIT` in a script that runs in a transaction is refused before anything runs, on every
/// run: it would commit the first part without its tracking row.
async fn transaction_control_is_refused_before_running<D: Db>(db: &D) {
    let dir = Dir::new(&[(
        "1_c.sql",
        "CREATE TABLE c1 (id INT);\nCOMMIT;\nCREATE TABLE c2 (id INT);\n",
    )]);
    for _ in 0..2 {
        let result = dir.migrator().run(db.pool()).await;
        if !D::TRANSACTIONAL_DDL {
            // MySQL runs every script statement by statement: COMMIT is the author's business
            assert_eq!(versions(&result.expect("run")), [1]);
            return;
        }
        let err = result.unwrap_err();
        assert!(
            matches!(&err, Error::TransactionControl { line: 2, statement, .. } if statement == "COMMIT"),
            "{err}"
        );
        err.assert_says(["nothing was run", "-- migrate:no-transaction"]);
        assert!(!db.has_table("c1").await);
    }
}

/// An error without a position in a batch (a unique violation) is placed on its statement by
/// counting the statements that completed: the script is not run again, so the sequence it
/// advanced moved once.
#[tokio::test]
async fn postgres_places_an_error_without_running_the_script_twice() {
    let Some(db) = Pg::fresh("faults_no_replay").await else {
        return;
    };
    let dir = Dir::new(&[
        ("1_seq.sql", "CREATE SEQUENCE s;\nCREATE TABLE u (id INT UNIQUE);\n"),
        (
            "2_dup.sql",
            "SELECT nextval('s');\nSELECT pg_sleep(0.2);\nINSERT INTO u VALUES (1),\n  (1);\nCREATE TABLE after_dup (id INT);\n",
        ),
    ]);
    let err = dir.migrator().run(&db.pool).await.unwrap_err();
    assert!(
        matches!(&err, Error::Failed { version, line: Some(3), column: Some(1), statement: None, .. } if *version == v(2)),
        "{err:?}"
    );
    err.assert_says(["nothing of it was applied", "fix the script"]);
    let source = std::error::Error::source(&err).map(ToString::to_string);
    assert!(
        source
            .as_deref()
            .is_some_and(|s| s.contains("(SQLSTATE 23505)") && !s.contains(" at line ")),
        "{source:?}"
    );
    assert_eq!(
        db.count("SELECT last_value FROM s").await,
        1,
        "the script ran twice"
    );
    assert!(!db.has_table("after_dup").await);
}

/// pg_dump's `set_config('search_path', '', false)` in a migration, in a transaction and out of
/// one: the tracking table stays reachable, the next migration's unqualified names land where
/// they would in a fresh session, and the pooled connection gets its search path back, also
/// after a failure.
#[tokio::test]
async fn postgres_migrations_that_change_the_search_path() {
    let Some(db) = Pg::fresh("faults_search_path").await else {
        return;
    };
    let dump = "SELECT pg_catalog.set_config('search_path', '', false);\n";
    let dir = Dir::new(&[
        (
            "1_dump.sql",
            &format!("{dump}CREATE TABLE public.dumped (id INT);\n"),
        ),
        ("2_plain.sql", "CREATE TABLE plain (id INT);\n"),
        (
            "3_dump.sql",
            &format!("-- migrate:no-transaction\n{dump}CREATE TABLE public.dumped2 (id INT);\n"),
        ),
        ("4_plain.sql", "CREATE TABLE plain2 (id INT);\n"),
    ]);
    // one connection, so the session the migrations ran on is the one inspected
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(&db.url)
        .await
        .expect("pool");
    let before = search_path(&pool).await;
    let set = dir.migrator();
    assert_eq!(versions(&set.run(&pool).await.expect("run")), [1, 2, 3, 4]);
    for table in ["dumped", "plain", "dumped2", "plain2"] {
        assert!(
            db.has_table(table).await,
            "{table} is not in the public schema"
        );
    }
    assert_eq!(search_path(&pool).await, before);
    assert!(set.run(&pool).await.expect("no-op").migrations.is_empty());
    let status = set.status(&pool).await.expect("status");
    assert!(
        status.iter().all(|s| s.state == State::Applied),
        "{status:?}"
    );

    dir.write(
        "5_fails.sql",
        &format!("-- migrate:no-transaction\n{dump}CREATE TABLE lost (id INT);\n"),
    );
    let err = dir.migrator().run(&pool).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Failed {
                statement: Some((1, 2)),
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        search_path(&pool).await,
        before,
        "not put back after the failure"
    );
}

async fn search_path(pool: &migrate::sqlx::PgPool) -> String {
    migrate::sqlx::query_scalar("SHOW search_path")
        .fetch_one(pool)
        .await
        .expect("SHOW search_path")
}

/// Runners that name the tracking table `public._migrations` and `_migrations` take one lock:
/// 8 at once on a fresh database, each migration applied once.
#[tokio::test]
async fn postgres_runners_that_spell_the_table_differently_exclude_each_other() {
    let Some(db) = Pg::fresh("faults_spelling").await else {
        return;
    };
    let dir = Dir::new(&[
        ("1_log.sql", "CREATE TABLE log (note TEXT);\n"),
        (
            "2_slow.sql",
            "-- migrate:no-transaction\nINSERT INTO log VALUES ('2');\nSELECT pg_sleep(0.3);\n",
        ),
        (
            "3_t.sql",
            "CREATE TABLE t3 (id INT);\nINSERT INTO log VALUES ('3');\n",
        ),
    ]);
    let set = dir.migrator();
    let mut runs = Vec::new();
    for i in 0..8 {
        let pool = db.new_pool(1).await;
        let set = set.clone();
        runs.push(tokio::spawn(async move {
            let runner = set.runner();
            let runner = if i % 2 == 0 {
                runner.schema("public")
            } else {
                runner
            };
            runner.run(&pool).await.map(|r| r.migrations.len())
        }));
    }
    let mut applied = 0;
    for run in runs {
        applied += run.await.expect("join").expect("every runner succeeds");
    }
    assert_eq!(applied, 3);
    assert_eq!(db.count("SELECT COUNT(*) FROM log").await, 2);
    assert_eq!(db.tracked().await, 3);
}

/// A role that may write to an existing tracking table but not create tables applies a
/// DML-only migration: the runtime creates the table only when it is missing.
#[tokio::test]
async fn postgres_least_privilege() {
    let Some(db) = Pg::fresh("faults_privilege").await else {
        return;
    };
    let dir = Dir::new(&[("1_data.sql", "CREATE TABLE app_data (id INT);\n")]);
    dir.migrator().run(&db.pool).await.expect("as the owner");
    db.exec(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app_dml') THEN CREATE ROLE app_dml LOGIN; END IF; END $$;
         REVOKE CREATE ON SCHEMA public FROM PUBLIC;
         GRANT USAGE ON SCHEMA public TO app_dml;
         GRANT SELECT, INSERT, UPDATE, DELETE ON _migrations, app_data TO app_dml;",
    )
    .await;
    dir.write("2_fill.sql", "INSERT INTO app_data VALUES (1);\n");
    let url = db.url.replacen("postgres@", "app_dml@", 1);
    let app = runtime::connect::<migrate::sqlx::Postgres>(&url, 2).await;
    let report = dir
        .migrator()
        .run(&app)
        .await
        .expect("a DML-only migration");
    assert_eq!(versions(&report), [2]);
    assert_eq!(db.count("SELECT COUNT(*) FROM app_data").await, 1);
}

/// A session killed by the server mid-migration: not the script's fault, and said so; out of
/// a transaction the statement's own error is reported, not the bookkeeping's that follows on
/// the dead connection; the next run resumes.
#[tokio::test]
async fn postgres_terminated_connection() {
    let Some(db) = Pg::fresh("faults_terminated").await else {
        return;
    };
    for no_tx in [false, true] {
        let directive = if no_tx {
            "-- migrate:no-transaction\n"
        } else {
            ""
        };
        let script =
            |second: &str| format!("{directive}CREATE TABLE IF NOT EXISTS w (id INT);\n{second}\n");
        let dir = Dir::new(&[("1_wait.sql", &script("SELECT pg_sleep(30);"))]);
        let table = if no_tx { "kill_no_tx" } else { "kill_tx" };
        let pool = db.new_pool(1).await;
        let run = tokio::spawn({
            let set = dir.migrator();
            let pool = pool.clone();
            async move { set.runner().table(table).run(&pool).await }
        });
        // the migration's session, not the test's (whose last query names pg_sleep too)
        let sleeping = "FROM pg_stat_activity WHERE state = 'active' \
                        AND query LIKE '%pg_sleep(30)%' AND query NOT LIKE '%pg_stat_activity%'";
        runtime::wait_until(Duration::from_secs(20), "the migration sleeps", || async {
            db.count(&format!("SELECT COUNT(*) {sleeping}")).await == 1
        })
        .await;
        db.exec(&format!("SELECT pg_terminate_backend(pid) {sleeping}"))
            .await;
        let err = run.await.expect("join").unwrap_err();
        assert!(
            matches!(&err, Error::Failed { cause: Some(_), .. }),
            "{err:?}"
        );
        err.assert_says(["which is not the script's fault"]);
        assert!(!err.to_string().contains("fix the script"), "{err}");
        let source = std::error::Error::source(&err)
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(source.contains("terminating connection"), "{source}");
        pool.close().await;

        // the database says what happened; after the fix, the next run finishes the job
        dir.write("1_wait.sql", &script("SELECT 1;"));
        let set = dir.migrator();
        let status = set
            .runner()
            .table(table)
            .status(&db.pool)
            .await
            .expect("status");
        let expected = if no_tx {
            State::Dirty {
                statements_done: 1,
                error: None,
            }
        } else {
            State::Pending
        };
        assert_eq!(states(&status), [(1, expected)]);
        let report = set
            .runner()
            .table(table)
            .resume(true)
            .run(&db.pool)
            .await
            .expect("run");
        assert_eq!(versions(&report), [1]);
    }
}

/// SQLite's own refusals are not the script's fault: a read-only database, a database another
/// connection holds locked.
#[tokio::test]
async fn sqlite_read_only_and_locked() {
    let lite = Lite::fresh().await;
    let dir = Dir::new(&[("1_a.sql", "CREATE TABLE a (id INT);\n")]);
    dir.migrator().run(&lite.pool).await.expect("run");
    dir.write("2_b.sql", "CREATE TABLE b (id INT);\n");

    let read_only = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(&lite.file)
                .read_only(true),
        )
        .await
        .expect("read-only pool");
    let err = dir.migrator().run(&read_only).await.unwrap_err();
    err.assert_says(["read-only", "which is not the script's fault"]);
    assert!(!err.to_string().contains("fix the script"), "{err}");

    let mut holder = lite.pool.acquire().await.expect("a connection");
    // writers wait, readers do not: the migration's own statement meets the lock
    migrate::sqlx::raw_sql("BEGIN IMMEDIATE; CREATE TABLE held (id INT);")
        .execute(&mut *holder)
        .await
        .expect("BEGIN IMMEDIATE");
    let impatient = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(&lite.file)
                .busy_timeout(Duration::from_millis(100)),
        )
        .await
        .expect("pool");
    let err = dir.migrator().run(&impatient).await.unwrap_err();
    err.assert_says([
        "locked by another connection",
        "which is not the script's fault",
    ]);
    migrate::sqlx::raw_sql("ROLLBACK")
        .execute(&mut *holder)
        .await
        .expect("ROLLBACK");
    drop(holder);
    assert_eq!(
        versions(&dir.migrator().run(&impatient).await.expect("run")),
        [2]
    );
}

/// MariaDB: a connection killed mid-migration is not the script's fault either.
#[tokio::test]
async fn mariadb_killed_connection() {
    let Some(db) = Maria::fresh("faults_killed").await else {
        return;
    };
    let dir = Dir::new(&[(
        "1_wait.sql",
        "CREATE TABLE w (id INT);\nSELECT SLEEP(30);\n",
    )]);
    let set = dir.migrator();
    let pool = db.new_pool(1).await;
    let run = tokio::spawn({
        let set = set.clone();
        let pool = pool.clone();
        async move { set.run(&pool).await }
    });
    runtime::wait_until(Duration::from_secs(20), "the migration sleeps", || async {
        db.count("SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE 'SELECT SLEEP(30)%'").await == 1
    })
    .await;
    let id = db
        .count("SELECT id FROM information_schema.processlist WHERE info LIKE 'SELECT SLEEP(30)%'")
        .await;
    db.exec(&format!("KILL {id}")).await;
    let err = run.await.expect("join").unwrap_err();
    err.assert_says([
        "which is not the script's fault",
        "statements 1 to 1 of 2 are applied",
    ]);
    assert!(!err.to_string().contains("fix the script"), "{err}");
}
