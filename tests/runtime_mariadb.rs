//! The runtime on MariaDB, against a private server started from the machine's `mariadbd`:
//! every shared scenario (there, every file runs statement by statement and `atomic` is
//! refused), plus the tracking table in another database and the lock that covers it.

#![cfg(feature = "mysql")]

#[path = "support/runtime.rs"]
mod runtime;
#[path = "support/runtime_scenarios.rs"]
mod scenarios;

use std::time::Duration;

use migrate::sqlx::mysql::MySqlConnection;
use migrate::sqlx::Connection as _;
use migrate::{Error, State};

use runtime::{v, versions, wait_until, Db, Dir, Maria};
use scenarios::BASIC;

scenarios::tests!(Maria::fresh);

#[tokio::test]
async fn custom_table_in_another_database() {
    let Some(db) = Maria::fresh("custom_table").await else {
        return;
    };
    let schema = "other \"db\"";
    db.exec(&format!("CREATE DATABASE {}", Maria::quote(schema)))
        .await;
    scenarios::custom_table(&db, Some(schema)).await;
}

#[tokio::test]
async fn lock_timeout_names_the_holder_connection() {
    let Some(db) = Maria::fresh("lock_timeout").await else {
        return;
    };
    let (id, holder) = scenarios::lock_timeout(&db).await;
    assert_eq!(holder.as_deref(), Some(id.as_str()));
}

#[tokio::test]
async fn failing_statement_line() {
    let Some(db) = Maria::fresh("failing_wrapped").await else {
        return;
    };
    assert_eq!(
        scenarios::failing_statement(&db, true).await,
        (Some(5), Some(1))
    );
    let Some(db) = Maria::fresh("failing_no_tx").await else {
        return;
    };
    assert_eq!(
        scenarios::failing_statement(&db, false).await,
        (Some(5), Some(1))
    );
}

#[tokio::test]
async fn accepts_a_pool_connection_and_a_connection() {
    let Some(db) = Maria::fresh("connections").await else {
        return;
    };
    let mut pooled = db.pool.acquire().await.expect("acquire");
    let report = BASIC.run_to(&mut pooled, v(2)).await;
    assert_eq!(versions(&report.expect("run_to")), [1, 2]);

    let mut conn = MySqlConnection::connect(&db.url).await.expect("connect");
    assert_eq!(versions(&BASIC.run(&mut conn).await.expect("run")), [3, 4]);
    assert!(BASIC.plan(&mut conn).await.expect("plan").is_empty());
    let undone = BASIC.undo_to(&mut conn, v(3)).await;
    assert_eq!(versions(&undone.expect("undo")), [4]);
    let report = BASIC.runner().run(&mut *pooled).await.expect("run");
    assert_eq!(versions(&report), [4]);
    conn.ping()
        .await
        .expect("the borrowed connection is still usable");
    let status = BASIC.status(&mut conn).await.expect("status");
    assert!(status.iter().all(|s| s.state == State::Applied));
}

/// Two runners connected to different default databases migrate the same tracking table in a
/// third one: they must exclude each other.
#[tokio::test]
async fn lock_covers_a_tracking_table_in_another_database() {
    let (Some(one), Some(two)) = (
        Maria::fresh("shared_lock_one").await,
        Maria::fresh("shared_lock_two").await,
    ) else {
        return;
    };
    one.exec("CREATE DATABASE shared_lock_history").await;
    let dir = Dir::new(&[(
        "1_slow.sql",
        "CREATE TABLE slow (id INT);\nSELECT SLEEP(3);\n",
    )]);
    let set = dir.migrator();
    let first = tokio::spawn(async move {
        let report = set
            .runner()
            .schema("shared_lock_history")
            .run(&one.pool)
            .await;
        (report, one)
    });
    wait_until(
        Duration::from_secs(30),
        "the first runner sleeps",
        || async {
            let sql = "SELECT COUNT(*) FROM information_schema.processlist \
                   WHERE info LIKE 'SELECT SLEEP(3)%'";
            two.count(sql).await == 1
        },
    )
    .await;
    let err = dir
        .migrator()
        .runner()
        .schema("shared_lock_history")
        .lock_timeout(Duration::from_millis(500))
        .run(&two.pool)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::LockTimeout { .. }), "{err}");
    let (report, _one) = first.await.expect("the first runner panicked");
    assert_eq!(versions(&report.expect("first run")), [1]);
}
