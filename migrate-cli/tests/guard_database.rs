//! Repeatable migrations and timeouts on the command line against real servers: `status`,
//! `up --dry-run` (the plan), `up`, `lock` and `down` with repeatable migrations on PostgreSQL
//! and MariaDB, a failed one resumed as the advice says; on PostgreSQL, `--ddl-lock-timeout`
//! retried against a table a psql session holds, retries exhausted, and
//! `--statement-timeout`. The servers are private, started from the machine's binaries;
//! without them the part is skipped with a notice, except under `CI=true`.

#[path = "../../tests/support/servers.rs"]
mod servers;
mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use servers::TempCluster;
use support::{Run, Work};

const OK: i32 = 0;
const ERROR: i32 = 1;
const NOT_UP_TO_DATE: i32 = 3;

/// `migrate --database-url <url> <args>` in `w`.
fn on(w: &Work, url: &str, args: &[&str]) -> Run {
    let mut all = vec!["--database-url", url];
    all.extend_from_slice(args);
    w.migrate(&all)
}

/// Each repeatable migration's state, by name, from `status --format json`.
fn repeatable_states(w: &Work, url: &str) -> Vec<(String, String)> {
    let json = on(w, url, &["status", "--format", "json"]).code(OK).json();
    json["repeatables"]
        .as_array()
        .unwrap_or_else(|| panic!("no repeatables in {json}"))
        .iter()
        .map(|r| {
            let field = |key: &str| r[key].as_str().unwrap_or("?").to_owned();
            (field("name"), field("state"))
        })
        .collect()
}

fn states(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, s)| ((*n).to_owned(), (*s).to_owned()))
        .collect()
}

const VIEW: &str =
    "DROP VIEW IF EXISTS user_names;\nCREATE VIEW user_names AS SELECT name FROM users;\n";
const VIEW_WITH_ID: &str =
    "DROP VIEW IF EXISTS user_names;\nCREATE VIEW user_names AS SELECT id, name FROM users;\n";

