//! The lock where production runs: through PgBouncer in transaction pooling mode, across a
//! 3-node MariaDB Galera cluster, and the lease's own faults (a holder killed, a lease
//! stolen). Real servers, started by this test binary once: the private PostgreSQL cluster
//! with PgBouncer in front, a Galera cluster of three `mariadbd` on loopback.

#[path = "support/runtime.rs"]
mod runtime;

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use migrate::sqlx;
use migrate::testing::{TempGalera, TempPgBouncer};
use migrate::{Error, Locking, Migrator, State};

use runtime::{servers, states, versions, ChildProc, Db, Dir, Lite, Lock, Maria, Pg};

const RUNNERS: usize = 16;

/// Migrations that each record themselves in `hits` (no unique constraint: a second
/// application would show), one outside a transaction, one slow enough for runners to meet.
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
            "-- migrate:no-transaction\nCREATE TABLE s3 (id INT);\nINSERT INTO hits VALUES (3);\n",
        ),
        (
            "4_four.sql",
            "CREATE TABLE s4 (id INT);\nINSERT INTO hits VALUES (4);\n",
        ),
        (
            "5_five.sql",
            "CREATE INDEX s4_id ON s4 (id);\nINSERT INTO hits VALUES (5);\n",
        ),
        ("6_six.sql", "INSERT INTO hits VALUES (6);\n"),
    ])
}

/// Whether every runner succeeded and every migration ran exactly once (rows and effects).
async fn once<D: Db>(db: &D, outcomes: &[Result<usize, String>]) -> Result<(), String> {
    let failed: Vec<&String> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
    if !failed.is_empty() {
        return Err(format!(
            "{} runner(s) failed, e.g. {}",
            failed.len(),
            failed[0]
        ));
    }
    let applied: usize = outcomes.iter().flatten().sum();
    let hits = db.count("SELECT COUNT(*) FROM hits").await;
    let distinct = db.count("SELECT COUNT(DISTINCT version) FROM hits").await;
    let tracked = db.tracked().await;
    if (applied, hits, distinct, tracked) == (6, 6, 6, 6) {
        Ok(())
    } else {
        Err(format!(
            "applied {applied}, hits {hits} ({distinct} distinct), tracked {tracked}"
        ))
    }
}

/// `RUNNERS` processes on `url`, started together.
async fn processes(kind: &str, url: &str, dir: &Dir, lock: Lock) -> Vec<Result<usize, String>> {
    let mut children = Vec::new();
    for _ in 0..RUNNERS {
        let mut child = ChildProc::spawn_locked(kind, url, dir.path(), true, lock);
        child.wait_for("child: ready").await;
        children.push(child);
    }
    for child in &mut children {
        child.go().await;
    }
    let mut outcomes = Vec::new();
    for child in children {
        outcomes.push(child.outcome().await);
    }
    outcomes
}

/// PgBouncer in front of this binary's PostgreSQL cluster.
fn bouncer() -> Option<&'static TempPgBouncer> {
    static BOUNCER: LazyLock<Option<TempPgBouncer>> = LazyLock::new(|| {
        let cluster = runtime::pg_cluster()?;
        servers::available(TempPgBouncer::start(cluster))
    });
    BOUNCER.as_ref()
}

/// Through PgBouncer in transaction mode, 16 runner processes with the lease on a fresh
/// database: all succeed, each migration once. Everything the runtime sends works there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pgbouncer_lease_sixteen_processes() {
    let (Some(db), Some(bouncer)) = (Pg::fresh("bouncer_lease").await, bouncer()) else {
        return;
    };
    let dir = race_set();
    let url = bouncer.url("bouncer_lease");
    let outcomes = processes("postgres", &url, &dir, Lock::LEASE).await;
    once(&db, &outcomes).await.unwrap_or_else(|e| panic!("{e}"));

    // status, plan, down and up through the pooler too
    let pool = runtime::connect::<sqlx::Postgres>(&url, 4).await;
    let set = dir.migrator();
    let runner = set.runner().locking(Locking::Lease);
    let status = runner.status(&pool).await.expect("status");
    assert!(
        status.iter().all(|s| s.state == State::Applied),
        "{status:?}"
    );
    assert!(runner.plan(&pool).await.expect("plan").is_empty());
    assert!(runner
        .run(&pool)
        .await
        .expect("no-op")
        .migrations
        .is_empty());
    let reversible = Dir::new(&[
        ("1_a.up.sql", "CREATE TABLE ra (id INT);\n"),
        ("1_a.down.sql", "DROP TABLE ra;\n"),
        ("2_b.up.sql", "CREATE TABLE rb (id INT);\n"),
        ("2_b.down.sql", "DROP TABLE rb;\n"),
    ]);
    let set = reversible.migrator();
    let runner = set.runner().table("reversible").locking(Locking::Lease);
    assert_eq!(versions(&runner.run(&pool).await.expect("up")), [1, 2]);
    assert_eq!(
        versions(&runner.undo_all(&pool).await.expect("down")),
        [2, 1]
    );
    assert_eq!(
        versions(&runner.run(&pool).await.expect("up again")),
        [1, 2]
    );
}

