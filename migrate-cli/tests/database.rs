//! The database commands against real SQLite, PostgreSQL and MariaDB: status, up, down,
//! redo, baseline, force, forget, and their error paths. The servers are private, started
//! from the machine's binaries (see the harnesses); without them the part is skipped with a
//! notice, except under `CI=true`.

#[path = "../../tests/support/servers.rs"]
mod servers;
mod support;

use serde_json::Value;
use support::{Run, Work};

const OK: i32 = 0;
const ERROR: i32 = 1;
const NOT_UP_TO_DATE: i32 = 3;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Engine {
    Sqlite,
    Postgres,
    MariaDb,
}

/// `migrate --database-url <url> <args>` in `w`.
fn on(w: &Work, url: &str, args: &[&str]) -> Run {
    let mut all = vec!["--database-url", url];
    all.extend_from_slice(args);
    w.migrate(&all)
}

/// The state of each migration, in version order, from `status --format json`.
fn states(w: &Work, url: &str, extra: &[&str]) -> Vec<(i64, String)> {
    let mut args = extra.to_vec();
    args.extend(["status", "--format", "json"]);
    let json = on(w, url, &args).code(OK).json();
    json["migrations"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|m| {
            (
                m["version"].as_i64().unwrap_or(-1),
                m["state"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn expect(w: &Work, url: &str, expected: &[(i64, &str)]) {
    let expected: Vec<(i64, String)> = expected.iter().map(|(v, s)| (*v, s.to_string())).collect();
    assert_eq!(states(w, url, &[]), expected);
}

fn json_of(w: &Work, url: &str, version: i64) -> Value {
    let json = on(w, url, &["status", "--format", "json"]).code(OK).json();
    json["migrations"]
        .as_array()
        .and_then(|list| list.iter().find(|m| m["version"] == version).cloned())
        .unwrap_or(Value::Null)
}

/// Every database command and error path, the same on each database.
fn scenario(w: &Work, url: &str, engine: Engine) {
    let m = |args: &[&str]| on(w, url, args);
    for (v, name) in [(1, "users"), (2, "posts"), (3, "tags")] {
        w.write(
            &format!("migrations/{v}_{name}.up.sql"),
            &format!("CREATE TABLE {name} (id INT PRIMARY KEY);\n"),
        )
        .write(
            &format!("migrations/{v}_{name}.down.sql"),
            &format!("DROP TABLE {name};\n"),
        );
    }

    // a fresh database: everything pending, read without creating anything
    m(&["status"])
        .code(OK)
        .out("version  name   state")
        .out("3 pending");
    m(&["status", "--exit-code"]).code(NOT_UP_TO_DATE);
    expect(w, url, &[(1, "pending"), (2, "pending"), (3, "pending")]);

    // the plan: SQL and transaction mode of each pending migration
    let mode = match engine {
        Engine::MariaDb => "outside a transaction, statement by statement",
        _ => "in a transaction",
    };
    m(&["up", "--dry-run"])
        .code(OK)
        .out(&format!("-- 1 users (migrations/1_users.up.sql): {mode}"))
        .out("CREATE TABLE users (id INT PRIMARY KEY);")
        .out("-- 3 migration(s) would be applied");
    m(&["up", "--dry-run", "--to", "2"])
        .code(OK)
        .out("-- 2 migration(s) would be applied");
    m(&["up", "--dry-run", "--to", "99"])
        .code(ERROR)
        .err("version 99 is not a migration of this set");
    expect(w, url, &[(1, "pending"), (2, "pending"), (3, "pending")]);

    // up --to, then the rest
    m(&["up", "--to", "1"])
        .code(OK)
        .out("applied 1 users")
        .out("1 migration(s) applied")
        .no_err("\x1b[");
    m(&["up", "--to", "99"])
        .code(ERROR)
        .err("version 99 is not a migration of this set");
    m(&["up"])
        .code(OK)
        .out("applied 2 posts")
        .out("applied 3 tags")
        .out("2 migration(s) applied");
    m(&["up"]).code(OK).out("nothing to apply");
    m(&["up", "--dry-run"]).code(OK).out("-- nothing pending");
    m(&["status", "--exit-code"]).code(OK).out("3 applied");

    // down: one, N, to a version, all
    m(&["down"])
        .code(OK)
        .out("undone 3 tags")
        .out("1 migration(s) undone");
    expect(w, url, &[(1, "applied"), (2, "applied"), (3, "pending")]);
    m(&["up"]).code(OK);
    m(&["down", "2"])
        .code(OK)
        .out("undone 3 tags")
        .out("undone 2 posts");
    m(&["up"]).code(OK);
    m(&["down", "--to", "1"])
        .code(OK)
        .out("2 migration(s) undone");
    m(&["down", "--to", "99"])
        .code(ERROR)
        .err("version 99 is not a migration of this set");
    m(&["redo"])
        .code(OK)
        .out("undone 1 users")
        .out("applied 1 users");
    m(&["down", "--all"]).code(OK).out("undone 1 users");
    m(&["down"]).code(OK).out("nothing to undo");
    m(&["redo"]).code(OK).out("nothing to redo");
    expect(w, url, &[(1, "pending"), (2, "pending"), (3, "pending")]);

    // baseline: refused on a tracked database, adopts an untracked one
    m(&["up"]).code(OK);
    m(&["baseline", "2"])
        .code(ERROR)
        .err("baseline adopts an untracked database");
    m(&["--table", "adopted", "baseline", "2"])
        .code(OK)
        .out("recorded 2 migration(s) up to 2");
    assert_eq!(
        states(w, url, &["--table", "adopted"]),
        [
            (1, "applied".to_owned()),
            (2, "applied".to_owned()),
            (3, "pending".to_owned())
        ]
    );
    m(&["--table", "adopted", "baseline", "9"])
        .code(ERROR)
        .err("version 9 is not a migration");

    // an irreversible migration stops down and redo before anything changes
    w.write(
        "migrations/4_seed.sql",
        "INSERT INTO users (id) VALUES (1);\n",
    );
    m(&["up"]).code(OK).out("applied 4 seed");
    for command in [&["down"][..], &["redo"], &["down", "--all"]] {
        m(command)
            .code(ERROR)
            .err("cannot undo migration 4 (migrations/4_seed.sql): it has no down script; nothing was changed");
    }
    m(&["status", "--exit-code"]).code(OK);

    // edited after it was applied
    w.write(
        "migrations/4_seed.sql",
        "INSERT INTO users (id) VALUES (2);\n",
    );
    m(&["status"])
        .code(OK)
        .out("edited")
        .err("migration 4 (migrations/4_seed.sql) was edited after it was applied");
    m(&["status", "--exit-code"]).code(NOT_UP_TO_DATE);
    let edited = json_of(w, url, 4);
    assert_eq!(edited["state"], "edited");
    assert_eq!(edited["applied_checksum"].as_str().map(str::len), Some(64));
    assert_ne!(edited["applied_checksum"], edited["file_checksum"]);
    m(&["up"])
        .code(ERROR)
        .err("migration 4 (migrations/4_seed.sql) was edited after it was applied");
    w.write(
        "migrations/4_seed.sql",
        "INSERT INTO users (id) VALUES (1);\n",
    );

    // applied but missing from the directory
    w.remove("migrations/4_seed.sql");
    m(&["status", "--exit-code"])
        .code(NOT_UP_TO_DATE)
        .out("missing")
        .err("migration 4 (seed) is applied but not in migrations");
    m(&["up"])
        .code(ERROR)
        .err("the database has migration 4 (seed) applied, which this binary does not know");
    m(&["up", "--allow-missing"])
        .code(OK)
        .out("nothing to apply");
    w.write(
        "migrations/4_seed.sql",
        "INSERT INTO users (id) VALUES (1);\n",
    );

    // merged late: refused, then renumbered after the newest
    w.write("migrations/0_early.sql", "CREATE TABLE early (id INT);\n");
    for command in [&["up"][..], &["up", "--dry-run"]] {
        m(command)
            .code(ERROR)
            .err("migration 0 (migrations/0_early.sql) is pending but older than the applied migration 4")
            .err("`migrate renumber 0`");
    }
    m(&["up", "--to", "0", "--allow-out-of-order", "--dry-run"])
        .code(OK)
        .out("-- 0 early");
    w.migrate(&["renumber", "0"])
        .code(OK)
        .out("renamed migrations/0_early.sql -> migrations/5_early.sql");
    m(&["up"]).code(OK).out("applied 5 early");

    // a statement-by-statement migration stops dirty, and resumes after the fix
    let broken = "-- migrate:no-transaction\nCREATE TABLE t6 (id INT);\nINSERT INTO nope VALUES (1);\nCREATE TABLE t6b (id INT);\n";
    w.write("migrations/6_broken.sql", broken);
    m(&["up"])
        .code(ERROR)
        .err("migration 6 failed at migrations/6_broken.sql:3:")
        .err("statements 1 to 1 of 3 are applied and recorded")
        .err("`migrate up --resume`");
    m(&["status", "--exit-code"])
        .code(NOT_UP_TO_DATE)
        .out("dirty (1 statements done)")
        .err("`migrate up --resume`");
    let dirty = json_of(w, url, 6);
    assert_eq!(dirty["state"], "dirty");
    assert_eq!(dirty["statements_done"], 1);
    assert!(dirty["error"].is_string(), "{dirty}");
    m(&["up"])
        .code(ERROR)
        .err("migration 6 (migrations/6_broken.sql) is dirty: it stopped after statement 1 of 3");
    w.write(
        "migrations/6_broken.sql",
        &broken.replace("INSERT INTO nope", "INSERT INTO t6"),
    );
    m(&["up", "--resume", "--dry-run"])
        .code(OK)
        .out("-- 6 broken")
        .out("INSERT INTO t6 VALUES (1);")
        .no_out("CREATE TABLE t6 (id INT)");
    m(&["up", "--resume"]).code(OK).out("applied 6 broken");
    m(&["status", "--exit-code"]).code(OK);

    // forget and force: what a human decides
    // applied cleanly: forgetting would run it again over its own effects
    m(&["forget", "6"])
        .code(ERROR)
        .err("migration 6 is applied cleanly")
        .err("`migrate forget 6 --force`");
    m(&["forget", "6", "--force"])
        .code(OK)
        .out("forgot migration 6");
    assert_eq!(json_of(w, url, 6)["state"], "pending");
    m(&["forget", "6"])
        .code(ERROR)
        .err("migration 6 has no tracking row in ")
        .err("_migrations: there is nothing to forget");
    m(&["force", "6"]).code(OK).out("forced: migration 6");
    m(&["status", "--exit-code"]).code(OK);
    m(&["force", "99"])
        .code(ERROR)
        .err("version 99 is not a migration of this set");

    // a directory the build refuses is refused here too, before connecting
    w.migrate(&["lock"]).code(OK);
    w.write(
        "migrations/1_users.up.sql",
        "CREATE TABLE users (id BIGINT PRIMARY KEY);\n",
    );
    m(&["status"])
        .code(ERROR)
        .err("migrations/1_users.up.sql: locked migration 1 was edited after release");
    w.write(
        "migrations/1_users.up.sql",
        "CREATE TABLE users (id INT PRIMARY KEY);\n",
    );
    m(&["--source", "elsewhere", "status"])
        .code(ERROR)
        .err("elsewhere: no such directory");
}

#[test]
fn sqlite() {
    let w = Work::new("sqlite");
    // `mode=rwc`: the read-only first `status` may create the file
    scenario(&w, "sqlite:app.db?mode=rwc", Engine::Sqlite);
    let race = w.path().join("race.db");
    racing_ups(
        &format!("sqlite:{}?mode=rwc", race.display()),
        Engine::Sqlite,
    );

    // read-only commands do not create a database
    on(&w, "sqlite:missing.db", &["status"])
        .code(ERROR)
        .err("cannot connect to the database")
        .err("this command does not create a SQLite database");
    assert!(!w.exists("missing.db"));

    // a statement that cannot run in a transaction shows in the plan
    w.write("migrations/7_vacuum.sql", "VACUUM;\n");
    on(&w, "sqlite:app.db", &["up", "--dry-run"])
        .code(OK)
        .err("warning: migrations/7_vacuum.sql:1: `VACUUM` cannot run inside a transaction");

    // another process holds the migration lock
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(w.path().join("app.db-migrate.lock"))
        .unwrap_or_else(|e| panic!("lock file: {e}"));
    lock.lock().unwrap_or_else(|e| panic!("flock: {e}"));
    on(&w, "sqlite:app.db", &["--lock-timeout", "1", "up"])
        .code(ERROR)
        .err("timed out after");
    drop(lock);
    w.remove("migrations/7_vacuum.sql");

    // DATABASE_URL from ./.env, and the environment over the file
    w.write(
        ".env",
        "# the local database\nDATABASE_URL=sqlite:dotenv.db\n",
    );
    w.migrate(&["up"]).code(OK).out("6 migration(s) applied");
    w.migrate(&["status", "--exit-code"]).code(OK);
    w.migrate_env(&["status"], &[("DATABASE_URL", "sqlite:other.db")])
        .code(ERROR)
        .err("this command does not create a SQLite database");
}

#[test]
fn postgres() {
    let Some(cluster) = servers::TempCluster::start(&[]) else {
        return;
    };
    cluster
        .create_database("cli")
        .unwrap_or_else(|e| panic!("{e}"));
    let w = Work::new("postgres");
    scenario(&w, &cluster.url("cli"), Engine::Postgres);
    racing_ups(&cluster.url("cli"), Engine::Postgres);
    // the schema option reaches the tracking table
    cluster
        .execute("cli", "CREATE SCHEMA ops")
        .unwrap_or_else(|e| panic!("{e}"));
    on(
        &w,
        &cluster.url("cli"),
        &["--schema", "ops", "--table", "history", "baseline", "6"],
    )
    .code(OK)
    .out("recorded 6 migration(s)");
    let rows = cluster
        .execute("cli", "SELECT count(*) FROM ops.history")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(rows.contains('6'), "{rows}");

    let refused = format!("postgres://postgres@127.0.0.1:{}/cli", support::free_port());
    on(&w, &refused, &["status"])
        .code(ERROR)
        .err("cannot connect to the database");
    on(&w, &cluster.url("no_such_db"), &["status"])
        .code(ERROR)
        .err("cannot connect to the database")
        .err("no_such_db");
}

/// Every command through PgBouncer in transaction pooling mode, with the lease
/// (`MIGRATE_LOCK=lease`): nothing the CLI sends is bound to a server session.
#[test]
fn postgres_through_pgbouncer() {
    let Some(cluster) = servers::TempCluster::start(&[]) else {
        return;
    };
    let Some(bouncer) = servers::available(migrate::testing::TempPgBouncer::start(&cluster)) else {
        return;
    };
    cluster
        .create_database("cli")
        .unwrap_or_else(|e| panic!("{e}"));
    let w = Work::new("pgbouncer").with_env("MIGRATE_LOCK", "lease");
    scenario(&w, &bouncer.url("cli"), Engine::Postgres);
    let rows = cluster
        .execute("cli", "SELECT count(*) FROM _migrations_lock")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(rows.contains('1'), "the lease was not used: {rows}");
}

#[test]
fn mariadb() {
    let Some(server) = servers::available(migrate::testing::TempMariaDb::start()) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    runtime
        .block_on(server.create_database("cli"))
        .unwrap_or_else(|e| panic!("{e}"));
    let w = Work::new("mariadb");
    scenario(&w, &server.url("cli"), Engine::MariaDb);
    racing_ups(&server.url("cli"), Engine::MariaDb);
    // mariadb:// names the same driver
    let url = server.url("cli").replacen("mysql://", "mariadb://", 1);
    on(&w, &url, &["status", "--exit-code"]).code(OK);

    let refused = format!("mysql://root@127.0.0.1:{}/cli", support::free_port());
    on(&w, &refused, &["status"])
        .code(ERROR)
        .err("cannot connect to the database");
}

/// 16 `migrate up` started 0.1 s apart while the first runs a slow statement-by-statement
/// migration: every one waits for the lock and exits 0 (none judges the migration in progress
/// as dirty), `status` meanwhile says "in progress", and each migration is applied once.
fn racing_ups(url: &str, engine: Engine) {
    let slow = match engine {
        Engine::Postgres => "SELECT pg_sleep(2);",
        Engine::MariaDb => "SELECT SLEEP(2);",
        Engine::Sqlite => "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4000000) SELECT count(*) FROM c;",
    };
    let w = Work::new("race");
    w.write("migrations/1_log.sql", "CREATE TABLE race_log (note INT);\n")
        .write(
            "migrations/2_slow.sql",
            &format!("-- migrate:no-transaction\nINSERT INTO race_log VALUES (2);\n{slow}\nINSERT INTO race_log VALUES (3);\n"),
        )
        .write("migrations/3_after.sql", "INSERT INTO race_log VALUES (4);\n");
    let args = ["--database-url", url, "--table", "race_migrations", "up"];
    let mut children = Vec::new();
    let mut in_progress = false;
    for _ in 0..16 {
        children.push(w.spawn(&args));
        std::thread::sleep(std::time::Duration::from_millis(100));
        if !in_progress {
            let status = on(
                &w,
                url,
                &["--table", "race_migrations", "status", "--format", "json"],
            );
            in_progress = status.code == OK && status.stdout.contains("\"in progress\"");
        }
    }
    for (i, child) in children.into_iter().enumerate() {
        let run = support::finish(child);
        assert_eq!(run.code, OK, "runner {i}:\n{run}");
    }
    assert!(in_progress, "status never saw the migration in progress");
    let status = on(
        &w,
        url,
        &["--table", "race_migrations", "status", "--exit-code"],
    );
    status.code(OK);
    for note in [2, 3, 4] {
        let count = count(
            engine,
            url,
            &format!("SELECT COUNT(*) FROM race_log WHERE note = {note}"),
        );
        assert_eq!(count, 1, "note {note} applied {count} times");
    }
}

/// The number the query returns on the database of `url`.
fn count(engine: Engine, url: &str, sql: &str) -> i64 {
    use migrate::sqlx;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    runtime.block_on(async {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        let found: Result<i64, sqlx::Error> = match engine {
            Engine::Postgres => {
                let pool = sqlx::PgPool::connect(url)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                sqlx::query_scalar(sql).fetch_one(&pool).await
            }
            Engine::MariaDb => {
                let pool = sqlx::MySqlPool::connect(url)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                sqlx::query_scalar(sql).fetch_one(&pool).await
            }
            Engine::Sqlite => {
                let pool = sqlx::SqlitePool::connect(url)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                sqlx::query_scalar(sql).fetch_one(&pool).await
            }
        };
        found.unwrap_or_else(|e| panic!("{e}"))
    })
}

/// A SQLite URL that names no file is refused: whatever `up` did there would be gone.
#[test]
fn sqlite_urls_without_a_file_are_refused() {
    let w = Work::new("memory");
    w.write("migrations/1_a.sql", "CREATE TABLE a (id INT);\n");
    for url in ["sqlite:", "sqlite::memory:", "sqlite://?mode=memory"] {
        on(&w, url, &["up"])
            .code(2)
            .err("give a file")
            .no_out("applied");
    }
    w.migrate_env(&["up"], &[("DATABASE_URL", "sqlite:")])
        .code(2)
        .err("names no file");
}

/// sqlx's own `Migrator` applies the migrations of `w` up to `version` on the SQLite file
/// `db` (relative to `w`).
fn sqlx_applies(w: &Work, db: &str, version: i64) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    runtime.block_on(async {
        let url = format!("sqlite://{}?mode=rwc", w.path().join(db).display());
        let pool = sqlx::SqlitePool::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        let theirs = sqlx::migrate::Migrator::new(w.path().join("migrations"))
            .await
            .unwrap_or_else(|e| panic!("sqlx reads the set: {e}"));
        theirs
            .run_to(version, &pool)
            .await
            .unwrap_or_else(|e| panic!("sqlx applies up to {version}: {e}"));
        pool.close().await;
    });
}

/// A work directory with three migrations that create a table each, in sqlx's layout.
fn three_tables(name: &str) -> Work {
    let w = Work::new(name);
    for (v, name) in [(1, "users"), (2, "posts"), (3, "tags")] {
        w.write(
            &format!("migrations/{v}_{name}.sql"),
            &format!("CREATE TABLE {name} (id INT PRIMARY KEY);\n"),
        );
    }
    w
}

/// `adopt --from sqlx`: the dry run prints the mapping and writes nothing, `--apply` records
/// what sqlx applied, `status` shows it and `up` applies only the rest; refusals exit 1 with
/// the advice in this command line's words, bad arguments exit 2.
#[test]
fn adopt_from_sqlx() {
    let w = three_tables("adopt");
    sqlx_applies(&w, "app.db", 2);
    let url = "sqlite:app.db";
    on(&w, url, &["adopt", "--from", "sqlx"])
        .code(OK)
        .out("sqlx's history in _sqlx_migrations, mapped onto migrations:")
        .out("version  file                    their row")
        .out("1        migrations/1_users.sql  version=1 success=1  adopted, sha384 verified")
        .out("3        migrations/3_tags.sql                        pending")
        .out("2 to adopt (2 checksum-verified), 1 pending")
        .out("dry run: nothing was written; add --apply");
    expect(&w, url, &[(1, "pending"), (2, "pending"), (3, "pending")]);

    on(&w, url, &["adopt", "--from", "sqlx", "--apply"])
        .code(OK)
        .out("adopted: 2 migration(s) recorded in _migrations as applied, without running them");
    expect(&w, url, &[(1, "applied"), (2, "applied"), (3, "pending")]);
    on(&w, url, &["up"])
        .code(OK)
        .out("applied 3 tags")
        .out("1 migration(s) applied");
    on(&w, url, &["adopt", "--from", "sqlx", "--apply"])
        .code(ERROR)
        .err("_migrations already records 3 migration(s); nothing was written")
        .err("use `migrate up`");

    // sqlx applied a migration this checkout lacks, and a file was edited after sqlx ran it
    let w = three_tables("adopt-refused");
    sqlx_applies(&w, "app.db", 3);
    w.remove("migrations/3_tags.sql");
    on(&w, url, &["adopt", "--from", "sqlx", "--apply"])
        .code(ERROR)
        .out("(no such migration)")
        .err("sqlx's history has migration 3 applied")
        .err("`migrate adopt --accept-unknown`");
    // the advice, pasted: 3 is left out
    on(&w, url, &["adopt", "--from", "sqlx", "--accept-unknown"])
        .code(OK)
        .out("3        (no such migration)     version=3 success=1  unknown to this set")
        .out("2 to adopt (2 checksum-verified), 1 unknown")
        .out("as applied, without running them\n");
    w.write(
        "migrations/2_posts.sql",
        "CREATE TABLE posts (id BIGINT PRIMARY KEY);\n",
    );
    on(&w, url, &["adopt", "--from", "sqlx", "--accept-unknown", "--apply"])
        .code(ERROR)
        .out("sha384 MISMATCH")
        .err("migration 2 (migrations/2_posts.sql) is not the script sqlx applied: sqlx recorded sha384 ")
        .no_err("accept-unknown");
    expect(&w, url, &[(1, "pending"), (2, "pending")]);

    // arguments that do not fit
    for (args, says) in [
        (
            &["adopt", "--from", "liquibase"][..],
            "--from liquibase: not a tool adopt reads",
        ),
        (
            &["adopt", "--from", "sqlx", "--checksum", "md5"],
            "--checksum describes a home-made runner's table",
        ),
        (&["adopt", "--from", "table:"], "names no table"),
        (
            &["adopt", "--from", "table:t", "--checksum-column", "c"],
            "--checksum sha256, md5 or none",
        ),
        (
            &["adopt", "--from", "table:t", "--history-table", "u"],
            "leave out --history-table",
        ),
    ] {
        on(&w, url, args).code(2).err(says);
    }
}
