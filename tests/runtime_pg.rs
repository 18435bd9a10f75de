//! The runtime on PostgreSQL, against a private cluster started from the machine's binaries:
//! every shared scenario, plus what only PostgreSQL shows — the fast path counted in the
//! server's statement log, error positions mapped into the file, the holder's pid, and
//! `CREATE INDEX CONCURRENTLY` while other runners wait for the lock.

#![cfg(feature = "postgres")]

#[path = "support/runtime.rs"]
mod runtime;
#[path = "support/runtime_scenarios.rs"]
mod scenarios;

use std::sync::Arc;
use std::time::Duration;

use migrate::sqlx::postgres::PgConnection;
use migrate::sqlx::Connection as _;
use migrate::{Error, State};

use runtime::{logged, states, v, versions, Db, Dir, Pg};
use scenarios::BASIC;

scenarios::tests!(Pg::fresh);

#[tokio::test]
async fn custom_table_in_a_schema() {
    let Some(db) = Pg::fresh("custom_table").await else {
        return;
    };
    let schema = "app \"schema\"";
    db.exec(&format!("CREATE SCHEMA {}", Pg::quote(schema)))
        .await;
    scenarios::custom_table(&db, Some(schema)).await;
}

#[tokio::test]
async fn lock_timeout_names_the_holder_pid() {
    let Some(db) = Pg::fresh("lock_timeout").await else {
        return;
    };
    // The same lock key held in another database must not be named: advisory locks are per
    // database.
    let Some(decoy) = Pg::fresh("lock_timeout_decoy").await else {
        return;
    };
    let decoy = decoy.hold_lock().await;
    let (id, holder) = scenarios::lock_timeout(&db).await;
    let holder = holder.expect("PostgreSQL names the holder");
    assert!(holder.contains(&format!("{id} ")), "{holder} is not {id}");
    assert!(
        !holder.contains(&format!("{} ", decoy.id)),
        "{holder} names the other database's holder"
    );
}

/// Nothing pending costs one statement, the same at 10 and at 300 migrations.
#[tokio::test]
async fn fast_path_is_one_statement_at_any_size() {
    let mut queries = Vec::new();
    for n in [10, 300] {
        let Some(db) = Pg::fresh(&format!("fast_path_{n}")).await else {
            return;
        };
        let dir = Dir::generated(n);
        let set = dir.migrator();
        let pool = db.new_pool(1).await;

        let (first, statements) = logged(&db, &pool, set.run(&pool)).await;
        assert_eq!(first.expect("first run").migrations.len(), n);
        assert!(statements.len() > n, "{} statements", statements.len());

        let (second, statements) = logged(&db, &pool, set.run(&pool)).await;
        assert!(second.expect("second run").migrations.is_empty());
        assert_eq!(statements.len(), 1, "at {n} migrations: {statements:#?}");
        let query = statements.into_iter().next().unwrap_or_default();
        assert!(query.contains("FROM \"_migrations\""), "{query}");
        assert!(query.contains("LIMIT 1"), "{query}");
        queries.push(query);
    }
    if let [small, large] = &queries[..] {
        assert_eq!(small, large, "the query grows with the set");
    }
}

/// A goose file whose bad type name sits on line 7, column 12 of the file (line 8 with the
/// directive), after a multi-byte comment inside the same statement: PostgreSQL counts
/// characters, the file position must too.
const GOOSE: &str = "-- +goose Up
-- comments above the statements
CREATE TABLE g1 (id INT);

CREATE TABLE g2 ( -- größe
    id INT,
    name_x TEXTT
);

-- +goose Down
DROP TABLE g2;
DROP TABLE g1;
";

#[tokio::test]
async fn error_position_in_a_transactional_goose_file() {
    let Some(db) = Pg::fresh("position_wrapped").await else {
        return;
    };
    let dir = Dir::new(&[("1_goose.sql", GOOSE)]);
    let err = dir.migrator().run(&db.pool).await.unwrap_err();
    let file = dir.shown("1_goose.sql");
    assert!(
        matches!(&err, Error::Failed { line: Some(7), column: Some(12), statement: None, file: f, .. } if *f == file),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("migration 1 failed at {file}:7:12\n")),
        "{text}"
    );
    assert!(
        !db.has_table("g1").await,
        "the transaction was not rolled back"
    );
}

