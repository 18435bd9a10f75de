//! The runtime scenarios every database runs, written once against [`Db`]: each takes a fresh
//! database and asserts what the runtime did to it, reading the tables back.
//!
//! The SQL is the portable subset that PostgreSQL, SQLite and MariaDB all run.

#![allow(dead_code)] // each test binary uses part of it

use std::time::{Duration, Instant};

use migrate::{Error, Migrator, State, Transaction};

use crate::runtime::{hex, states, v, versions, Db, Dir, Says, TRACKING};

/// 1 and 2 reversible, 3 irreversible, 4 no-transaction with a down script.
pub static BASIC: Migrator = migrate::embed_migrations!("tests/fixtures/runtime/basic");
/// 1 and 2.
static MISSING_OLD: Migrator = migrate::embed_migrations!("tests/fixtures/runtime/missing-old");
/// The same 1 and 2, and 3.
static MISSING_NEW: Migrator = migrate::embed_migrations!("tests/fixtures/runtime/missing-new");
/// 1 and 3.
static GAP: Migrator = migrate::embed_migrations!("tests/fixtures/runtime/out-of-order-before");
/// 1 and 3, and 2 merged in below 3.
static LATE: Migrator = migrate::embed_migrations!("tests/fixtures/runtime/out-of-order-after");

const A: State = State::Applied;
const P: State = State::Pending;

/// One `#[tokio::test]` per scenario below that takes nothing but a database, on the database
/// `$fresh(test name)` makes: `None` (a server missing outside CI) skips the test.
macro_rules! tests {
    ($fresh:expr) => {
        $crate::scenarios::tests!(
            @each $fresh;
            apply_then_noop,
            run_to,
            status_states,
            plan,
            baseline,
            force,
            forget,
            undo,
            allow_missing,
            out_of_order,
            atomic,
            lock_released,
            waiter_sees_the_work_done,
            tampered_checksum,
            deleted_row,
            edited_file,
            dirty_edges,
        );
    };
    (@each $fresh:expr; $($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let Some(db) = ($fresh)(stringify!($name)).await else { return };
            $crate::scenarios::$name(&db).await;
        }
    )*};
}

pub(crate) use tests;

/// `set`, up to date, runs nothing while another connection holds the lock: the fast path
/// answers without waiting for it. `what` names the run in the failure.
async fn noop_without_the_lock<D: Db>(db: &D, set: &Migrator, what: &str) {
    let held = db.hold_lock().await;
    let report = set
        .runner()
        .lock_timeout(Duration::from_millis(300))
        .run(db.pool())
        .await
        .expect(what);
    assert!(report.migrations.is_empty(), "{what}: {report:?}");
    drop(held);
}

/// `run` applies everything in order; a second run applies nothing and changes nothing.
pub async fn apply_then_noop<D: Db>(db: &D) {
    let report = BASIC.run(db.pool()).await.expect("first run");
    assert_eq!(versions(&report), [1, 2, 3, 4]);
    for table in ["a", "b", "c", "d", "e"] {
        assert!(db.has_table(table).await, "table {table} missing");
    }
    assert_eq!(db.count("SELECT COUNT(*) FROM b").await, 1);
    assert_eq!(db.tracked().await, 4);

    noop_without_the_lock(db, &BASIC, "second run").await;
    assert_eq!(db.count("SELECT COUNT(*) FROM b").await, 1);
    assert_eq!(db.tracked().await, 4);

    let status = BASIC.status(db.pool()).await.expect("status");
    assert_eq!(states(&status), [(1, A), (2, A), (3, A), (4, A)]);
    for line in &status {
        let m = BASIC.get(line.version).expect("a known version");
        assert_eq!(line.file.as_deref(), Some(m.up().file()));
        assert_eq!(line.name, m.name());
        let at = line.applied_at.map(|t| t.to_string()).unwrap_or_default();
        assert!(
            at.starts_with("20") && at.ends_with('Z'),
            "applied_at {at:?}"
        );
        let age = std::time::SystemTime::now().duration_since(
            line.applied_at
                .map_or(std::time::UNIX_EPOCH, |t| t.to_system_time()),
        );
        assert!(
            age.is_ok_and(|a| a < std::time::Duration::from_secs(600)),
            "applied_at {at:?} is not now"
        );
        assert!(line.duration.is_some(), "{line:?}");
    }
    assert!(BASIC.plan(db.pool()).await.expect("plan").is_empty());
}

