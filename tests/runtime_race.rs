//! Sixteen runners start together on a fresh database, each with a pool of its own — tasks
//! on PostgreSQL and MariaDB, processes on SQLite (whose lock is a file lock between
//! processes): all succeed, and every migration is applied exactly once, as its side effects
//! show.

#![cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]

#[path = "support/runtime.rs"]
mod runtime;

use runtime::{Db, Dir, Lock};

const RUNNERS: usize = 16;

/// Six migrations, each recording itself in `hits` (which has no unique constraint, so a
/// second application would show), one of them outside a transaction.
fn race_set() -> Dir {
    Dir::new(&[
        (
            "1_hits.sql",
            "CREATE TABLE hits (version INT);\nINSERT INTO hits VALUES (1);\n",
        ),
        (
            "2_two.sql",
            "CREATE TABLE s2 (id INT);\nINSERT INTO hits VALUES (2);\n",
        ),
        (
            "3_three.sql",
            "CREATE TABLE s3 (id INT);\nINSERT INTO hits VALUES (3);\n",
        ),
        (
            "4_four.sql",
            "-- migrate:no-transaction\nCREATE TABLE s4 (id INT);\nINSERT INTO hits VALUES (4);\n",
        ),
        (
            "5_five.sql",
            "CREATE TABLE s5 (id INT);\nINSERT INTO hits VALUES (5);\n",
        ),
        ("6_six.sql", "INSERT INTO hits VALUES (6);\n"),
    ])
}

/// Every runner succeeded and every migration was applied exactly once.
async fn assert_once<D: Db>(db: &D, applied: &[usize]) {
    assert_eq!(applied.len(), RUNNERS);
    assert_eq!(
        applied.iter().sum::<usize>(),
        6,
        "applied per runner: {applied:?}"
    );
    assert_eq!(db.tracked().await, 6);
    assert_eq!(db.count("SELECT COUNT(*) FROM hits").await, 6);
    assert_eq!(
        db.count("SELECT COUNT(DISTINCT version) FROM hits").await,
        6
    );
}

/// Starts `RUNNERS` tasks that wait for each other, then run `set` on their own pools.
#[cfg(any(feature = "postgres", feature = "mysql"))]
macro_rules! race_tasks {
    ($db:expr, $set:expr, $lock:expr) => {{
        use std::sync::Arc;
        let set = Arc::new($set);
        let start = Arc::new(tokio::sync::Barrier::new(RUNNERS));
        let mut tasks = Vec::new();
        for _ in 0..RUNNERS {
            let pool = $db.new_pool(1).await;
            let (set, start) = (Arc::clone(&set), Arc::clone(&start));
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                let runner = $lock.runner(&set);
                let run = runner.run(&pool);
                tokio::time::timeout(std::time::Duration::from_secs(120), run).await
            }));
        }
        let mut applied = Vec::new();
        for task in tasks {
            let report = task
                .await
                .expect("a runner panicked")
                .expect("a runner hung")
                .unwrap_or_else(|e| panic!("a runner failed: {e}"));
            applied.push(report.migrations.len());
        }
        applied
    }};
}

/// One test per database and lock: the session lock and the lease.
macro_rules! races {
    ($($name:ident: $lock:expr),* $(,)?) => {
        $(mod $name {
            use super::*;

            #[cfg(feature = "postgres")]
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_sixteen_runners() {
                let Some(db) = runtime::Pg::fresh(concat!("race_", stringify!($name))).await else {
                    return;
                };
                let dir = race_set();
                let applied = race_tasks!(db, dir.migrator(), $lock);
                assert_once(&db, &applied).await;
            }

            #[cfg(feature = "mysql")]
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mariadb_sixteen_runners() {
                let Some(db) = runtime::Maria::fresh(concat!("race_", stringify!($name))).await else {
                    return;
                };
                let dir = race_set();
                let applied = race_tasks!(db, dir.migrator(), $lock);
                assert_once(&db, &applied).await;
            }

            /// Sixteen processes: in-process runners would not show that the lock holds
            /// between processes.
            #[cfg(feature = "sqlite")]
            #[tokio::test]
            async fn sqlite_sixteen_processes() {
                let db = runtime::Lite::fresh().await;
                let dir = race_set();
                let mut children = Vec::new();
                for _ in 0..RUNNERS {
                    let mut child = runtime::ChildProc::spawn_locked("sqlite", &db.url(), dir.path(), true, $lock);
                    child.wait_for("child: ready").await;
                    children.push(child);
                }
                for child in &mut children {
                    child.go().await;
                }
                let mut applied = Vec::new();
                for child in children {
                    let outcome = child.outcome().await;
                    applied.push(outcome.unwrap_or_else(|e| panic!("a child failed: {e}")));
                }
                assert_once(&db, &applied).await;
            }
        })*
    };
}

races!(session: Lock::SESSION, lease: Lock::LEASE);