/// The same through PgBouncer with the session lock: the advisory lock stays with a pooled
/// server connection, not with the runner, so runners are not excluded — the documentation's
/// warning, kept true.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pgbouncer_session_lock_excludes_nothing() {
    let (Some(db), Some(bouncer)) = (Pg::fresh("bouncer_session").await, bouncer()) else {
        return;
    };
    let dir = race_set();
    let url = bouncer.url("bouncer_session");
    let lock = Lock(
        Locking::Session,
        Duration::from_secs(30),
        Duration::from_secs(5),
    );
    let outcomes = processes("postgres", &url, &dir, lock).await;
    let verdict = once(&db, &outcomes).await;
    assert!(
        verdict.is_err(),
        "the session lock held through a transaction pooler"
    );
}

/// A 3-node Galera cluster of this binary, started once (about ten seconds).
fn galera() -> Option<&'static TempGalera> {
    static GALERA: LazyLock<Option<TempGalera>> =
        LazyLock::new(|| servers::available(TempGalera::start(3)));
    GALERA.as_ref()
}

/// 24 runners spread over the three nodes of a Galera cluster, `auto` locking: it picks the
/// lease there (`wsrep_on`); all succeed, each migration once, and every node shows the same
/// tracking rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn galera_twenty_four_runners_over_three_nodes() {
    let Some(cluster) = galera() else {
        return;
    };
    cluster
        .create_database("race")
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = race_set();
    let set = Arc::new(dir.migrator());
    let start = Arc::new(tokio::sync::Barrier::new(24));
    let mut tasks = Vec::new();
    for i in 0..24 {
        let pool = runtime::connect::<sqlx::MySql>(&cluster.url(i % 3, "race"), 1).await;
        let (set, start) = (Arc::clone(&set), Arc::clone(&start));
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let run = set.run(&pool);
            match tokio::time::timeout(Duration::from_secs(180), run).await {
                Ok(Ok(report)) => Ok(report.migrations.len()),
                Ok(Err(e)) => Err(format!("{e}: {e:?}")),
                Err(_) => Err("hung".to_owned()),
            }
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("a runner panicked"));
    }
    let db = GaleraNode::open(cluster, 0).await;
    once(&db, &outcomes).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(
        db.has_table("_migrations_lock").await,
        "auto did not pick the lease on Galera"
    );
    let rows = "SELECT GROUP_CONCAT(version, ':', HEX(checksum), ':', HEX(chain), ':', success ORDER BY version) FROM _migrations";
    let on_node_1 = cluster.sql(
        0,
        &format!("SET SESSION wsrep_sync_wait = 1; USE race; {rows}"),
    );
    for node in 1..3 {
        let here = cluster.sql(
            node,
            &format!("SET SESSION wsrep_sync_wait = 1; USE race; {rows}"),
        );
        assert_eq!(
            here.as_ref().map_err(ToString::to_string),
            on_node_1.as_ref().map_err(ToString::to_string),
            "node {} has other tracking rows",
            node + 1
        );
    }
}

/// A node of the Galera cluster as a test database.
struct GaleraNode {
    pool: sqlx::MySqlPool,
}

impl GaleraNode {
    async fn open(cluster: &TempGalera, node: usize) -> GaleraNode {
        let pool = runtime::connect::<sqlx::MySql>(&cluster.url(node, "race"), 2).await;
        GaleraNode { pool }
    }
}

impl Db for GaleraNode {
    type Database = sqlx::MySql;
    const TRANSACTIONAL_DDL: bool = false;

    fn pool(&self) -> &sqlx::MySqlPool {
        &self.pool
    }

    fn quote(identifier: &str) -> String {
        Maria::quote(identifier)
    }

    async fn exec(&self, sql: &str) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&self.pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    async fn count(&self, sql: &str) -> i64 {
        let causal = format!("SET STATEMENT wsrep_sync_wait = 1 FOR {sql}");
        sqlx::query_scalar(sqlx::AssertSqlSafe(causal))
            .fetch_one(&self.pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    async fn has_table(&self, name: &str) -> bool {
        let sql = format!(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{name}'"
        );
        self.count(&sql).await == 1
    }

    async fn hold_lock(&self) -> runtime::Held {
        unreachable!("not used on Galera")
    }
}

/// The lease's faults, on every database.
macro_rules! on_every_database {
    ($($name:ident),* $(,)?) => {
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(db) = super::Pg::fresh(concat!("lease_", stringify!($name))).await {
                    super::$name(&db, "postgres", &db.url).await;
                }
            })*
        }
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let db = super::Lite::fresh().await;
                let url = db.url();
                super::$name(&db, "sqlite", &url).await;
            })*
        }
        mod mariadb {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(db) = super::Maria::fresh(concat!("lease_", stringify!($name))).await {
                    super::$name(&db, "mysql", &db.url).await;
                }
            })*
        }
    };
}

on_every_database!(killed_holder_is_taken_over, stolen_lease_cannot_commit);