/// `run_to` stops at its target, rejects unknown versions, and `run` goes on from there.
pub async fn run_to<D: Db>(db: &D) {
    let report = BASIC.run_to(db.pool(), v(2)).await.expect("run_to 2");
    assert_eq!(versions(&report), [1, 2]);
    assert!(db.has_table("b").await);
    assert!(!db.has_table("c").await);
    let status = BASIC.status(db.pool()).await.expect("status");
    assert_eq!(states(&status), [(1, A), (2, A), (3, P), (4, P)]);
    assert_eq!(status[2].applied_at, None);
    assert_eq!(status[2].duration, None);

    let below = BASIC.run_to(db.pool(), v(1)).await.expect("run_to 1");
    assert!(below.migrations.is_empty(), "{below:?}");
    let err = BASIC.run_to(db.pool(), v(99)).await.unwrap_err();
    assert!(
        matches!(err, Error::UnknownVersion { version } if version == v(99)),
        "{err}"
    );
    assert_eq!(versions(&BASIC.run(db.pool()).await.expect("run")), [3, 4]);
}

/// `status` reads without creating anything, and tells applied, pending, edited, missing and
/// dirty apart.
pub async fn status_states<D: Db>(db: &D) {
    let dir = Dir::new(&[
        ("1_one.sql", "CREATE TABLE one (id INT);\n"),
        ("2_two.sql", "CREATE TABLE two (id INT);\n"),
        (
            "3_three.sql",
            "-- migrate:no-transaction\nCREATE TABLE three (id INT);\nINSERT INTO no_such_table VALUES (1);\n",
        ),
        ("4_four.sql", "CREATE TABLE four (id INT);\n"),
    ]);
    let set = dir.migrator();
    let fresh = set.status(db.pool()).await.expect("status");
    assert_eq!(states(&fresh), [(1, P), (2, P), (3, P), (4, P)]);
    assert!(fresh.iter().all(|s| s.applied_at.is_none()));
    assert!(
        !db.has_table(TRACKING).await,
        "status created the tracking table"
    );

    let err = set.run(db.pool()).await.unwrap_err();
    assert!(
        matches!(err, Error::Failed { version, statement: Some((1, 2)), .. } if version == v(3)),
        "{err}"
    );

    dir.write("1_one.sql", "CREATE TABLE one (id BIGINT);\n");
    dir.remove("2_two.sql");
    let changed = dir.migrator();
    let status = changed.status(db.pool()).await.expect("status");
    let edited = State::Edited {
        applied_checksum: hex(set.get(v(1)).expect("1").checksum()),
    };
    assert_eq!(status.len(), 4, "{status:?}");
    assert_eq!(status[0].state, edited);
    assert_eq!(
        (status[1].version, &status[1].state),
        (v(2), &State::Missing)
    );
    assert_eq!(status[1].file, None);
    assert_eq!(status[1].name, "two");
    assert!(status[1].applied_at.is_some());
    match &status[2].state {
        State::Dirty {
            statements_done: 1,
            error: Some(error),
        } => assert!(error.contains("no_such_table"), "{error}"),
        other => panic!("3 should be dirty after statement 1: {other:?}"),
    }
    assert_eq!(status[2].state.to_string(), "dirty (1 statements done)");
    assert_eq!(status[3].state, P);
}

/// `plan` shows each pending migration's exact SQL and how it would run, without creating
/// anything.
pub async fn plan<D: Db>(db: &D) {
    let steps = BASIC.plan(db.pool()).await.expect("plan");
    let got: Vec<(i64, Transaction)> = steps
        .iter()
        .map(|s| (s.version.get(), s.transaction))
        .collect();
    let wrapped = if D::TRANSACTIONAL_DDL {
        Transaction::Wrapped
    } else {
        Transaction::Disabled
    };
    assert_eq!(
        got,
        [
            (1, wrapped),
            (2, wrapped),
            (3, wrapped),
            (4, Transaction::Disabled)
        ]
    );
    let on_disk = std::fs::read_to_string("tests/fixtures/runtime/basic/2_create_b.up.sql")
        .expect("read the fixture");
    assert_eq!(steps[1].sql, on_disk);
    assert_eq!(
        steps[1].file,
        "tests/fixtures/runtime/basic/2_create_b.up.sql"
    );
    assert_eq!(steps[1].name, "create_b");
    assert!(
        !db.has_table(TRACKING).await,
        "plan created the tracking table"
    );

    BASIC.run_to(db.pool(), v(2)).await.expect("run_to 2");
    let rest = BASIC.plan(db.pool()).await.expect("plan");
    let rest: Vec<i64> = rest.iter().map(|s| s.version.get()).collect();
    assert_eq!(rest, [3, 4]);
}

