//! `migrate::testing`: the embedded table is current (and the messages when it is not),
//! throwaway databases, `#[migrate::test]` on PostgreSQL and SQLite, and the reversibility
//! check on the example set and on the real-world sets of `../shared/corpus`, where it must
//! pass openfga and atuin-kv and find the upstream bugs that `sets.json` lists.
//!
//! PostgreSQL runs in the private cluster `migrate::testing` starts for this process (or on
//! the server of `MIGRATE_TEST_DATABASE_URL`); without PostgreSQL binaries those tests skip
//! with a notice, except under `CI=true`.

#![cfg(all(feature = "testing", feature = "postgres", feature = "sqlite"))]

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/dir.rs"]
mod dir;
#[path = "support/servers.rs"]
mod servers;

#[path = "testing/children.rs"]
mod children;
#[path = "testing/cleanup.rs"]
mod cleanup;
#[path = "testing/fixtures.rs"]
mod fixtures;
#[cfg(feature = "mysql")]
#[path = "testing/mariadb.rs"]
mod mariadb;
#[path = "testing/processes.rs"]
mod processes;
#[path = "testing/templates.rs"]
mod templates;

use std::path::PathBuf;

use migrate::sqlx::{self, PgPool, Postgres, SqlitePool};
use migrate::testing::{self, Finding, Irreversibility, Reversible, SkipReason, TempDatabase};
use migrate::{Migrator, State, Version};

use dir::Dir;

static EXAMPLE: Migrator = migrate::embed_migrations!("migrations");

// ---------------------------------------------------------------------------------------------
// assert_current

#[test]
fn the_example_set_is_current() {
    testing::assert_current(&EXAMPLE, "migrations");
    testing::assert_current(&EXAMPLE, "./migrations/");
}

#[test]
fn a_new_file_is_reported_as_a_stale_build_and_an_unlocked_migration() {
    let dir = Dir::copy_of("migrations");
    let built = dir.migrator();
    assert_eq!(testing::check_current(&built, dir.path()), Ok(()));

    dir.write(
        "20240106000000_add_tags.sql",
        "CREATE TABLE tags (id BIGINT);\n",
    );
    let stale = testing::check_current(&built, dir.path()).unwrap_err();
    let shown = dir.path().display();
    let crate_name = env!("CARGO_PKG_NAME");
    let messages: Vec<String> = stale.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            format!(
                "{shown}/20240106000000_add_tags.sql: not in the embedded table: the build is stale — add `migrate::build::track(\"{shown}\")` to build.rs (or `cargo clean -p {crate_name}`)"
            ),
            format!(
                "{shown}/migrations.lock: stale: it lacks 20240106000000 ({shown}/20240106000000_add_tags.sql); run `migrate lock` and commit it"
            ),
        ]
    );
    let panic = std::panic::catch_unwind(|| testing::assert_current(&built, dir.path()));
    let message = panic_message(panic.unwrap_err());
    assert!(
        message.starts_with("the embedded migrations are not current:\n"),
        "{message}"
    );
    assert!(message.contains("20240106000000_add_tags.sql: not in the embedded table"));
}

#[test]
fn an_edit_a_removal_and_a_missing_lock_are_reported() {
    let dir = Dir::copy_of("migrations");
    // unlocked work in progress, embedded, then edited
    dir.write(
        "20240106000000_add_tags.sql",
        "CREATE TABLE tags (id BIGINT);\n",
    );
    let built = dir.migrator();
    dir.write(
        "20240106000000_add_tags.sql",
        "CREATE TABLE tags (id INT);\n",
    );
    // a down script removed
    dir.remove("20240105000000_create_comments.down.sql");
    dir.remove("migrations.lock");
    let stale = testing::check_current(&built, dir.path()).unwrap_err();
    let problems: Vec<(String, String)> = stale
        .problems
        .iter()
        .map(|p| (p.file.clone(), p.message.clone()))
        .collect();
    assert_eq!(problems.len(), 3, "{stale}");
    assert_eq!(
        problems[0].0,
        dir.shown("20240105000000_create_comments.down.sql")
    );
    assert!(problems[0].1.starts_with(
        "the embedded table has this down script, the directory does not: the build is stale"
    ));
    assert_eq!(problems[1].0, dir.shown("20240106000000_add_tags.sql"));
    assert!(problems[1]
        .1
        .starts_with("edited since the embedded table was built: the build is stale"));
    assert_eq!(
        problems[2],
        (
            dir.shown("migrations.lock"),
            "missing: run `migrate lock` and commit it".to_owned()
        )
    );
}

