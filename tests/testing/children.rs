//! Tests that need more than one process — templates that outlive a test run, builds that
//! race or crash, databases kept after a failure — run a test of this binary in a child
//! process. A child test passes at once in a run of its own, and does its part only when
//! `MIGRATE_TESTING_CHILD` (and what it reads besides) is set.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use migrate::testing;
use migrate::Migrator;

/// The variable that tells a child test it runs for a parent.
const CHILD: &str = "MIGRATE_TESTING_CHILD";

/// Whether this process is a child of one of these tests.
pub fn is_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// The command that runs test `name` of this binary alone, with `env`, on the server of
/// `server_url` and with SQLite templates in `template_dir`.
pub fn command(name: &str, server_url: &str, template_dir: &Path, env: &[(&str, &str)]) -> Command {
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("this test binary: {e}"));
    let mut command = Command::new(exe);
    command
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env("MIGRATE_TEST_DATABASE_URL", server_url)
        .env("MIGRATE_TEST_TEMPLATE_DIR", template_dir)
        .env_remove("MIGRATE_TEST_KEEP")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Starts test `name` in a child (see [`command`]).
pub fn spawn(name: &str, server_url: &str, template_dir: &Path, env: &[(&str, &str)]) -> Child {
    command(name, server_url, template_dir, env)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start a child for {name}: {e}"))
}

/// What a child printed: stdout and stderr.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs test `name` in a child; its output.
pub fn run(name: &str, server_url: &str, template_dir: &Path, env: &[(&str, &str)]) -> Output {
    command(name, server_url, template_dir, env)
        .output()
        .unwrap_or_else(|e| panic!("cannot run a child for {name}: {e}"))
}

/// The rest of the line of `output` after `key` and a space (a child's `println!` may
/// follow the harness's `test … ` on its line).
pub fn field(output: &str, key: &str) -> String {
    let key = format!("{key} ");
    output
        .lines()
        .find_map(|line| line.find(&key).map(|at| &line[at + key.len()..]))
        .map(|rest| rest.trim().to_owned())
        .unwrap_or_else(|| panic!("no `{key}` line in the child's output:\n{output}"))
}

/// How many templates a child's output says it built.
pub fn builds(output: &str) -> usize {
    output
        .matches("migrate::testing: built the template")
        .count()
}

/// The child of the template tests: clones the set in `MIGRATE_TESTING_SET` on the
/// database `MIGRATE_TESTING_DB` names (`postgres` or `sqlite`), and prints
/// `TEMPLATE <name> <identity>` (the template database's oid, or its file's inode).
#[tokio::test]
async fn clones_a_set() {
    let (Some(set), Ok(db)) = (
        std::env::var_os("MIGRATE_TESTING_SET"),
        std::env::var("MIGRATE_TESTING_DB"),
    ) else {
        return;
    };
    let migrator = Migrator::from_dir(&set).unwrap();
    match db.as_str() {
        "postgres" => {
            let db = testing::fresh_postgres_migrated(&migrator).await.unwrap();
            let template = db.template().unwrap().to_owned();
            let pool = db.pool().await.unwrap();
            let oid: i64 = migrate::sqlx::query_scalar(
                "SELECT oid::bigint FROM pg_database WHERE datname = $1",
            )
            .bind(&template)
            .fetch_one(&pool)
            .await
            .unwrap();
            println!("TEMPLATE {template} {oid}");
            pool.close().await;
            db.remove().await.unwrap();
        }
        "sqlite" => {
            use std::os::unix::fs::MetadataExt as _;
            let db = testing::fresh_sqlite_migrated(&migrator).await.unwrap();
            let template = db.template().unwrap().to_owned();
            let inode = std::fs::metadata(&template).unwrap().ino();
            println!("TEMPLATE {template} {inode}");
        }
        other => panic!("MIGRATE_TESTING_DB={other}: postgres or sqlite"),
    }
}