/// `baseline` records without running, and refuses on a database that already tracks.
pub async fn baseline<D: Db>(db: &D) {
    let report = BASIC
        .runner()
        .baseline(db.pool(), v(3))
        .await
        .expect("baseline");
    assert_eq!(versions(&report), [1, 2, 3]);
    for table in ["a", "b", "c"] {
        assert!(
            !db.has_table(table).await,
            "baseline ran the script of {table}"
        );
    }
    let status = BASIC.status(db.pool()).await.expect("status");
    assert_eq!(states(&status), [(1, A), (2, A), (3, A), (4, P)]);

    let err = BASIC.runner().baseline(db.pool(), v(3)).await.unwrap_err();
    assert!(matches!(&err, Error::NotEmpty { rows: 3, .. }), "{err}");
    err.assert_says(["already records 3 migration(s)"]);
    let err = BASIC.runner().baseline(db.pool(), v(7)).await.unwrap_err();
    assert!(matches!(err, Error::UnknownVersion { .. }), "{err}");

    assert_eq!(versions(&BASIC.run(db.pool()).await.expect("run")), [4]);
    assert!(db.has_table("d").await);
    assert!(!db.has_table("a").await);
}

/// 2 stops after its first statement, outside a transaction.
fn half_done() -> Dir {
    Dir::new(&[
        ("1_f.sql", "CREATE TABLE f (id INT);\n"),
        (
            "2_fill.sql",
            "-- migrate:no-transaction\nINSERT INTO f VALUES (1);\nINSERT INTO no_such_table VALUES (2);\nINSERT INTO f VALUES (3);\n",
        ),
        ("3_g.sql", "CREATE TABLE g (id INT);\n"),
    ])
}

/// A dirty migration finished by hand is recorded with `force`, which runs nothing.
pub async fn force<D: Db>(db: &D) {
    let dir = half_done();
    let set = dir.migrator();
    let err = set.run(db.pool()).await.unwrap_err();
    assert!(
        matches!(err, Error::Failed { version, statement: Some((1, 3)), .. } if version == v(2)),
        "{err}"
    );
    let err = set.run(db.pool()).await.unwrap_err();
    let Error::Dirty {
        version,
        file,
        done,
        total,
        line,
        error,
    } = &err
    else {
        panic!("expected Dirty: {err}");
    };
    assert_eq!((version.get(), *done, *total, *line), (2, 1, 3, 3));
    assert_eq!(*file, dir.shown("2_fill.sql"));
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("no_such_table")),
        "{error:?}"
    );
    err.assert_says([
        &format!("migration 2 ({file}) is dirty"),
        "stopped after statement 1 of 3",
        &format!("before {file}:3"),
        "resume",
        "`Runner::force(2)`",
    ]);

    // A human does statements 2 and 3 by hand and records the migration as done.
    db.exec("INSERT INTO f VALUES (3)").await;
    set.runner().force(db.pool(), v(2)).await.expect("force");
    let status = set.status(db.pool()).await.expect("status");
    assert_eq!(states(&status), [(1, A), (2, A), (3, P)]);
    assert_eq!(versions(&set.run(db.pool()).await.expect("run")), [3]);
    assert_eq!(db.count("SELECT COUNT(*) FROM f").await, 2, "force ran SQL");
    let err = set.runner().force(db.pool(), v(99)).await.unwrap_err();
    assert!(matches!(err, Error::UnknownVersion { .. }), "{err}");
}

/// A dirty migration whose effects were reverted by hand is forgotten, fixed, and runs again
/// from its first statement.
pub async fn forget<D: Db>(db: &D) {
    let dir = half_done();
    let err = dir.migrator().run(db.pool()).await.unwrap_err();
    assert!(matches!(err, Error::Failed { .. }), "{err}");

    db.exec("DELETE FROM f").await;
    dir.migrator()
        .runner()
        .forget(db.pool(), v(2))
        .await
        .expect("forget");
    let status = dir.migrator().status(db.pool()).await.expect("status");
    assert_eq!(states(&status), [(1, A), (2, P), (3, P)]);

    dir.write(
        "2_fill.sql",
        "-- migrate:no-transaction\nINSERT INTO f VALUES (1);\nINSERT INTO f VALUES (2);\nINSERT INTO f VALUES (3);\n",
    );
    let fixed = dir.migrator();
    assert_eq!(versions(&fixed.run(db.pool()).await.expect("run")), [2, 3]);
    assert_eq!(db.count("SELECT COUNT(*) FROM f").await, 3);
}