#[test]
fn a_directory_that_no_longer_builds_is_reported_with_the_rule() {
    let dir = Dir::copy_of("migrations");
    let built = dir.migrator();
    dir.write(
        "20240102000000_create_posts.up.sql",
        "CREATE TABLE posts (id INT);\n",
    );
    let stale = testing::check_current(&built, dir.path()).unwrap_err();
    let message = stale.to_string();
    assert!(
        message.contains("20240102000000_create_posts.up.sql")
            && message.contains("locked migration 20240102000000 was edited")
            && message.ends_with("the next build fails on this, the embedded table predates it"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------------
// #[migrate::test]

#[migrate::test]
async fn migrate_test_gives_sqlite_a_migrated_database(pool: SqlitePool) {
    let status = EXAMPLE.status(&pool).await.unwrap();
    assert!(
        status.iter().all(|s| s.state == State::Applied),
        "{status:?}"
    );
    // every test has a database of its own: the same row in another test does not collide
    sqlx::query("INSERT INTO users (id, email, display_name) VALUES (1, 'a@example.com', 'A')")
        .execute(&pool)
        .await
        .unwrap();
}

#[migrate::test(migrations = "migrations")]
async fn migrate_test_gives_sqlite_a_fresh_database(pool: SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO users (id, email, display_name) VALUES (1, 'a@example.com', 'A')")
        .execute(&pool)
        .await?;
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await?;
    assert_eq!(users, 1);
    Ok(())
}

#[migrate::test(migrator = EXAMPLE)]
async fn migrate_test_gives_postgres_a_migrated_database(pool: PgPool) -> Result<(), sqlx::Error> {
    let status = EXAMPLE.status(&pool).await.unwrap();
    assert!(
        status.iter().all(|s| s.state == State::Applied),
        "{status:?}"
    );
    sqlx::query("INSERT INTO users (id, email, display_name) VALUES (1, 'a@example.com', 'A')")
        .execute(&pool)
        .await?;
    let database: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&pool)
        .await?;
    assert!(database.starts_with("migrate_test_"), "{database}");
    Ok(())
}

#[migrate::test]
async fn migrate_test_gives_postgres_a_fresh_database(pool: PgPool) {
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 0);
}

// ---------------------------------------------------------------------------------------------
// throwaway databases

#[tokio::test]
async fn a_removed_postgres_database_is_gone() {
    let Some(db) = postgres_db().await else {
        return;
    };
    let name = db.name();
    let pool = db.migrated(&EXAMPLE).await.unwrap();
    pool.close().await;
    let other = postgres_db().await.unwrap();
    let pool = other.pool().await.unwrap();
    let exists = || {
        sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)",
        )
        .bind(name.clone())
        .fetch_one(&pool)
    };
    assert!(exists().await.unwrap());
    db.remove().await.unwrap();
    assert!(!exists().await.unwrap());
}

#[tokio::test]
async fn a_sqlite_database_is_deleted_on_drop() {
    let db = testing::fresh_sqlite().unwrap();
    let file = PathBuf::from(db.name());
    let pool = db.migrated(&EXAMPLE).await.unwrap();
    assert!(file.is_file());
    pool.close().await;
    drop(db);
    assert!(!file.exists() && !file.parent().unwrap().exists());
}