#[tokio::test]
async fn error_position_in_a_no_transaction_goose_file() {
    let Some(db) = Pg::fresh("position_no_tx").await else {
        return;
    };
    let dir = Dir::new(&[("1_goose.sql", &format!("-- +goose NO TRANSACTION\n{GOOSE}"))]);
    let err = dir.migrator().run(&db.pool).await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Failed {
                line: Some(8),
                column: Some(12),
                statement: Some((1, 2)),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(db.has_table("g1").await);
    let status = dir.migrator().status(&db.pool).await.expect("status");
    assert!(
        matches!(&status[0].state, State::Dirty { statements_done: 1, error: Some(e) } if e.contains("textt")),
        "{status:?}"
    );
}

#[tokio::test]
async fn failing_statement_line_and_column() {
    let Some(db) = Pg::fresh("failing_wrapped").await else {
        return;
    };
    assert_eq!(
        scenarios::failing_statement(&db, true).await,
        (Some(6), Some(5))
    );
    let Some(db) = Pg::fresh("failing_no_tx").await else {
        return;
    };
    assert_eq!(
        scenarios::failing_statement(&db, false).await,
        (Some(6), Some(5))
    );
}

#[tokio::test]
async fn accepts_a_pool_connection_and_a_connection() {
    let Some(db) = Pg::fresh("connections").await else {
        return;
    };
    let mut pooled = db.pool.acquire().await.expect("acquire");
    let report = BASIC.run_to(&mut pooled, v(2)).await;
    assert_eq!(versions(&report.expect("run_to")), [1, 2]);
    let status = BASIC.status(&mut pooled).await.expect("status");
    assert_eq!(
        status.iter().filter(|s| s.state == State::Applied).count(),
        2
    );

    let mut conn = PgConnection::connect(&db.url).await.expect("connect");
    assert_eq!(versions(&BASIC.run(&mut conn).await.expect("run")), [3, 4]);
    assert!(BASIC.plan(&mut conn).await.expect("plan").is_empty());
    let undone = BASIC.undo_to(&mut conn, v(3)).await;
    assert_eq!(versions(&undone.expect("undo")), [4]);
    // a `&mut PgConnection` out of a pooled one
    let report = BASIC.runner().run(&mut *pooled).await.expect("run");
    assert_eq!(versions(&report), [4]);
    conn.ping()
        .await
        .expect("the borrowed connection is still usable");
    let status = BASIC.status(&mut conn).await.expect("status");
    assert!(status.iter().all(|s| s.state == State::Applied));
}

#[tokio::test]
async fn durations_are_measured() {
    let Some(db) = Pg::fresh("durations").await else {
        return;
    };
    let dir = Dir::new(&[
        ("1_slow.sql", "SELECT pg_sleep(0.3);\n"),
        (
            "2_slow.sql",
            "-- migrate:no-transaction\nSELECT pg_sleep(0.2);\nSELECT pg_sleep(0.1);\n",
        ),
    ]);
    let report = dir.migrator().run(&db.pool).await.expect("run");
    let status = dir.migrator().status(&db.pool).await.expect("status");
    for (i, line) in status.iter().enumerate() {
        let reported = report.migrations[i].duration;
        let recorded = line.duration.expect("a duration");
        assert!(reported >= Duration::from_millis(300), "{reported:?}");
        assert!(recorded >= Duration::from_millis(300), "{recorded:?}");
        assert!(
            recorded <= reported + Duration::from_millis(5),
            "{recorded:?} {reported:?}"
        );
    }
    assert_eq!(states(&status), [(1, State::Applied), (2, State::Applied)]);
}

/// Four runners start together on a fresh database whose second migration builds an index
/// concurrently: the winner's `CREATE INDEX CONCURRENTLY` must not wait forever for the
/// others, which wait for the lock meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_index_concurrently_while_others_wait() {
    let Some(db) = Pg::fresh("concurrently").await else {
        return;
    };
    let dir = Dir::new(&[
        (
            "1_big.sql",
            "CREATE TABLE big (id INT);\nINSERT INTO big SELECT generate_series(1, 20000);\nSELECT pg_sleep(0.5);\n",
        ),
        (
            "2_index.sql",
            "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY big_id ON big (id);\nSELECT pg_sleep(0.3);\n",
        ),
    ]);
    let set = Arc::new(dir.migrator());
    let start = Arc::new(tokio::sync::Barrier::new(4));
    let mut runners = Vec::new();
    for _ in 0..4 {
        let pool = db.new_pool(1).await;
        let (set, start) = (Arc::clone(&set), Arc::clone(&start));
        runners.push(tokio::spawn(async move {
            start.wait().await;
            tokio::time::timeout(Duration::from_secs(60), set.run(&pool)).await
        }));
    }
    let mut applied = 0;
    for runner in runners {
        let report = runner
            .await
            .expect("the runner panicked")
            .expect("a runner hung: CREATE INDEX CONCURRENTLY deadlocked on the lock")
            .expect("run");
        applied += report.migrations.len();
    }
    assert_eq!(applied, 2);
    let valid = db
        .count("SELECT COUNT(*) FROM pg_index JOIN pg_class ON pg_class.oid = indexrelid WHERE relname = 'big_id' AND indisvalid")
        .await;
    assert_eq!(valid, 1);
}

