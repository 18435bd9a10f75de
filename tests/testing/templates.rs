//! Templates: built once per version of a set and cloned per test; replaced when the set
//! changes, never used half-built (across processes: `processes.rs`).

use migrate::sqlx::{self, Connection as _, PgConnection, PgPool, Postgres, Sqlite};
use migrate::testing::{self, TempDatabase};
use migrate::{State, Version};

use crate::dir::Dir;
use crate::servers;

/// A set of `n` migrations whose first one no other test has: a set of its own (named by
/// its first migration), so that templates of tests running at the same time are not each
/// other's stale ones.
pub fn unique_set(tag: &str, n: usize) -> Dir {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = Dir::new(&[]);
    for i in 1..=n {
        let mark = if i == 1 {
            format!("-- {tag} {} {nanos}\n", std::process::id())
        } else {
            String::new()
        };
        dir.write(
            &format!("{i}_t{i}.sql"),
            &format!("{mark}CREATE TABLE t{i} (id INT);\n"),
        );
    }
    dir
}

async fn pg_databases(pool: &PgPool, like: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname LIKE $1 ORDER BY 1")
        .bind(like)
        .fetch_all(pool)
        .await
        .unwrap()
}

/// The template's name without its kind and chain: every template of the set starts so.
fn set_prefix(template: &str) -> String {
    format!("{}%", &template[..24])
}

#[tokio::test]
async fn a_postgres_template_is_built_once_and_cloned_per_test() {
    let set = unique_set("built-once", 3);
    let migrator = set.migrator();
    let Some(first) = servers::available(testing::fresh_postgres_migrated(&migrator).await) else {
        return;
    };
    let second = testing::fresh_postgres_migrated(&migrator).await.unwrap();
    let template = first.template().unwrap().to_owned();
    assert_eq!(second.template(), Some(template.as_str()));
    assert_ne!(first.name(), second.name());
    let (a, b) = (first.pool().await.unwrap(), second.pool().await.unwrap());
    // every migration applied, in the default tracking table
    let status = migrator.status(&a).await.unwrap();
    assert!(
        status.len() == 3 && status.iter().all(|s| s.state == State::Applied),
        "{status:?}"
    );
    assert!(migrator.run(&a).await.unwrap().migrations.is_empty());
    // a database of its own
    sqlx::query("INSERT INTO t1 (id) VALUES (1)")
        .execute(&a)
        .await
        .unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM t1")
        .fetch_one(&b)
        .await
        .unwrap();
    assert_eq!(rows, 0);
    // closed to connections and marked as a template, and built once: the same database
    let (allowed, marked, oid): (bool, bool, i64) = sqlx::query_as(
        "SELECT datallowconn, datistemplate, oid::bigint FROM pg_database WHERE datname = $1",
    )
    .bind(&template)
    .fetch_one(&a)
    .await
    .unwrap();
    assert!(!allowed && marked);
    let third = testing::fresh_postgres_migrated(&migrator).await.unwrap();
    let again: i64 = sqlx::query_scalar("SELECT oid::bigint FROM pg_database WHERE datname = $1")
        .bind(&template)
        .fetch_one(&a)
        .await
        .unwrap();
    assert_eq!(again, oid);
    for (pool, db) in [(a, first), (b, second)] {
        pool.close().await;
        db.remove().await.unwrap();
    }
    third.remove().await.unwrap();
}

#[tokio::test]
async fn a_session_left_on_the_template_does_not_stop_a_clone() {
    let set = unique_set("session-left", 2);
    let migrator = set.migrator();
    let Some(db) = servers::available(testing::fresh_postgres_migrated(&migrator).await) else {
        return;
    };
    let template = db.template().unwrap().to_owned();
    let pool = db.pool().await.unwrap();
    // someone opened the template for a look, and has a session on it
    let sql = format!("ALTER DATABASE \"{template}\" WITH ALLOW_CONNECTIONS true");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&pool)
        .await
        .unwrap();
    let mut look = PgConnection::connect_with(&db.options().clone().database(&template))
        .await
        .unwrap();
    sqlx::query("SELECT 1").execute(&mut look).await.unwrap();
    // PostgreSQL refuses to copy a database with sessions; the clone ends them and goes on
    let clone = testing::fresh_postgres_migrated(&migrator).await.unwrap();
    assert_eq!(clone.template(), Some(template.as_str()));
    assert!(
        sqlx::query("SELECT 1").execute(&mut look).await.is_err(),
        "the session is ended"
    );
    pool.close().await;
    clone.remove().await.unwrap();
    db.remove().await.unwrap();
}