/// A slow statement for each database, in seconds.
fn sleep_sql(kind: &str, seconds: u32) -> String {
    match kind {
        "postgres" => format!("SELECT pg_sleep({seconds});"),
        "mysql" => format!("SELECT SLEEP({seconds});"),
        // SQLite has no sleep: a long recursive count
        _ => format!(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {}) SELECT count(*) FROM c;",
            u64::from(seconds) * 2_000_000
        ),
    }
}

/// A holder killed with SIGKILL mid-migration under a 2 s lease: the next runner waits for the
/// lease to expire, takes it over (the lock row names the old holder) and reports the dirty
/// migration as a session-lock run would.
async fn killed_holder_is_taken_over<D: Db>(db: &D, kind: &str, url: &str) {
    let dir = Dir::new(&[
        ("1_log.sql", "CREATE TABLE log (note INT);\n"),
        (
            "2_slow.sql",
            &format!("-- migrate:no-transaction\nINSERT INTO log VALUES (1);\n{}\nINSERT INTO log VALUES (2);\n", sleep_sql(kind, 30)),
        ),
    ]);
    let lease = Lock(
        Locking::Lease,
        Duration::from_secs(2),
        Duration::from_secs(60),
    );
    let mut child = ChildProc::spawn_locked(kind, url, dir.path(), false, lease);
    let pid = child.id();
    child.wait_for("child: running").await;
    runtime::wait_until(Duration::from_secs(30), "statement 1 is recorded", || async {
        db.has_table("_migrations").await
            && db.count("SELECT COUNT(*) FROM _migrations WHERE version = 2 AND statements_done = 1").await == 1
    })
    .await;
    child.kill().await;

    let set = dir.migrator();
    let started = std::time::Instant::now();
    let err = lease.runner(&set).run(db.pool()).await.unwrap_err();
    assert!(matches!(err, Error::Dirty { done: 1, .. }), "{err}");
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "it did not wait for the lease"
    );
    let previous =
        format!("SELECT COUNT(*) FROM _migrations_lock WHERE previous LIKE '% pid {pid} %'");
    assert_eq!(
        db.count(&previous).await,
        1,
        "the lock row does not name the killed holder"
    );
    let status = set.status(db.pool()).await.expect("status");
    assert_eq!(
        states(&status),
        [
            (1, State::Applied),
            (
                2,
                State::Dirty {
                    statements_done: 1,
                    error: None
                }
            )
        ]
    );
}

/// A runner whose lease was taken over while it was paused (between two migrations) cannot
/// commit its next migration: the other runner applies it, once.
async fn stolen_lease_cannot_commit<D: Db>(db: &D, _kind: &str, _url: &str) {
    let dir = Dir::new(&[
        (
            "1_hits.sql",
            "CREATE TABLE hits (version INT);\nINSERT INTO hits VALUES (1);\n",
        ),
        ("2_two.sql", "INSERT INTO hits VALUES (2);\n"),
        (
            "3_three.sql",
            "-- migrate:no-transaction\nINSERT INTO hits VALUES (3);\n",
        ),
    ]);
    let set: Arc<Migrator> = Arc::new(dir.migrator());
    let (paused_tx, paused_rx) = std::sync::mpsc::channel::<()>();
    let (resume_tx, resume_rx) = std::sync::mpsc::channel::<()>();
    let resume_rx = std::sync::Mutex::new(resume_rx);
    let a_pool = db.pool().clone();
    let a_set = Arc::clone(&set);
    let a = tokio::spawn(async move {
        let runner = a_set
            .runner()
            .locking(Locking::Lease)
            .lease(Duration::from_secs(30))
            .on_progress(move |event| {
                if let migrate::Progress::Done(applied) = event {
                    if applied.version.get() == 1 {
                        // a pause: the process stops here (its heartbeat too)
                        let _ = paused_tx.send(());
                        // blocks this worker thread only: the runtime moves the rest off it
                        tokio::task::block_in_place(|| {
                            if let Ok(rx) = resume_rx.lock() {
                                let _ = rx.recv();
                            }
                        });
                    }
                }
            });
        runner.run(&a_pool).await
    });
    let paused = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::task::spawn_blocking(move || paused_rx.recv()),
    )
    .await;
    assert!(
        matches!(paused, Ok(Ok(Ok(())))),
        "runner A did not pause after migration 1"
    );
    // the pause outlasts the lease: expire it as the clock would
    db.exec("UPDATE _migrations_lock SET expires_at = 0").await;
    let b = set
        .runner()
        .locking(Locking::Lease)
        .run(db.pool())
        .await
        .expect("runner B");
    assert_eq!(versions(&b), [2, 3]);
    resume_tx.send(()).expect("resume A");
    let err = a.await.expect("join").unwrap_err();
    assert!(matches!(err, Error::LeaseLost { .. }), "{err}");
    for version in 1..=3 {
        let sql = format!("SELECT COUNT(*) FROM hits WHERE version = {version}");
        assert_eq!(db.count(&sql).await, 1, "migration {version}");
    }
    assert_eq!(db.tracked().await, 3);
    // the lock is free again: a third runner finds nothing to do
    let again = set.runner().locking(Locking::Lease).run(db.pool()).await;
    assert!(again.expect("run").migrations.is_empty());
}