/// A run dropped in the middle of a migration (a `select!` on shutdown, a timeout) closes its
/// pooled connection rather than returning it to the pool with the lock: the next runner gets
/// the lock once the server has ended that session.
#[tokio::test]
async fn lock_released_when_a_run_is_cancelled() {
    let Some(db) = Pg::fresh("cancelled").await else {
        return;
    };
    db.exec("CREATE TABLE control (slow BOOLEAN); INSERT INTO control VALUES (TRUE);")
        .await;
    let dir = Dir::new(&[(
        "1_slow.sql",
        "CREATE TABLE t (id INT);\nSELECT pg_sleep(CASE WHEN (SELECT slow FROM control) THEN 600 ELSE 0 END);\n",
    )]);
    let set = dir.migrator();
    let pool = db.new_pool(1).await;
    let cancelled = tokio::time::timeout(Duration::from_millis(500), set.run(&pool)).await;
    assert!(
        cancelled.is_err(),
        "the run ended on its own: {cancelled:?}"
    );
    db.exec("UPDATE control SET slow = FALSE").await;
    let report = set
        .runner()
        .lock_timeout(Duration::from_secs(10))
        .run(&pool)
        .await
        .expect("the lock of the cancelled run was released");
    assert_eq!(versions(&report), [1]);
}

/// Atomic mode sends many migrations per round trip: a failure is still placed in its own
/// file and line — by the server's error position, and by the statements that completed when
/// the server gives none — nothing of the run stays, and each tracking row keeps its own
/// duration, not the time since its batch began.
#[tokio::test]
async fn atomic_batches_place_failures_and_time_each_migration() {
    let Some(db) = Pg::fresh("atomic_batches").await else {
        return;
    };
    let dir = Dir::new(&[
        ("1_a.sql", "CREATE TABLE a (id INT);\n"),
        (
            "2_b.sql",
            "CREATE TABLE b (id INT);\nSELECT pg_sleep(0.3);\n",
        ),
        (
            "3_c.sql",
            "CREATE TABLE c (id INT);\n\nINSERT INTO c VALUES (1);\nINSERT INTO nope VALUES (1);\n",
        ),
        ("4_d.sql", "CREATE TABLE d (id INT);\n"),
    ]);
    let pool = db.pool().clone();
    let atomic = |dir: &Dir| {
        let (set, pool) = (dir.migrator(), pool.clone());
        async move { set.runner().atomic(true).run(&pool).await }
    };
    let placed = |err: &Error| match err {
        Error::Failed {
            version,
            file,
            line,
            ..
        } => (
            version.get(),
            file.rsplit('/').next().map(str::to_owned),
            *line,
        ),
        other => panic!("expected Failed: {other}"),
    };
    // the server's position: `nope`, line 4
    let err = atomic(&dir).await.unwrap_err();
    assert_eq!(
        placed(&err),
        (3, Some("3_c.sql".to_owned()), Some(4)),
        "{err}"
    );
    assert!(!db.has_table("a").await);
    assert_eq!(db.tracked().await, 0);

    // no position (an error while executing): the statements that completed place it
    dir.write(
        "3_c.sql",
        "CREATE TABLE c (id INT);\nINSERT INTO c VALUES (1);\nSELECT 1 / (SELECT count(*) FROM c WHERE id = 2);\n",
    );
    let err = atomic(&dir).await.unwrap_err();
    assert_eq!(
        placed(&err),
        (3, Some("3_c.sql".to_owned()), Some(3)),
        "{err}"
    );
    assert!(!db.has_table("a").await);

    dir.write("3_c.sql", "CREATE TABLE c (id INT);\n");
    let report = atomic(&dir).await.expect("atomic");
    assert_eq!(versions(&report), [1, 2, 3, 4]);
    let slow = db
        .count("SELECT duration_ms FROM _migrations WHERE version = 2")
        .await;
    let after = db
        .count("SELECT max(duration_ms) FROM _migrations WHERE version > 2")
        .await;
    assert!(slow >= 300, "migration 2 slept 300 ms, recorded {slow} ms");
    assert!(
        after < 300,
        "migrations after 2 recorded {after} ms: counted from the batch's start"
    );
}

/// In atomic mode a migration's lock timeout holds for it alone: the next migration in the
/// same transaction (and the same batch) that sets none runs with the server's default again.
#[tokio::test]
async fn atomic_timeouts_hold_for_their_migration_only() {
    let Some(db) = Pg::fresh("atomic_timeouts").await else {
        return;
    };
    let dir = Dir::new(&[
        (
            "1_a.sql",
            "-- migrate:lock-timeout 2s\nCREATE TABLE seen (version INT, lock_timeout TEXT);\nINSERT INTO seen SELECT 1, current_setting('lock_timeout');\n",
        ),
        (
            "2_b.sql",
            "INSERT INTO seen SELECT 2, current_setting('lock_timeout');\n",
        ),
    ]);
    let set = dir.migrator();
    let report = set
        .runner()
        .atomic(true)
        .run(db.pool())
        .await
        .expect("atomic");
    assert_eq!(versions(&report), [1, 2]);
    let seen: Vec<(i32, String)> =
        migrate::sqlx::query_as("SELECT version, lock_timeout FROM seen ORDER BY version")
            .fetch_all(db.pool())
            .await
            .expect("seen");
    assert_eq!(seen, [(1, "2s".to_owned()), (2, "0".to_owned())]);
}
