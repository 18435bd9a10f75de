//! The scenarios of repeatable migrations and timeouts that every database runs, written once
//! against [`Db`]. A log table records each application of a repeatable migration, so a test
//! counts how often each one ran.

#![allow(dead_code)] // each test binary uses part of it

use migrate::{Error, RepeatableState, RepeatableStatus};

use crate::runtime::{versions, Db, Dir, Says};

/// The users table, and the log each repeatable migration writes to.
const USERS: &str = "CREATE TABLE users (id INT, name VARCHAR(50));\n\
                     CREATE TABLE runs (what VARCHAR(20));\n";

/// A repeatable migration that logs `what` each time it is applied.
fn logging(what: &str) -> String {
    format!("INSERT INTO runs (what) VALUES ('{what}');\n")
}

/// A view over users, dropped and created so that it reads the same everywhere.
const VIEW: &str = "DROP VIEW IF EXISTS user_names;\n\
                    CREATE VIEW user_names AS SELECT name FROM users;\n";

fn names(list: &[RepeatableStatus]) -> Vec<(String, RepeatableState)> {
    list.iter()
        .map(|s| (s.name.clone(), s.state.clone()))
        .collect()
}

fn applied(report: &migrate::Report) -> Vec<String> {
    report.repeatables.iter().map(|r| r.name.clone()).collect()
}

/// How many times the log says `what` ran.
async fn ran<D: Db>(db: &D, what: &str) -> i64 {
    db.count(&format!("SELECT COUNT(*) FROM runs WHERE what = '{what}'"))
        .await
}

/// After the versioned migrations, in name order, each repeatable migration whose checksum
/// differs from the one applied — a revert to an older content too; `status` tells which.
pub async fn repeatables_follow_the_versioned<D: Db>(db: &D) {
    let dir = Dir::new(&[("1_users.sql", USERS)]);
    dir.write("repeatable/b_view.sql", VIEW);
    dir.write("repeatable/a_log.sql", &logging("a1"));
    let set = dir.migrator();
    let pending = set.repeatable_status(db.pool()).await.expect("status");
    assert_eq!(
        names(&pending),
        [
            ("a_log".to_owned(), RepeatableState::Pending),
            ("b_view".to_owned(), RepeatableState::Pending)
        ]
    );
    let report = set.run(db.pool()).await.expect("first run");
    assert_eq!(versions(&report), [1]);
    assert_eq!(applied(&report), ["a_log", "b_view"]);
    assert_eq!(ran(db, "a1").await, 1);
    db.exec("INSERT INTO users (id, name) VALUES (1, 'ada')")
        .await;
    assert_eq!(db.count("SELECT COUNT(*) FROM user_names").await, 1);
    assert!(db.has_table("_migrations_repeatable").await);

    let again = set.run(db.pool()).await.expect("second run");
    assert!(again.is_empty(), "{again:?}");
    assert_eq!(ran(db, "a1").await, 1);

    // edited, then reverted: both are changes
    for (content, times) in [("a2", 1), ("a1", 2)] {
        dir.write("repeatable/a_log.sql", &logging(content));
        let set = dir.migrator();
        let status = set.repeatable_status(db.pool()).await.expect("status");
        assert!(
            matches!(status[0].state, RepeatableState::Changed { .. }),
            "{status:?}"
        );
        assert_eq!(status[1].state, RepeatableState::Applied);
        let report = set.run(db.pool()).await.expect("run after an edit");
        assert_eq!(applied(&report), ["a_log"], "{content}");
        assert_eq!(ran(db, content).await, times, "{content}");
    }

    // a new versioned migration runs first; unchanged repeatable migrations stay
    dir.write("2_more.sql", "CREATE TABLE more (id INT);\n");
    let report = dir
        .migrator()
        .run(db.pool())
        .await
        .expect("a new migration");
    assert_eq!((versions(&report), applied(&report)), (vec![2], vec![]));

    dir.remove("repeatable/b_view.sql");
    let status = dir.migrator().repeatable_status(db.pool()).await;
    let states = names(&status.expect("status"));
    assert_eq!(states[1], ("b_view".to_owned(), RepeatableState::Removed));
}