/// `undo` runs down scripts newest first, and refuses before touching anything when one is
/// missing.
pub async fn undo<D: Db>(db: &D) {
    BASIC.run(db.pool()).await.expect("run");
    let err = BASIC.undo_to(db.pool(), v(1)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Irreversible { version, file } if *version == v(3) && file.ends_with("basic/3_create_c.sql")),
        "{err}"
    );
    assert!(err.to_string().contains("nothing was changed"), "{err}");
    assert_eq!(db.tracked().await, 4, "undo removed rows before refusing");
    for table in ["b", "c", "d", "e"] {
        assert!(
            db.has_table(table).await,
            "undo dropped {table} before refusing"
        );
    }

    let report = BASIC.undo_to(db.pool(), v(3)).await.expect("undo to 3");
    assert_eq!(versions(&report), [4]);
    assert!(!db.has_table("d").await && !db.has_table("e").await);
    assert!(db.has_table("c").await);
    let status = BASIC.status(db.pool()).await.expect("status");
    assert_eq!(states(&status), [(1, A), (2, A), (3, A), (4, P)]);
    let none = BASIC.undo_to(db.pool(), v(3)).await.expect("undo to 3");
    assert!(none.migrations.is_empty(), "{none:?}");
    // The down script undid exactly what the up did: it applies again.
    assert_eq!(versions(&BASIC.run(db.pool()).await.expect("run")), [4]);

    // Newest first: y cannot go while z references it. Its own tracking table, beside BASIC's.
    let dir = Dir::new(&[
        ("1_x.up.sql", "CREATE TABLE x (id INT);\n"),
        ("1_x.down.sql", "DROP TABLE x;\n"),
        (
            "2_y.up.sql",
            "CREATE TABLE y (id INT PRIMARY KEY);\nINSERT INTO y VALUES (1);\n",
        ),
        ("2_y.down.sql", "DROP TABLE y;\n"),
        (
            "3_z.up.sql",
            "CREATE TABLE z (y_id INT, FOREIGN KEY (y_id) REFERENCES y (id));\nINSERT INTO z VALUES (1);\n",
        ),
        ("3_z.down.sql", "DROP TABLE z;\n"),
    ]);
    let set = dir.migrator();
    let runner = set.runner().table("undo_order");
    assert_eq!(
        versions(&runner.run(db.pool()).await.expect("run")),
        [1, 2, 3]
    );
    let report = runner.undo_all(db.pool()).await.expect("undo all");
    assert_eq!(versions(&report), [3, 2, 1]);
    for table in ["x", "y", "z"] {
        assert!(!db.has_table(table).await, "{table} left");
    }
    assert_eq!(db.count("SELECT COUNT(*) FROM undo_order").await, 0);
    assert_eq!(db.tracked().await, 4, "the other tracking table changed");
}

/// A database applied by a newer set: refused by default, accepted with `allow_missing`.
pub async fn allow_missing<D: Db>(db: &D) {
    assert_eq!(
        versions(&MISSING_NEW.run(db.pool()).await.expect("new")),
        [1, 2, 3]
    );
    let err = MISSING_OLD.run(db.pool()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Missing { version, name } if *version == v(3) && name == "c"),
        "{err}"
    );
    err.assert_says([
        "migration 3 (c) applied",
        "does not know",
        "deploy the newer binary",
        "allow_missing",
    ]);
    let report = MISSING_OLD
        .runner()
        .allow_missing(true)
        .run(db.pool())
        .await
        .expect("allow_missing");
    assert!(report.migrations.is_empty(), "{report:?}");
    let status = MISSING_OLD.status(db.pool()).await.expect("status");
    assert_eq!(states(&status), [(1, A), (2, A), (3, State::Missing)]);
    assert_eq!(status[2].file, None);
    assert!(MISSING_NEW
        .run(db.pool())
        .await
        .expect("new again")
        .migrations
        .is_empty());
}