/// The life of two repeatable migrations on one database, through the command line.
fn repeatables(w: &Work, url: &str) {
    let m = |args: &[&str]| on(w, url, args);
    w.write(
        "migrations/1_users.up.sql",
        "CREATE TABLE users (id INT, name VARCHAR(50));\n",
    )
    .write("migrations/1_users.down.sql", "DROP TABLE users;\n")
    .write("migrations/repeatable/user_names.sql", VIEW)
    .write(
        "migrations/repeatable/audit.sql",
        "-- migrate:no-transaction\nCREATE TABLE IF NOT EXISTS audit (id INT);\n",
    );
    w.migrate(&["lock"])
        .code(OK)
        .out("recorded the current content of repeatable migration(s) audit, user_names");

    // a fresh database: both pending, in status and in the plan, and nothing created
    m(&["status"])
        .code(OK)
        .out("repeatable")
        .out("user_names")
        .out("pending");
    m(&["status", "--exit-code"]).code(NOT_UP_TO_DATE);
    m(&["up", "--dry-run"])
        .code(OK)
        .out("-- repeatable audit (migrations/repeatable/audit.sql, pending): outside a transaction, statement by statement")
        .out("-- repeatable user_names (migrations/repeatable/user_names.sql, pending): in a transaction")
        .out("CREATE VIEW user_names AS SELECT name FROM users;")
        .out("-- 2 repeatable migration(s) would be applied after them");
    assert_eq!(
        repeatable_states(w, url),
        states(&[("audit", "pending"), ("user_names", "pending")])
    );

    m(&["up"])
        .code(OK)
        .out("applied repeatable audit")
        .out("applied repeatable user_names")
        .out("1 migration(s) and 2 repeatable migration(s) applied");
    m(&["status", "--exit-code"]).code(OK);
    m(&["up", "--dry-run"]).code(OK).no_out("-- repeatable");
    m(&["up"]).code(OK).out("nothing to apply");

    // edited: the build refuses the lock until `migrate lock` records it, with no amendment
    w.write("migrations/repeatable/user_names.sql", VIEW_WITH_ID);
    w.migrate(&["check"])
        .code(ERROR)
        .err("repeatable migration `user_names` changed since it was locked")
        .err("run `migrate lock` to record it");
    w.migrate(&["lock"])
        .code(OK)
        .out("recorded the current content of repeatable migration(s) user_names")
        .no_out("amend");
    w.migrate(&["lock", "--check"]).code(OK);
    assert_eq!(
        repeatable_states(w, url),
        states(&[("audit", "applied"), ("user_names", "changed")])
    );
    m(&["status"])
        .code(OK)
        .err("repeatable migration `user_names` (migrations/repeatable/user_names.sql) changed since it was applied: `migrate up` applies it again");
    m(&["up", "--dry-run"])
        .code(OK)
        .out("-- repeatable user_names (migrations/repeatable/user_names.sql, changed)")
        .no_out("-- repeatable audit")
        .out("-- 1 repeatable migration(s) would be applied after them");
    m(&["up"])
        .code(OK)
        .out("0 migration(s) and 1 repeatable migration(s) applied");
    // reverted to what it was: a change too
    w.write("migrations/repeatable/user_names.sql", VIEW);
    w.migrate(&["lock"]).code(OK);
    m(&["up"])
        .code(OK)
        .out("applied repeatable user_names")
        .out("0 migration(s) and 1 repeatable migration(s) applied");

    // a statement-by-statement one fails at its second statement: dirty, with the advice
    w.write(
        "migrations/repeatable/audit.sql",
        "-- migrate:no-transaction\nCREATE TABLE IF NOT EXISTS audit (id INT);\n\
         INSERT INTO audit_source (id) VALUES (1);\nINSERT INTO audit (id) VALUES (2);\n",
    );
    w.migrate(&["lock"]).code(OK);
    m(&["up"])
        .code(ERROR)
        .err("repeatable migration `audit` failed at migrations/repeatable/audit.sql:3")
        .err("statements 1 to 1 of 3 are applied");
    let json = m(&["status", "--format", "json"]).code(OK).json();
    let audit = json["repeatables"]
        .as_array()
        .and_then(|list| list.iter().find(|r| r["name"] == "audit").cloned())
        .unwrap_or(Value::Null);
    assert_eq!(
        (&audit["state"], &audit["statements_done"]),
        (&Value::from("dirty"), &Value::from(1)),
        "{json}"
    );
    m(&["status"])
        .code(OK)
        .err("repeatable migration `audit` (migrations/repeatable/audit.sql) stopped after statement 1")
        .err("repair, then `migrate up --resume`");
    m(&["up"]).code(ERROR).err("`migrate up --resume`");
    // the repair is a new migration: applied first, then the dirty one resumes
    w.write(
        "migrations/2_audit_source.up.sql",
        "CREATE TABLE audit_source (id INT);\n",
    )
    .write(
        "migrations/2_audit_source.down.sql",
        "DROP TABLE audit_source;\n",
    );
    m(&["up", "--resume"])
        .code(OK)
        .out("applied repeatable audit")
        .out("1 migration(s) and 1 repeatable migration(s) applied");
    assert_eq!(
        repeatable_states(w, url),
        states(&[("audit", "applied"), ("user_names", "applied")])
    );

    // a repeatable migration gone from the directory stays in the database's records
    w.remove("migrations/repeatable/user_names.sql");
    w.migrate(&["lock"]).code(OK);
    assert_eq!(
        repeatable_states(w, url),
        states(&[("audit", "applied"), ("user_names", "removed")])
    );
    // nothing runs it again, so nothing is left to do
    m(&["status", "--exit-code"])
        .code(OK)
        .err("repeatable migration `user_names` is recorded in the database but no longer in the directory");
    m(&["up"]).code(OK).out("nothing to apply");

    // undo forgets them: the next run that reaches the newest migration applies them again
    m(&["down"]).code(OK);
    assert_eq!(repeatable_states(w, url), states(&[("audit", "pending")]));
    m(&["up"])
        .code(OK)
        .out("applied repeatable audit")
        .out("1 migration(s) and 1 repeatable migration(s) applied");
}

#[test]
fn repeatables_on_postgres() {
    let Some(cluster) = TempCluster::start(&[]) else {
        return;
    };
    cluster
        .create_database("repeatables")
        .unwrap_or_else(|e| panic!("{e}"));
    repeatables(&Work::new("repeatables-pg"), &cluster.url("repeatables"));
}

#[test]
fn repeatables_on_mariadb() {
    let Some(server) = servers::available(migrate::testing::TempMariaDb::start()) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    runtime
        .block_on(server.create_database("repeatables"))
        .unwrap_or_else(|e| panic!("{e}"));
    repeatables(&Work::new("repeatables-maria"), &server.url("repeatables"));
}

