//! The runtime on SQLite, one temporary database file per test: every shared scenario, plus
//! custom tables, a connection instead of a pool, and an in-memory database.
//!
//! The lock held by another process, races between processes and crashes are in
//! runtime_race.rs and runtime_crash.rs.

#![cfg(feature = "sqlite")]

#[path = "support/runtime.rs"]
mod runtime;
#[path = "support/runtime_scenarios.rs"]
mod scenarios;

use migrate::sqlx::sqlite::{SqliteConnection, SqlitePool};
use migrate::sqlx::Connection as _;
use migrate::State;

use runtime::{v, versions, Lite};
use scenarios::BASIC;

scenarios::tests!(|_| async { Some(Lite::fresh().await) });

#[tokio::test]
async fn custom_table() {
    scenarios::custom_table(&Lite::fresh().await, None).await;
    scenarios::custom_table(&Lite::fresh().await, Some("main")).await;
}

#[tokio::test]
async fn lock_timeout_names_the_holder() {
    let (id, holder) = scenarios::lock_timeout(&Lite::fresh().await).await;
    let holder = holder.expect("the lock file names the holder");
    assert!(holder.starts_with(&id), "{holder}");
    assert!(holder.contains("-migrate.lock"), "{holder}");
}

#[tokio::test]
async fn failing_statement_line() {
    assert_eq!(
        scenarios::failing_statement(&Lite::fresh().await, true).await,
        (Some(5), Some(1))
    );
    assert_eq!(
        scenarios::failing_statement(&Lite::fresh().await, false).await,
        (Some(5), Some(1))
    );
}

#[tokio::test]
async fn accepts_a_pool_connection_and_a_connection() {
    let db = Lite::fresh().await;
    let mut pooled = db.pool.acquire().await.expect("acquire");
    let report = BASIC.run_to(&mut pooled, v(2)).await;
    assert_eq!(versions(&report.expect("run_to")), [1, 2]);
    drop(pooled);

    let mut conn = SqliteConnection::connect(&db.url()).await.expect("connect");
    assert_eq!(versions(&BASIC.run(&mut conn).await.expect("run")), [3, 4]);
    assert!(BASIC.plan(&mut conn).await.expect("plan").is_empty());
    let undone = BASIC.undo_to(&mut conn, v(3)).await;
    assert_eq!(versions(&undone.expect("undo")), [4]);
    let report = BASIC.runner().run(&mut conn).await.expect("run");
    assert_eq!(versions(&report), [4]);
    conn.ping()
        .await
        .expect("the borrowed connection is still usable");
    let status = BASIC.status(&mut conn).await.expect("status");
    assert!(status.iter().all(|s| s.state == State::Applied));
}

#[tokio::test]
async fn in_memory_database() {
    let pool: SqlitePool = runtime::connect("sqlite::memory:", 1).await;
    assert_eq!(
        versions(&BASIC.run(&pool).await.expect("run")),
        [1, 2, 3, 4]
    );
    assert!(BASIC.run(&pool).await.expect("again").migrations.is_empty());
}