#[tokio::test]
async fn a_grown_postgres_set_gets_a_new_template_and_the_stale_ones_are_dropped() {
    let set = unique_set("grown", 3);
    let three = set.migrator();
    let Some(db) = servers::available(testing::fresh_postgres_migrated(&three).await) else {
        return;
    };
    let old = db.template().unwrap().to_owned();
    let at_two = TempDatabase::<Postgres>::from_template_to(&three, Version::new(2).unwrap())
        .await
        .unwrap();
    let version_two = at_two.template().unwrap().to_owned();
    let other_set = unique_set("grown-other", 2).migrator();
    let other = testing::fresh_postgres_migrated(&other_set).await.unwrap();
    let pool = db.pool().await.unwrap();

    set.write("4_t4.sql", "CREATE TABLE t4 (id INT);\n");
    let four = set.migrator();
    let grown = testing::fresh_postgres_migrated(&four).await.unwrap();
    let new = grown.template().unwrap().to_owned();
    assert_ne!(new, old);
    let templates = pg_databases(&pool, &set_prefix(&old)).await;
    // the old head is gone; version 2 is still a version of the set; the other set's stays
    assert_eq!(templates, sorted([new.clone(), version_two.clone()]));
    assert_eq!(
        pg_databases(&pool, other.template().unwrap()).await.len(),
        1
    );

    // a changed history: version 2 is no longer one of the set's
    set.write("2_t2.sql", "CREATE TABLE t2 (id BIGINT);\n");
    let edited = testing::fresh_postgres_migrated(&set.migrator())
        .await
        .unwrap();
    let templates = pg_databases(&pool, &set_prefix(&old)).await;
    assert_eq!(templates, [edited.template().unwrap().to_owned()]);

    pool.close().await;
    for db in [db, at_two, other, grown, edited] {
        db.remove().await.unwrap();
    }
}

fn sorted<const N: usize>(mut names: [String; N]) -> [String; N] {
    names.sort();
    names
}

#[tokio::test]
async fn a_half_built_postgres_template_is_never_used() {
    let set = unique_set("half-built", 2);
    let migrator = set.migrator();
    let Some(db) = servers::available(testing::fresh_postgres_migrated(&migrator).await) else {
        return;
    };
    let template = db.template().unwrap().to_owned();
    let pool = db.pool().await.unwrap();
    // what a build that crashed before its rename leaves: no template, a half-built database
    let building = template.replace("_tpl_", "_bld_");
    for sql in [
        format!("ALTER DATABASE \"{template}\" IS_TEMPLATE false"),
        format!("DROP DATABASE \"{template}\""),
        format!("CREATE DATABASE \"{building}\""),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .unwrap();
    }
    let half = PgPool::connect_with(db.options().clone().database(&building))
        .await
        .unwrap();
    sqlx::query("CREATE TABLE half_built (id INT)")
        .execute(&half)
        .await
        .unwrap();
    half.close().await;

    let clone = testing::fresh_postgres_migrated(&migrator).await.unwrap();
    assert_eq!(clone.template(), Some(template.as_str()));
    let clone_pool = clone.pool().await.unwrap();
    let half_built: Option<String> = sqlx::query_scalar("SELECT to_regclass('half_built')::text")
        .fetch_one(&clone_pool)
        .await
        .unwrap();
    assert_eq!(half_built, None);
    assert_eq!(migrator.status(&clone_pool).await.unwrap().len(), 2);
    assert!(pg_databases(&pool, &building).await.is_empty());
    clone_pool.close().await;
    pool.close().await;
    clone.remove().await.unwrap();
    db.remove().await.unwrap();
}