// ---------------------------------------------------------------------------------------------
// reversibility: the example set

#[tokio::test]
async fn the_example_set_is_reversible_on_sqlite_and_its_irreversible_migrations_are_skipped() {
    let db = testing::fresh_sqlite().unwrap();
    let report = testing::assert_reversible(&EXAMPLE, &db.pool().await.unwrap()).await;
    assert_eq!(
        report.checked,
        versions(&[20240101000000, 20240102000000, 20240105000000])
    );
    let skipped: Vec<(i64, &str, SkipReason)> = report
        .skipped
        .iter()
        .map(|s| (s.version.get(), s.file.as_str(), s.reason))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                20240103000000,
                "migrations/20240103000000_add_user_bio.sql",
                SkipReason::NoDown
            ),
            (
                20240104000000,
                "migrations/20240104000000_index_by_date.sql",
                SkipReason::NoDown
            )
        ]
    );
}

#[tokio::test]
async fn the_example_set_is_reversible_on_postgres() {
    let Some(db) = postgres_db().await else {
        return;
    };
    let report = testing::assert_reversible(&EXAMPLE, &db.pool().await.unwrap()).await;
    assert_eq!(report.checked.len(), 3);
}

#[cfg(feature = "mysql")]
#[tokio::test]
async fn the_example_set_is_reversible_on_mariadb() {
    let Some(server) = servers::available(migrate::testing::TempMariaDb::start()) else {
        return;
    };
    server.create_database("reversible").await.unwrap();
    let pool = sqlx::MySqlPool::connect(&server.url("reversible"))
        .await
        .unwrap();
    let report = testing::assert_reversible(&EXAMPLE, &pool).await;
    assert_eq!(report.checked.len(), 3);
    // and a down that leaves something behind is found there too
    let dir = Dir::copy_of("migrations");
    dir.write(
        "20240105000000_create_comments.down.sql",
        "ALTER TABLE comments DROP COLUMN body;\n",
    );
    server.create_database("leaky").await.unwrap();
    let pool = sqlx::MySqlPool::connect(&server.url("leaky"))
        .await
        .unwrap();
    let error = testing::check_reversible(&dir.migrator(), &pool)
        .await
        .unwrap_err();
    assert_not_undone(error.first(), 20240105000000, "+ table comments base table");
}

#[tokio::test]
async fn a_down_that_leaves_a_table_is_found_with_the_difference_and_the_check_goes_on() {
    let dir = Dir::copy_of("migrations");
    dir.write(
        "20240102000000_create_posts.down.sql",
        "DROP TABLE posts;\nCREATE TABLE leftover (id INT);\n",
    );
    let error = check_on_sqlite(&dir.migrator()).await.unwrap_err();
    // the up runs again after it, so the rest is checked too
    assert_eq!(error.findings.len(), 1, "{error}");
    assert!(error.complete);
    assert_eq!(
        error.report.checked,
        versions(&[20240101000000, 20240105000000])
    );
    let finding = error.first();
    assert_not_undone(
        finding,
        20240102000000,
        "+ table leftover: CREATE TABLE (id INT)",
    );
    let shown = dir.shown("20240102000000_create_posts.down.sql");
    assert_eq!(finding.file(), Some(shown.as_str()));
    assert_eq!(
        error.to_string(),
        format!(
            "1 migration's down script does not undo its up script\n\n\
             migration 20240102000000: its down script {shown} does not undo its up script; \
             from before the up to after the down (- gone, + left behind):\n\
             + table leftover: CREATE TABLE (id INT)"
        )
    );
}