/// A repeatable migration that runs statement by statement and fails leaves a dirty row: the
/// next run stops on it, and `resume` continues at the statement that failed.
pub async fn a_failed_repeatable_resumes<D: Db>(db: &D) {
    let dir = Dir::new(&[("1_users.sql", USERS)]);
    let script = "-- migrate:no-transaction\n\
                  INSERT INTO runs (what) VALUES ('n1');\n\
                  INSERT INTO later (id) VALUES (1);\n\
                  INSERT INTO runs (what) VALUES ('n2');\n";
    dir.write("repeatable/steps.sql", script);
    let set = dir.migrator();
    let error = set.run(db.pool()).await.expect_err("a missing table");
    assert!(
        matches!(&error, Error::RepeatableFailed { name, statement: Some((1, 3)), line: Some(3), .. } if name == "steps"),
        "{error:?}"
    );
    error.assert_says([
        "repeatable migration `steps` failed at",
        "statements 1 to 1 of 3 are applied",
    ]);
    let status = set.repeatable_status(db.pool()).await.expect("status");
    assert!(
        matches!(
            &status[0].state,
            RepeatableState::Dirty {
                statements_done: 1,
                error: Some(_)
            }
        ),
        "{status:?}"
    );
    let error = set.run(db.pool()).await.expect_err("dirty");
    assert!(
        matches!(
            error,
            Error::RepeatableDirty {
                done: 1,
                total: 3,
                line: 3,
                ..
            }
        ),
        "{error:?}"
    );
    db.exec("CREATE TABLE later (id INT)").await;
    let report = set.runner().resume(true).run(db.pool()).await;
    assert_eq!(applied(&report.expect("resumed")), ["steps"]);
    assert_eq!((ran(db, "n1").await, ran(db, "n2").await), (1, 1));
    let status = set.repeatable_status(db.pool()).await.expect("status");
    assert_eq!(status[0].state, RepeatableState::Applied);
    assert!(set.run(db.pool()).await.expect("nothing left").is_empty());
}

/// A transactional repeatable migration that fails leaves its row as it was (on a database
/// with transactional DDL): the next run applies it again once it is fixed.
pub async fn a_failed_transactional_repeatable_rolls_back<D: Db>(db: &D) {
    let dir = Dir::new(&[("1_users.sql", USERS)]);
    dir.write(
        "repeatable/t.sql",
        &format!("{}INSERT INTO nowhere VALUES (1);\n", logging("t1")),
    );
    let error = dir.migrator().run(db.pool()).await.expect_err("fails");
    assert!(
        matches!(
            &error,
            Error::RepeatableFailed {
                statement: None,
                ..
            }
        ),
        "{error:?}"
    );
    error.assert_says(["nothing of it was applied (it ran in a transaction)"]);
    assert_eq!(ran(db, "t1").await, 0);
    let status = dir.migrator().repeatable_status(db.pool()).await;
    assert_eq!(status.expect("status")[0].state, RepeatableState::Pending);
    dir.write("repeatable/t.sql", &logging("t1"));
    let report = dir.migrator().run(db.pool()).await.expect("fixed");
    assert_eq!(applied(&report), ["t"]);
}

/// Undo forgets the repeatable migrations: the next run that reaches the newest migration
/// applies them all again.
pub async fn undo_forgets_repeatables<D: Db>(db: &D) {
    let dir = Dir::new(&[
        ("1_users.sql", USERS),
        ("2_more.up.sql", "CREATE TABLE more (id INT);\n"),
        ("2_more.down.sql", "DROP TABLE more;\n"),
    ]);
    dir.write("repeatable/log.sql", &logging("l"));
    let set = dir.migrator();
    set.run(db.pool()).await.expect("run");
    let undone = set.undo_to(db.pool(), crate::runtime::v(1)).await;
    assert_eq!(versions(&undone.expect("undo")), [2]);
    let status = set.repeatable_status(db.pool()).await.expect("status");
    assert_eq!(status[0].state, RepeatableState::Pending);
    let report = set.run(db.pool()).await.expect("again");
    assert_eq!(
        (versions(&report), applied(&report)),
        (vec![2], vec!["log".to_owned()])
    );
    assert_eq!(ran(db, "l").await, 2);
}