/// A migration merged in below the newest applied one: refused by default, applied with
/// `allow_out_of_order`, after which the fast path holds again (it needs no lock).
pub async fn out_of_order<D: Db>(db: &D) {
    assert_eq!(versions(&GAP.run(db.pool()).await.expect("run")), [1, 3]);
    let err = LATE.run(db.pool()).await.unwrap_err();
    assert!(
        matches!(&err, Error::OutOfOrder { version, newest, file }
            if *version == v(2) && *newest == v(3) && file.ends_with("out-of-order-after/2_b.sql")),
        "{err}"
    );
    err.assert_says([
        "older than the applied migration 3",
        "renumber",
        "allow_out_of_order",
    ]);
    assert!(!db.has_table("b").await);
    let err = LATE.plan(db.pool()).await.unwrap_err();
    assert!(matches!(err, Error::OutOfOrder { .. }), "{err}");

    let report = LATE
        .runner()
        .allow_out_of_order(true)
        .run(db.pool())
        .await
        .expect("allow_out_of_order");
    assert_eq!(versions(&report), [2]);
    assert!(db.has_table("b").await);

    noop_without_the_lock(
        db,
        &LATE,
        "after out-of-order the fast path must hold: no lock needed",
    )
    .await;
    let status = LATE.status(db.pool()).await.expect("status");
    assert_eq!(states(&status), [(1, A), (2, A), (3, A)]);
}

/// `atomic`: all pending migrations or none (where DDL is transactional); refused for
/// no-transaction files and on MariaDB, before anything runs.
pub async fn atomic<D: Db>(db: &D) {
    let dir = Dir::new(&[
        (
            "1_a.sql",
            "CREATE TABLE a (id INT);\nINSERT INTO a VALUES (1);\n",
        ),
        ("2_b.sql", "CREATE TABLE b (id INT);\n"),
        (
            "3_c.sql",
            "CREATE TABLE c (id INT);\nINSERT INTO no_such_table VALUES (1);\n",
        ),
    ]);
    let err = dir
        .migrator()
        .runner()
        .atomic(true)
        .run(db.pool())
        .await
        .unwrap_err();
    if !D::TRANSACTIONAL_DDL {
        assert!(matches!(&err, Error::AtomicUnsupported { .. }), "{err}");
        err.assert_says(["atomic mode is not possible"]);
        assert!(!db.has_table("a").await);
        assert_eq!(db.tracked().await, 0);
        return;
    }
    assert!(
        matches!(err, Error::Failed { version, statement: None, .. } if version == v(3)),
        "{err}"
    );
    for table in ["a", "b", "c"] {
        assert!(!db.has_table(table).await, "atomic left {table}");
    }
    assert_eq!(db.tracked().await, 0);

    dir.write("3_c.sql", "CREATE TABLE c (id INT);\n");
    let report = dir
        .migrator()
        .runner()
        .atomic(true)
        .run(db.pool())
        .await
        .expect("atomic");
    assert_eq!(versions(&report), [1, 2, 3]);
    assert_eq!(db.count("SELECT COUNT(*) FROM a").await, 1);

    dir.write("4_d.sql", "CREATE TABLE d (id INT);\n");
    dir.write(
        "5_e.sql",
        "-- migrate:no-transaction\nCREATE TABLE e (id INT);\n",
    );
    let err = dir
        .migrator()
        .runner()
        .atomic(true)
        .run(db.pool())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::AtomicNoTransaction { version, file } if *version == v(5) && file.ends_with("5_e.sql")),
        "{err}"
    );
    err.assert_says(["no-transaction"]);
    assert!(!db.has_table("d").await, "atomic ran 4 before refusing 5");
    assert_eq!(db.tracked().await, 3);
}

/// A tracking table whose name needs quoting (a space and a double quote).
pub const ODD_TABLE: &str = "schema \"history\" of migrations";

/// A custom tracking table, optionally in another schema (database on MariaDB).
pub async fn custom_table<D: Db>(db: &D, schema: Option<&str>) {
    let runner = BASIC.runner().table(ODD_TABLE);
    let runner = match schema {
        Some(schema) => runner.schema(schema),
        None => runner,
    };
    assert_eq!(
        versions(&runner.run(db.pool()).await.expect("run")),
        [1, 2, 3, 4]
    );
    assert!(
        !db.has_table(TRACKING).await,
        "the default table was created"
    );
    let qualified = match schema {
        Some(schema) => format!("{}.{}", D::quote(schema), D::quote(ODD_TABLE)),
        None => D::quote(ODD_TABLE),
    };
    assert_eq!(
        db.count(&format!("SELECT COUNT(*) FROM {qualified}")).await,
        4
    );
    assert!(runner
        .run(db.pool())
        .await
        .expect("again")
        .migrations
        .is_empty());
    let custom = runner.status(db.pool()).await.expect("status");
    assert!(custom.iter().all(|s| s.state == A), "{custom:?}");
    let default = BASIC.status(db.pool()).await.expect("status");
    assert!(default.iter().all(|s| s.state == P), "{default:?}");
}