#[tokio::test]
async fn a_down_whose_up_cannot_run_again_stops_the_check() {
    let dir = Dir::copy_of("migrations");
    dir.write(
        "20240102000000_create_posts.down.sql",
        "DROP INDEX posts_author_id;\n",
    );
    let error = check_on_sqlite(&dir.migrator()).await.unwrap_err();
    assert!(!error.complete);
    assert_eq!(error.report.checked, versions(&[20240101000000]));
    match &error.findings[..] {
        [left @ Finding::NotUndone { .. }, Finding::RedoFailed {
            version,
            error: migrate::Error::Failed { source, .. },
            ..
        }] if version.get() == 20240102000000 && source.to_string().contains("already exists") => {
            assert_not_undone(left, 20240102000000, "+ table posts: CREATE TABLE (");
        }
        other => panic!("{other:#?}"),
    }
    assert!(error
        .to_string()
        .ends_with("\n\nthe check stopped there; the database is left as it was then"));
}

#[tokio::test]
async fn a_database_with_migrations_applied_is_refused() {
    let db = testing::fresh_sqlite().unwrap();
    let pool = db.migrated(&EXAMPLE).await.unwrap();
    let error = testing::check_reversible(&EXAMPLE, &pool)
        .await
        .unwrap_err();
    assert!(
        matches!(error.findings[..], [Finding::Stopped { version: None, .. }]),
        "{error:?}"
    );
    assert!(!error.complete);
}

// ---------------------------------------------------------------------------------------------
// reversibility: the corpus

#[tokio::test]
async fn openfga_and_atuin_kv_are_reversible_on_sqlite() {
    for set in [
        "openfga/assets/migrations/sqlite",
        "atuin/crates/atuin-kv/migrations",
    ] {
        let Some(migrator) = corpus(set) else {
            return;
        };
        let report = check_on_sqlite(&migrator)
            .await
            .unwrap_or_else(|e| panic!("{set}: {e:?}"));
        assert!(!report.checked.is_empty(), "{set}: {report:?}");
    }
}

#[tokio::test]
async fn openfga_is_reversible_on_postgres() {
    let Some(db) = postgres_db().await else {
        return;
    };
    let Some(migrator) = corpus("openfga/assets/migrations/postgres") else {
        return;
    };
    let report = testing::check_reversible(&migrator, &db.pool().await.unwrap())
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(report.checked.len() + report.skipped.len(), 6);
}

#[tokio::test]
async fn atuin_scripts_down_is_invalid_sqlite() {
    let Some(migrator) = corpus("atuin/crates/atuin-scripts/migrations") else {
        return;
    };
    let error = check_on_sqlite(&migrator).await.unwrap_err();
    assert_eq!(error.findings.len(), 1, "{error}");
    assert_down_failed(
        error.first(),
        20250402170430,
        "atuin/crates/atuin-scripts/migrations/20250402170430_unique_names.down.sql",
        "near \"index\": syntax error",
    );
}

#[tokio::test]
async fn gophish_rbac_down_lacks_semicolons() {
    let Some(migrator) = corpus("gophish/db/db_sqlite3/migrations") else {
        return;
    };
    let error = check_on_sqlite(&migrator).await.unwrap_err();
    assert_down_failed(
        error.first(),
        20190105192341,
        "gophish/db/db_sqlite3/migrations/20190105192341_0.8.0_rbac.sql",
        "near \"DROP\": syntax error",
    );
}