#[tokio::test]
async fn a_sqlite_template_is_copied_per_test_and_replaced_when_the_set_grows() {
    use std::os::unix::fs::MetadataExt as _;
    let set = unique_set("sqlite", 3);
    let three = set.migrator();
    let first = testing::fresh_sqlite_migrated(&three).await.unwrap();
    let template = first.template().unwrap().to_owned();
    let inode = std::fs::metadata(&template).unwrap().ino();
    let second = testing::fresh_sqlite_migrated(&three).await.unwrap();
    assert_eq!(second.template(), Some(template.as_str()));
    assert_eq!(
        std::fs::metadata(&template).unwrap().ino(),
        inode,
        "built once"
    );
    assert_ne!(first.name(), second.name());
    let pool = first.pool().await.unwrap();
    let status = three.status(&pool).await.unwrap();
    assert!(
        status.len() == 3 && status.iter().all(|s| s.state == State::Applied),
        "{status:?}"
    );
    sqlx::query("INSERT INTO t1 (id) VALUES (1)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let other = second.pool().await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM t1")
        .fetch_one(&other)
        .await
        .unwrap();
    assert_eq!(rows, 0);
    other.close().await;

    // a build that crashed before its rename left a file: it is not used, and goes
    let building = template.replace("_tpl_", "_bld_");
    std::fs::write(&building, "not a database").unwrap();
    set.write("4_t4.sql", "CREATE TABLE t4 (id INT);\n");
    let grown = testing::fresh_sqlite_migrated(&set.migrator())
        .await
        .unwrap();
    let new = grown.template().unwrap().to_owned();
    assert_ne!(new, template);
    assert!(std::path::Path::new(&new).is_file());
    assert!(
        !std::path::Path::new(&template).exists(),
        "the stale template is dropped"
    );
    assert!(
        !std::path::Path::new(&building).exists(),
        "the crashed build's file is dropped"
    );
    let pool = grown.pool().await.unwrap();
    assert_eq!(set.migrator().status(&pool).await.unwrap().len(), 4);
    pool.close().await;
    // the templates of this run's unique set would otherwise stay in the shared directory
    std::fs::remove_file(&new).unwrap();
}

#[tokio::test]
async fn a_version_that_is_not_in_the_set_is_refused() {
    let set = unique_set("unknown-version", 2);
    let error = TempDatabase::<Sqlite>::from_template_to(&set.migrator(), Version::new(7).unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "7 is not a migration of this set (its newest is 2): give `to` the version constant of one of its migrations (`embed_migrations!(pub mod db, \"migrations\")` makes one per migration, such as `db::CREATE_USERS`)"
    );
}

/// The view a database of a set with the repeatable migration `v` shows.
macro_rules! view_of {
    ($pool:expr) => {
        sqlx::query_scalar::<_, i64>("SELECT x FROM v")
            .fetch_one($pool)
            .await
            .unwrap()
    };
}

/// A template holds the set's repeatable migrations: one edited is another template, never
/// the old view.
#[tokio::test]
async fn an_edited_repeatable_migration_gets_a_new_template() {
    let set = unique_set("repeatable", 1);
    let view = |x: i64| {
        format!("DROP VIEW IF EXISTS v;\nCREATE VIEW v AS SELECT CAST({x} AS BIGINT) AS x;\n")
    };
    set.write("repeatable/v.sql", &view(1));
    let one = set.migrator();
    let first = testing::fresh_sqlite_migrated(&one).await.unwrap();
    let old = first.template().unwrap().to_owned();
    assert_eq!(view_of!(&first.pool().await.unwrap()), 1);
    set.write("repeatable/v.sql", &view(2));
    let two = set.migrator();
    let second = testing::fresh_sqlite_migrated(&two).await.unwrap();
    let new = second.template().unwrap().to_owned();
    assert_ne!(new, old);
    let pool = second.pool().await.unwrap();
    assert_eq!(view_of!(&pool), 2);
    assert!(
        two.run(&pool).await.unwrap().is_empty(),
        "nothing left to apply"
    );
    pool.close().await;
    std::fs::remove_file(&new).unwrap();

    let Some(pg) = servers::available(testing::fresh_postgres_migrated(&one).await) else {
        return;
    };
    assert_eq!(view_of!(&pg.pool().await.unwrap()), 1);
    let pg_two = testing::fresh_postgres_migrated(&two).await.unwrap();
    assert_ne!(pg_two.template(), pg.template());
    let pool = pg_two.pool().await.unwrap();
    assert_eq!(view_of!(&pool), 2);
    assert!(
        two.run(&pool).await.unwrap().is_empty(),
        "nothing left to apply"
    );
}