/// A held lock makes `run` wait `lock_timeout`, then fail naming the holder; `locking(false)`
/// does not wait. Returns the error's holder.
pub async fn lock_timeout<D: Db>(db: &D) -> (String, Option<String>) {
    let held = db.hold_lock().await;
    let start = Instant::now();
    let err = BASIC
        .runner()
        .lock_timeout(Duration::from_millis(300))
        .run(db.pool())
        .await
        .unwrap_err();
    let took = start.elapsed();
    let Error::LockTimeout { waited, holder } = &err else {
        panic!("expected LockTimeout: {err}");
    };
    assert!(*waited >= Duration::from_millis(300), "{waited:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    err.assert_says(["waiting for the migration lock", "lock_timeout"]);
    assert!(!db.has_table("a").await);

    let report = BASIC
        .runner()
        .locking(migrate::Locking::None)
        .lock_timeout(Duration::from_millis(300))
        .run(db.pool())
        .await
        .expect("locking(false) takes no lock");
    assert_eq!(versions(&report), [1, 2, 3, 4]);
    let id = held.id.clone();
    drop(held);
    (id, holder.clone())
}

/// A runner waiting for the lock returns, having applied nothing, as soon as another has
/// applied everything it came for — without waiting for the holder to let the lock go.
pub async fn waiter_sees_the_work_done<D: Db>(db: &D) {
    let held = db.hold_lock().await;
    let patient = BASIC.runner().lock_timeout(Duration::from_secs(60));
    let waiter = patient.run(db.pool());
    let holder = async {
        // the waiter has tried the lock and is waiting
        tokio::time::sleep(Duration::from_millis(300)).await;
        let report = BASIC
            .runner()
            .locking(migrate::Locking::None)
            .run(db.pool())
            .await
            .expect("the holder's run");
        assert_eq!(versions(&report), [1, 2, 3, 4]);
        Instant::now()
    };
    let (waited, applied_at) = tokio::join!(waiter, holder);
    let returned = Instant::now();
    let report = waited.expect("the waiter returns");
    assert!(
        report.migrations.is_empty(),
        "the waiter applied {:?}",
        versions(&report)
    );
    assert!(
        returned - applied_at < Duration::from_secs(5),
        "the waiter saw the work done {:?} after it was",
        returned - applied_at
    );
    assert_eq!(db.tracked().await, 4);
    drop(held);
}

/// The lock is released on every path (a failing statement in and out of a transaction, a
/// refusal, success) even though the connection stays open: another runner gets it within a
/// second.
pub async fn lock_released<D: Db>(db: &D) {
    // Borrowed by the runs below and kept open: a lock left on it would block the others.
    let mut conn = db.pool().acquire().await.expect("acquire");
    let dir = half_done();
    let other = |set: Migrator| async move {
        let result = set
            .runner()
            .lock_timeout(Duration::from_secs(1))
            .run(db.pool())
            .await;
        if let Err(e @ Error::LockTimeout { .. }) = &result {
            panic!("the lock was not released: {e}");
        }
        result
    };

    let err = dir.migrator().run(&mut conn).await.unwrap_err();
    assert!(matches!(err, Error::Failed { .. }), "{err}");
    let err = other(dir.migrator()).await.unwrap_err();
    assert!(matches!(err, Error::Dirty { .. }), "{err}");

    let err = dir.migrator().run(&mut conn).await.unwrap_err();
    assert!(matches!(err, Error::Dirty { .. }), "{err}");
    let err = other(dir.migrator()).await.unwrap_err();
    assert!(matches!(err, Error::Dirty { .. }), "{err}");

    dir.write(
        "2_fill.sql",
        "-- migrate:no-transaction\nINSERT INTO f VALUES (1);\nINSERT INTO f VALUES (2);\nINSERT INTO f VALUES (3);\n",
    );
    let report = dir
        .migrator()
        .runner()
        .resume(true)
        .run(&mut conn)
        .await
        .expect("resume");
    assert_eq!(versions(&report), [2, 3]);
    dir.write("4_h.sql", "CREATE TABLE h (id INT);\n");
    assert_eq!(versions(&other(dir.migrator()).await.expect("run")), [4]);

    dir.write(
        "5_bad.sql",
        "CREATE TABLE i (id INT);\nINSERT INTO no_such_table VALUES (1);\n",
    );
    let err = dir.migrator().run(&mut conn).await.unwrap_err();
    assert!(matches!(err, Error::Failed { .. }), "{err}");
    let err = other(dir.migrator()).await.unwrap_err();
    assert!(
        matches!(err, Error::Failed { .. } | Error::Dirty { .. }),
        "{err}"
    );
}

/// Someone edits an applied row's checksum by hand. The fast path reads the newest row only
/// (one row whatever the history's length), so it does not look at row 1; `status` does, and so
/// does the full validation of the next run that has work to do.
pub async fn tampered_checksum<D: Db>(db: &D) {
    BASIC.run(db.pool()).await.expect("run");
    // The derived table lets MariaDB read the table it updates.
    db.exec(
        "UPDATE _migrations SET checksum = \
         (SELECT c FROM (SELECT checksum AS c FROM _migrations WHERE version = 2) AS x) \
         WHERE version = 1",
    )
    .await;
    let status = BASIC.status(db.pool()).await.expect("status");
    assert!(
        matches!(status[0].state, State::Edited { .. }),
        "{status:?}"
    );
    let fast = BASIC
        .run(db.pool())
        .await
        .expect("the fast path trusts the newest row");
    assert!(fast.migrations.is_empty());
    // The full validation (a run with work to do, or `plan`) reads every row.
    let err = BASIC.plan(db.pool()).await.unwrap_err();
    let one = BASIC.get(v(1)).expect("1");
    let two = BASIC.get(v(2)).expect("2");
    assert!(
        matches!(&err, Error::ChecksumMismatch { version, file, applied, embedded, row_edited: true }
            if *version == v(1) && file == one.up().file()
            && *applied == hex(two.checksum()) && *embedded == hex(one.checksum())),
        "{err}"
    );
    // the row changed, not the file: the advice is to restore the row, not the file
    err.assert_says(["was changed by hand", "`Runner::force(1)`"]);
    assert!(!err.to_string().contains("restore the file"), "{err}");
    BASIC.runner().force(db.pool(), v(1)).await.expect("force");
    assert!(BASIC.plan(db.pool()).await.expect("plan").is_empty());
}

/// Someone deletes an applied row below the newest: the full validation (`plan`, or a run with
/// work to do) tells a deleted row (the newest row's chain proves it was applied) from a late
/// merge; the fast path reads the newest row only.
pub async fn deleted_row<D: Db>(db: &D) {
    BASIC.run(db.pool()).await.expect("run");
    db.exec("DELETE FROM _migrations WHERE version = 2").await;
    let fast = BASIC
        .run(db.pool())
        .await
        .expect("the fast path trusts the newest row");
    assert!(fast.migrations.is_empty());
    let err = BASIC.plan(db.pool()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Unrecorded { version, newest, file }
            if *version == v(2) && *newest == v(4) && file.ends_with("basic/2_create_b.up.sql")),
        "{err}"
    );
    err.assert_says([
        "has no tracking row",
        "was deleted",
        "`Runner::force(2)`",
        "`Runner::allow_out_of_order(true)`",
    ]);
    assert!(db.has_table("b").await);
    // Its effects are still there: a human records it.
    BASIC.runner().force(db.pool(), v(2)).await.expect("force");
    assert!(BASIC.plan(db.pool()).await.expect("plan").is_empty());
    let status = BASIC.status(db.pool()).await.expect("status");
    assert!(status.iter().all(|s| s.state == A), "{status:?}");
    // Forced below the newest row, the chains were relinked: the fast path holds again.
    noop_without_the_lock(db, &BASIC, "the fast path after force").await;
}