/// A psql session of its own that takes `ACCESS EXCLUSIVE` on `table` in `db` and holds it for
/// `seconds`; returns once the lock is granted.
fn hold_table(cluster: &TempCluster, db: &str, table: &str, seconds: f64) -> std::process::Child {
    let sql = format!(
        "BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep({seconds}); COMMIT;"
    );
    let mut child = cluster
        .psql(db)
        .args(["-q", "-c", &sql])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("psql: {e}"));
    let granted = format!(
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
         WHERE c.relname = '{table}' AND l.mode = 'AccessExclusiveLock' AND l.granted"
    );
    let is_granted = || {
        let out = cluster.psql(db).args(["-At", "-c", &granted]).output();
        out.is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "1")
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !is_granted() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("psql never got the lock on {table}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// How many retries the run announced on stderr.
fn retries(run: &Run) -> usize {
    run.stderr
        .lines()
        .filter(|l| l.contains("could not get a lock within 100ms (attempt"))
        .count()
}

/// `--ddl-lock-timeout 100ms` while psql holds the table: each retry is announced, the run
/// succeeds once the lock is gone; with too few retries it fails naming the table, the timeout
/// and the retries; `--statement-timeout` stops a statement that runs too long.
#[test]
fn timeouts_on_postgres() {
    let Some(cluster) = TempCluster::start(&[]) else {
        return;
    };
    let db = "timeouts";
    cluster
        .create_database(db)
        .unwrap_or_else(|e| panic!("{e}"));
    let url = cluster.url(db);
    let w = Work::new("timeouts-pg");
    w.write(
        "migrations/1_accounts.sql",
        "CREATE TABLE accounts (id INT);\n",
    );
    on(&w, &url, &["up"]).code(OK);
    let guarded = |args: &[&str]| {
        let mut all = vec!["--ddl-lock-timeout", "100ms", "--lock-retry-pause", "200ms"];
        all.extend_from_slice(args);
        on(&w, &url, &all)
    };

    w.write(
        "migrations/2_note.sql",
        "ALTER TABLE accounts ADD COLUMN note TEXT;\n",
    );
    let mut holder = hold_table(&cluster, db, "accounts", 3.0);
    let start = Instant::now();
    let run = guarded(&["--lock-retries", "8", "up"]);
    let took = start.elapsed();
    run.code(OK)
        .out("applied 2 note")
        .err("migration 2 (migrations/2_note.sql) could not get a lock within 100ms (attempt 1 of 9): trying again in");
    let retried = retries(&run);
    assert!(retried >= 1, "{run}");
    assert!(took >= Duration::from_secs(2), "{took:?}");
    // the figures of the note: attempts and the time until the migration went through
    eprintln!(
        "figure: lock held 3 s, --ddl-lock-timeout 100ms --lock-retry-pause 200ms: {} attempts, `migrate up` took {took:.2?}",
        retried + 1
    );
    assert!(holder.wait().is_ok_and(|s| s.success()));

    w.write(
        "migrations/3_more.sql",
        "ALTER TABLE accounts ADD COLUMN more INT;\n",
    );
    let mut holder = hold_table(&cluster, db, "accounts", 4.0);
    let run = guarded(&["--lock-retries", "1", "up"]);
    run.code(ERROR)
        .err("migration 3 (migrations/3_more.sql:1) could not get a lock on table accounts for its statement `ALTER TABLE accounts ADD COLUMN more INT` within its lock timeout of 100ms, in 2 attempts (1 retry) over")
        .err("nothing of it is applied")
        .err("raise `--ddl-lock-timeout` or `--lock-retries`");
    assert_eq!(retries(&run), 1, "{run}");
    assert!(holder.wait().is_ok_and(|s| s.success()));
    on(&w, &url, &["status", "--exit-code"])
        .code(NOT_UP_TO_DATE)
        .out("2 applied, 1 pending");
    guarded(&["up"]).code(OK).out("applied 3 more");

    w.write("migrations/4_slow.sql", "SELECT pg_sleep(2);\n");
    on(&w, &url, &["--statement-timeout", "100ms", "up"])
        .code(ERROR)
        .err("migrations/4_slow.sql")
        .err("statement timeout");
    on(&w, &url, &["--statement-timeout", "5s", "up"])
        .code(OK)
        .out("applied 4 slow");
}
