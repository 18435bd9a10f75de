//! After the test: a database is dropped when the test passed, kept — and named — when it
//! failed (a panic, an `Err`, a fixture that fails), and kept in any case with
//! `MIGRATE_TEST_KEEP=1`. Each case runs a test of this binary in a child process, on a
//! cluster of the parent's; in a run of their own these tests pass: they fail where
//! `is_child()` says so, and the fixture `fails_in_child.sql` fails on the parent's cluster
//! only.

use std::path::Path;
use std::process::Output;

use migrate::sqlx::{self, PgPool, SqlitePool};

use super::children::{self, field, is_child};
use crate::dir::Dir;
use crate::servers::TempCluster;
use crate::EXAMPLE;

async fn name_on_postgres(pool: &PgPool) -> String {
    let name: String = sqlx::query_scalar("SELECT current_database()::text")
        .fetch_one(pool)
        .await
        .unwrap();
    println!("DATABASE {name}");
    name
}

async fn file_on_sqlite(pool: &SqlitePool) -> String {
    let file: String =
        sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .fetch_one(pool)
            .await
            .unwrap();
    println!("DATABASE {file}");
    file
}

#[migrate::test(migrator = EXAMPLE)]
async fn passes_on_postgres(pool: PgPool) {
    name_on_postgres(&pool).await;
}

#[migrate::test(migrator = EXAMPLE)]
async fn panics_on_postgres(pool: PgPool) {
    name_on_postgres(&pool).await;
    assert!(!is_child(), "failing on purpose");
}

#[migrate::test(migrator = EXAMPLE)]
async fn passes_on_sqlite(pool: SqlitePool) {
    file_on_sqlite(&pool).await;
}

#[migrate::test(migrator = EXAMPLE)]
async fn returns_err_on_sqlite(pool: SqlitePool) -> Result<(), String> {
    file_on_sqlite(&pool).await;
    if is_child() {
        return Err("failing on purpose".to_owned());
    }
    Ok(())
}

#[migrate::test(migrator = EXAMPLE, fixtures("users", "fails_in_child"), fixtures_dir = "tests/fixtures/testing")]
async fn bad_fixture_on_postgres(pool: PgPool) {
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 3);
}

struct Parent {
    cluster: TempCluster,
    templates: Dir,
}

impl Parent {
    fn run(&self, test: &str, env: &[(&str, &str)]) -> (Output, String) {
        let url = self.cluster.url("postgres");
        let output = children::run(
            &format!("cleanup::{test}"),
            &url,
            self.templates.path(),
            env,
        );
        let text = children::text(&output);
        (output, text)
    }

    fn exists(&self, database: &str) -> bool {
        let sql = format!("SELECT count(*) FROM pg_database WHERE datname = '{database}'");
        self.cluster
            .execute("postgres", &sql)
            .unwrap()
            .contains(" 1\n")
    }
}

#[test]
fn a_passing_test_drops_its_database_and_a_failing_one_keeps_it() {
    let Some(cluster) = TempCluster::start(&[]) else {
        return;
    };
    let parent = Parent {
        cluster,
        templates: Dir::new(&[]),
    };
    let server = format!(
        "postgres://postgres@127.0.0.1:{}/postgres",
        parent.cluster.port()
    );

    let (output, text) = parent.run("passes_on_postgres", &[]);
    assert!(output.status.success(), "{text}");
    let name = field(&text, "DATABASE");
    assert!(!parent.exists(&name), "{name} stays:\n{text}");
    assert!(!text.contains("kept"), "{text}");

    let (output, text) = parent.run("panics_on_postgres", &[]);
    assert!(!output.status.success(), "{text}");
    let name = field(&text, "DATABASE");
    assert!(parent.exists(&name), "{name} is gone:\n{text}");
    assert!(
        text.contains(&format!("note: testing::cleanup::panics_on_postgres: the test failed; kept the database {name} on {server}\n")),
        "{text}"
    );

    let (output, text) = parent.run("returns_err_on_sqlite", &[]);
    assert!(!output.status.success(), "{text}");
    let file = field(&text, "DATABASE");
    assert!(Path::new(&file).is_file(), "{file} is gone:\n{text}");
    assert!(
        text.contains(&format!("the test failed; kept the SQLite file {file}\n")),
        "{text}"
    );
    std::fs::remove_dir_all(Path::new(&file).parent().unwrap()).unwrap();

    let (output, text) = parent.run("passes_on_sqlite", &[]);
    assert!(output.status.success(), "{text}");
    assert!(!Path::new(&field(&text, "DATABASE")).exists(), "{text}");

    let (output, text) = parent.run("passes_on_sqlite", &[("MIGRATE_TEST_KEEP", "1")]);
    assert!(output.status.success(), "{text}");
    let file = field(&text, "DATABASE");
    assert!(Path::new(&file).is_file(), "{file} is gone:\n{text}");
    assert!(
        text.contains(&format!(
            "MIGRATE_TEST_KEEP is set; kept the SQLite file {file}\n"
        )),
        "{text}"
    );
    std::fs::remove_dir_all(Path::new(&file).parent().unwrap()).unwrap();

    let role = "CREATE ROLE migrate_fixture_fails";
    parent.cluster.execute("postgres", role).unwrap();
    let (output, text) = parent.run("bad_fixture_on_postgres", &[]);
    assert!(!output.status.success(), "{text}");
    assert!(
        text.contains("testing::cleanup::bad_fixture_on_postgres: tests/fixtures/testing/fails_in_child.sql:4:1: this statement of the fixture failed")
            && text.contains("caused by: error returned from database: invalid input syntax for type integer: \"migrate_fixture_fails\""),
        "{text}"
    );
    let kept = text
        .lines()
        .find_map(|l| l.strip_prefix("note: testing::cleanup::bad_fixture_on_postgres: the test failed; kept the database "))
        .unwrap_or_else(|| panic!("nothing kept:\n{text}"));
    let name = kept.split(' ').next().unwrap();
    assert!(parent.exists(name), "{text}");
}