/// An applied file edited afterwards: the error names the version, the file and both checksums.
pub async fn edited_file<D: Db>(db: &D) {
    let dir = Dir::new(&[
        ("1_a.sql", "CREATE TABLE a (id INT);\n"),
        ("2_b.sql", "CREATE TABLE b (id INT);\n"),
    ]);
    let before = dir.migrator();
    before.run(db.pool()).await.expect("run");
    dir.write("1_a.sql", "CREATE TABLE a (id BIGINT);\n");
    let after = dir.migrator();
    let err = after.run(db.pool()).await.unwrap_err();
    let applied = hex(before.get(v(1)).expect("1").checksum());
    let embedded = hex(after.get(v(1)).expect("1").checksum());
    assert!(
        matches!(&err, Error::ChecksumMismatch { version, file, applied: a, embedded: e, row_edited: false }
            if *version == v(1) && *file == dir.shown("1_a.sql") && *a == applied && *e == embedded),
        "{err}"
    );
    err.assert_says([
        format!("migration 1 ({})", dir.shown("1_a.sql")),
        "edited after it was applied".to_owned(),
        applied,
        embedded,
        "new migration".to_owned(),
        "migrate lock --amend 1".to_owned(),
    ]);
}

/// A failing statement below comments: returns the error's line and column, having checked
/// the rest, in a transaction (`wrapped`) or not.
pub async fn failing_statement<D: Db>(db: &D, wrapped: bool) -> (Option<u32>, Option<u32>) {
    let directive = if wrapped {
        "-- a comment\n"
    } else {
        "-- migrate:no-transaction\n"
    };
    let sql = format!(
        "{directive}-- another comment\nCREATE TABLE ok1 (id INT);\n\nINSERT INTO\n    no_such_table VALUES (1);\n"
    );
    let dir = Dir::new(&[("1_bad.sql", &sql)]);
    let err = dir.migrator().run(db.pool()).await.unwrap_err();
    let Error::Failed {
        version,
        file,
        line,
        column,
        source,
        statement,
        ..
    } = &err
    else {
        panic!("expected Failed: {err}");
    };
    let message = source.to_string();
    assert_eq!(
        (version.get(), file.as_str()),
        (1, dir.shown("1_bad.sql").as_str())
    );
    assert!(message.contains("no_such_table"), "{message}");
    let text = err.to_string();
    let at = match (line, column) {
        (Some(line), Some(column)) => format!("migration 1 failed at {file}:{line}:{column}\n"),
        (Some(line), None) => format!("migration 1 failed at {file}:{line}\n"),
        _ => panic!("no line in {text}"),
    };
    assert!(text.starts_with(&at), "{text}");
    assert!(
        std::error::Error::source(&err).is_some_and(|s| s.to_string() == message),
        "the database's error is the source"
    );
    if wrapped && D::TRANSACTIONAL_DDL {
        assert_eq!(*statement, None);
        assert!(text.contains("nothing of it was applied"), "{text}");
        assert!(!db.has_table("ok1").await);
    } else {
        assert_eq!(*statement, Some((1, 2)));
        assert!(text.contains("resume"), "{text}");
        assert!(db.has_table("ok1").await);
    }
    (*line, *column)
}