/// crates.io, read by diesel's own naming rule.
///
/// sets.json names the failing down that `undo` meets first, newest first: 2024-10-25's. In
/// version order the check finds two older failing downs before it (a missing semicolon, and
/// `CREATE INDEX CONCURRENTLY` in a transaction), and downs that leave the schema changed;
/// 2024-10-25's runs outside a transaction, so the check stops there.
#[tokio::test]
async fn crates_io_failing_downs_end_with_make_unique_version_unique() {
    let Some(db) = postgres_db().await else {
        return;
    };
    let Some(migrator) = corpus("crates-io/migrations") else {
        return;
    };
    let error = testing::check_reversible(&migrator, &db.pool().await.unwrap())
        .await
        .unwrap_err();
    let shown = "crates-io/migrations";
    let failed: Vec<&Finding> = error
        .findings
        .iter()
        .filter(|f| matches!(f, Finding::DownFailed { .. }))
        .collect();
    assert_eq!(failed.len(), 3, "{error}");
    assert_down_failed(
        failed[0],
        2017031818144100000,
        &format!("{shown}/20170318181441_downloads_need_no_id/down.sql"),
        "syntax error at or near \"ALTER\"",
    );
    assert_down_failed(
        failed[1],
        2024041214453600000,
        &format!("{shown}/2024-04-12-144536_remove-downloads-column/down.sql"),
        "CREATE INDEX CONCURRENTLY cannot run inside a transaction block",
    );
    assert_down_failed(
        failed[2],
        2024102511282600000,
        &format!("{shown}/2024-10-25-112826_make-unique-version-unique/down.sql"),
        "constraint \"versions_crate_id_num_no_build_uindex\" of relation \"versions\" does not exist",
    );
    assert!(!error.complete, "{error}");
    assert_eq!(
        error.findings.last().unwrap().version().unwrap().get(),
        2024102511282600000
    );
    // the first: the up sets NOT NULL on a column that has it, the down drops it
    assert_not_undone(
        error.first(),
        2014092613004600000,
        "+ column public.versions.downloads integer",
    );
}

#[tokio::test]
async fn sqlxmq_setup_down_leaves_the_uuid_extension() {
    let Some(db) = postgres_db().await else {
        return;
    };
    let Some(migrator) = corpus("sqlxmq/migrations") else {
        return;
    };
    let error = testing::check_reversible(&migrator, &db.pool().await.unwrap())
        .await
        .unwrap_err();
    println!("{error}");
    let finding = error.first();
    assert_not_undone(finding, 20210316025847, "+ extension \"uuid-ossp\"");
    let diff = finding.diff().unwrap();
    assert!(diff.removed.is_empty(), "{diff}");
    assert_eq!(
        finding.file(),
        Some(
            format!(
                "{}/sqlxmq/migrations/20210316025847_setup.down.sql",
                corpus::root()
            )
            .as_str()
        )
    );
}

// ---------------------------------------------------------------------------------------------
// helpers

/// A PostgreSQL test database, or `None` (after a notice) without PostgreSQL outside CI.
async fn postgres_db() -> Option<TempDatabase<Postgres>> {
    servers::available(testing::fresh_postgres().await)
}

/// The reversibility check of `migrator` on a fresh SQLite database.
async fn check_on_sqlite(migrator: &Migrator) -> Result<Reversible, Irreversibility> {
    let db = testing::fresh_sqlite().unwrap();
    testing::check_reversible(migrator, &db.pool().await.unwrap()).await
}

/// A set of the corpus; `None`, after a notice, without the corpus outside CI.
fn corpus(set: &str) -> Option<Migrator> {
    corpus::available()?;
    let dir = format!("{}/{set}", corpus::root());
    Some(Migrator::from_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}")))
}

fn versions(values: &[i64]) -> Vec<Version> {
    values.iter().copied().filter_map(Version::new).collect()
}

fn assert_down_failed(finding: &Finding, version: i64, file: &str, message: &str) {
    let file = if file.starts_with('/') {
        file.to_owned()
    } else {
        format!("{}/{file}", corpus::root())
    };
    match finding {
        Finding::DownFailed {
            version: v,
            file: f,
            error: migrate::Error::Failed {
                file: failed_file,
                source,
                ..
            },
        } if v.get() == version && *f == file && *failed_file == file && source.to_string().contains(message) => {}
        other => panic!("expected the down of {version} ({file}) to fail with {message:?}, got {other:?}\n{other}"),
    }
}

fn assert_not_undone(finding: &Finding, version: i64, left: &str) {
    match finding {
        Finding::NotUndone {
            version: v, diff, ..
        } if v.get() == version && diff.to_string().lines().any(|l| l.starts_with(left)) => {}
        other => panic!("expected the down of {version} to leave {left:?}, got {other:?}\n{other}"),
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}