/// A migration run statement by statement that stopped before its first statement, or after
/// its last one but before it was recorded as finished: the errors say so, and `resume` runs
/// exactly what is left.
pub async fn dirty_edges<D: Db>(db: &D) {
    let dir = Dir::new(&[
        ("1_log.sql", "CREATE TABLE log (note INT);\n"),
        (
            "2_first.sql",
            "-- migrate:no-transaction\nINSERT INTO no_such_table VALUES (1);\nINSERT INTO log VALUES (2);\n",
        ),
    ]);
    let err = dir.migrator().run(db.pool()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Failed {
                line: Some(2),
                statement: Some((0, 2)),
                ..
            }
        ),
        "{err}"
    );
    err.assert_says([
        "none of its 2 statements is applied",
        "to start from statement 1",
    ]);
    let err = dir.migrator().run(db.pool()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Dirty {
                done: 0,
                total: 2,
                line: 2,
                ..
            }
        ),
        "{err}"
    );
    let file = dir.shown("2_first.sql");
    err.assert_says([
        format!("it stopped at statement 1 of 2, before {file}:2 ("),
        "none of its statements is applied. Repair what statement 1 may have left".to_owned(),
    ]);
    dir.write(
        "2_first.sql",
        "-- migrate:no-transaction\nINSERT INTO log VALUES (1);\nINSERT INTO log VALUES (2);\n",
    );
    let report = dir
        .migrator()
        .runner()
        .resume(true)
        .run(db.pool())
        .await
        .expect("resume");
    assert_eq!(versions(&report), [2]);
    assert_eq!(db.count("SELECT COUNT(*) FROM log").await, 2);

    // As if the process died between its last statement and recording it as finished.
    db.exec("UPDATE _migrations SET success = FALSE WHERE version = 2")
        .await;
    let err = dir.migrator().run(db.pool()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Dirty {
                done: 2,
                total: 2,
                ..
            }
        ),
        "{err}"
    );
    err.assert_says(["all 2 statements are applied, but it stopped (the process stopped mid-way) before it was recorded as finished"],
    );
    let report = dir
        .migrator()
        .runner()
        .resume(true)
        .run(db.pool())
        .await
        .expect("resume");
    assert_eq!(versions(&report), [2]);
    assert_eq!(
        db.count("SELECT COUNT(*) FROM log").await,
        2,
        "resume ran a statement again"
    );
    assert!(dir
        .migrator()
        .run(db.pool())
        .await
        .expect("up to date")
        .migrations
        .is_empty());
}
